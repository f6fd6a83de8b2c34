import { z } from 'zod';
import { buildCatalog } from '../catalog/build.js';
import type {
  CatalogInput,
  GroupInput,
  KeyInput,
  MemberInput,
  ModelInput,
  ProviderInput,
} from '../catalog/inputs.js';
import type { Catalog, Group, GroupMember, Model, Provider, ProviderKey } from '../catalog/types.js';
import { invalid, parseOrThrow } from '../errors/validation.js';
import type { UsageRecord } from '../types/usage-record.js';
import { type Clock, systemClock } from '../util/clock.js';
import {
  applyPatch,
  modelRef,
  newGroup,
  newKey,
  newMember,
  tagList,
  newModel,
  newProvider,
} from '../catalog/entities.js';
import type {
  CatalogChange,
  GroupPatch,
  KeyPatch,
  ModelPatch,
  ProviderPatch,
  RouterStorage,
} from './storage.js';
import { conflict, notFound } from './storage-errors.js';
import { memoryTenants } from './memory-tenants.js';
import { UsageRing } from './usage-ring.js';

export interface MemoryStorageOptions {
  /**
   * The catalog to start with, validated like `ModelRouterOptions.catalog` (`VALIDATION` naming the field).
   * @default { providers: [], models: [], groups: [] }
   */
  catalog?: CatalogInput;
  /**
   * Start from an exact catalog as `loadCatalog()` returned it (ids, timestamps and order kept), to
   * restore saved state — for instance a custom storage that persists snapshots and lets this one
   * enforce the rules. Trusted as is; use `catalog` for hand-written input. Not with `catalog`.
   * @default undefined
   */
  snapshot?: Catalog;
  /** Time source for `createdAt` / `updatedAt`. @default Date.now */
  clock?: Clock;
  /**
   * Most usage records kept in `usage`; past it the oldest are dropped, so that a long-running
   * process on the default storage does not grow without bound.
   * @default 10000
   */
  maxUsageRecords?: number;
}

/** The in-process storage: the router's default, and the reference for `storageContract`. */
export interface MemoryStorage extends RouterStorage {
  /**
   * The usage records received, oldest first (at most `maxUsageRecords`). Meant for tests and
   * examples. The records are kept field by field and built back on the first read after a write
   * (the `UsageRecord` fields; one set to `undefined` reads as absent): the same array until the next
   * write, a new one after it — read it again rather than keep it across writes.
   */
  readonly usage: readonly UsageRecord[];
}

const optionsSchema = z.strictObject({
  catalog: z.unknown().optional(),
  snapshot: z
    .object({ providers: z.array(z.unknown()), models: z.array(z.unknown()), groups: z.array(z.unknown()) })
    .optional(),
  clock: z
    .custom<Clock>((c) => typeof (c as Clock | undefined)?.now === 'function', 'must have a now() method')
    .optional(),
  maxUsageRecords: z.number().int().positive().optional(),
});

/**
 * Keeps the catalog and the usage records in this process. Enforces the catalog rules the way
 * `postgresStorage` does (unique names, one member per (group, provider, model), cascades) so that
 * code tested against it behaves the same on Postgres.
 */
export function memoryStorage(options: MemoryStorageOptions = {}): MemoryStorage {
  const opts = parseOrThrow(optionsSchema, options, 'memoryStorage');
  const clock = opts.clock ?? systemClock;
  const maxUsage = opts.maxUsageRecords ?? 10_000;
  const iso = () => new Date(clock.now()).toISOString();
  if (options.snapshot && options.catalog)
    throw invalid('memoryStorage.snapshot', 'give either `catalog` or `snapshot`');
  const state: Catalog = options.snapshot
    ? structuredClone(options.snapshot)
    : buildCatalog(options.catalog ?? {}, iso());
  const usage = new UsageRing(maxUsage);
  const listeners = new Set<(change: CatalogChange) => void>();

  const notify = (change: CatalogChange) => {
    for (const listener of [...listeners]) {
      // A subscriber's failure is its own; it must not turn a committed write into an error.
      try {
        listener({ ...change });
      } catch {}
    }
  };

  const provider = (id: string): Provider => {
    const p = state.providers.find((x) => x.id === id);
    if (!p) throw notFound('provider', id);
    return p;
  };
  const key = (providerId: string, keyId: string): ProviderKey => {
    const k = provider(providerId).keys.find((x) => x.id === keyId);
    if (!k) throw notFound('key', keyId);
    return k;
  };
  const model = (id: string): Model => {
    const m = state.models.find((x) => x.id === id);
    if (!m) throw notFound('model', id);
    return m;
  };
  const group = (id: string): Group => {
    const g = state.groups.find((x) => x.id === id);
    if (!g) throw notFound('group', id);
    return g;
  };
  const hasModel = (providerId: string, modelId: string) =>
    state.models.some((m) => m.providerId === providerId && m.modelId === modelId);
  const memberIdTaken = (id: string) => state.groups.some((g) => g.members.some((m) => m.id === id));

  /** Checks a member against the catalog and its group; `field` names it in a `VALIDATION` error. */
  const checkMember = (g: { id: string; members: GroupMember[] }, m: GroupMember, field: string) => {
    if (!hasModel(m.providerId, m.modelId)) {
      throw invalid(field ? `${field}.modelId` : 'modelId', `unknown model "${m.providerId}/${m.modelId}"`);
    }
    const ref = modelRef(m.providerId, m.modelId);
    if (g.members.some((x) => modelRef(x.providerId, x.modelId) === ref)) {
      throw conflict('member', `Group "${g.id}" already has a member for "${m.providerId}/${m.modelId}"`, {
        groupId: g.id,
        providerId: m.providerId,
        modelId: m.modelId,
      });
    }
    if (memberIdTaken(m.id)) throw conflict('member', `Member id "${m.id}" is taken`, { id: m.id });
  };

  /** Removes the members matching `drop` from every group, touching the groups that changed. */
  const dropMembers = (drop: (m: GroupMember) => boolean, now: string) => {
    for (const g of state.groups) {
      const kept = g.members.filter((m) => !drop(m));
      if (kept.length !== g.members.length) {
        g.members = kept;
        g.updatedAt = now;
      }
    }
  };

  /** Runs one write: all checks happen before the first mutation, so a failed write changes nothing. */
  const write = <T>(entity: CatalogChange['entity'], id: string | undefined, fn: () => T): Promise<T> => {
    try {
      const result = structuredClone(fn());
      const written = (result as { id?: string } | undefined)?.id ?? id;
      notify(written === undefined ? { entity } : { entity, id: written });
      return Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  };

  return {
    get usage() {
      return usage.records();
    },
    tenants: memoryTenants(clock, () => usage.records()),

    async init() {},
    async loadCatalog() {
      return structuredClone(state);
    },
    async subscribe(onChange) {
      const listener = (change: CatalogChange) => onChange(change);
      listeners.add(listener);
      return async () => {
        listeners.delete(listener);
      };
    },

    createProvider: (input: ProviderInput) =>
      write('provider', input.id, () => {
        const p = newProvider(input, iso());
        if (state.providers.some((x) => x.id === p.id)) {
          throw conflict('provider', `Provider id "${p.id}" is taken`, { id: p.id });
        }
        const ids = new Set<string>();
        for (const k of p.keys) {
          if (ids.has(k.id)) throw conflict('key', `Duplicate key id "${k.id}"`, { id: k.id });
          ids.add(k.id);
        }
        state.providers.push(p);
        return p;
      }),
    updateProvider: (id: string, patch: ProviderPatch) =>
      write('provider', id, () => {
        const p = provider(id);
        applyPatch(p, patch);
        p.updatedAt = iso();
        return p;
      }),
    deleteProvider: (id: string) =>
      write('provider', id, () => {
        provider(id);
        state.providers = state.providers.filter((p) => p.id !== id);
        state.models = state.models.filter((m) => m.providerId !== id);
        dropMembers((m) => m.providerId === id, iso());
      }),

    addKey: (providerId: string, input: KeyInput) =>
      write('key', input.id, () => {
        const p = provider(providerId);
        const now = iso();
        const k = newKey(providerId, input, now);
        if (p.keys.some((x) => x.id === k.id)) {
          throw conflict('key', `Provider "${providerId}" already has a key "${k.id}"`, {
            providerId,
            id: k.id,
          });
        }
        p.keys.push(k);
        p.updatedAt = now;
        return k;
      }),
    updateKey: (providerId: string, keyId: string, patch: KeyPatch) =>
      write('key', keyId, () => {
        const k = key(providerId, keyId);
        const now = iso();
        applyPatch(k, patch);
        k.updatedAt = now;
        provider(providerId).updatedAt = now;
        return k;
      }),
    removeKey: (providerId: string, keyId: string) =>
      write('key', keyId, () => {
        key(providerId, keyId);
        const p = provider(providerId);
        p.keys = p.keys.filter((k) => k.id !== keyId);
        p.updatedAt = iso();
      }),

    createModel: (input: ModelInput) =>
      write('model', input.id, () => {
        if (!state.providers.some((p) => p.id === input.providerId)) {
          throw invalid('providerId', `unknown provider "${input.providerId}"`);
        }
        const m = newModel(input, iso());
        if (state.models.some((x) => x.id === m.id))
          throw conflict('model', `Model id "${m.id}" is taken`, { id: m.id });
        if (hasModel(m.providerId, m.modelId)) {
          throw conflict('model', `Provider "${m.providerId}" already has a model "${m.modelId}"`, {
            providerId: m.providerId,
            modelId: m.modelId,
          });
        }
        state.models.push(m);
        return m;
      }),
    updateModel: (id: string, patch: ModelPatch) =>
      write('model', id, () => {
        const m = model(id);
        const now = iso();
        const renamed = patch.modelId !== undefined && patch.modelId !== m.modelId;
        if (renamed) {
          const to = patch.modelId as string;
          if (hasModel(m.providerId, to)) {
            throw conflict('model', `Provider "${m.providerId}" already has a model "${to}"`, {
              providerId: m.providerId,
              modelId: to,
            });
          }
          // Members follow the rename (Postgres: ON UPDATE CASCADE on the composite foreign key).
          for (const g of state.groups) {
            for (const member of g.members) {
              if (member.providerId === m.providerId && member.modelId === m.modelId) {
                member.modelId = to;
                member.updatedAt = now;
                g.updatedAt = now;
              }
            }
          }
        }
        // Tags are replaced as a whole; an empty list clears them (the field goes absent).
        applyPatch(m, patch.tags === undefined ? patch : { ...patch, tags: tagList(patch.tags) ?? null });
        m.updatedAt = now;
        return m;
      }),
    deleteModel: (id: string) =>
      write('model', id, () => {
        const m = model(id);
        state.models = state.models.filter((x) => x.id !== id);
        dropMembers((x) => x.providerId === m.providerId && x.modelId === m.modelId, iso());
      }),

    createGroup: (input: GroupInput) =>
      write('group', input.id, () => {
        const g = newGroup(input, iso());
        if (state.groups.some((x) => x.name === g.name)) {
          throw conflict('group', `Group name "${g.name}" is taken`, { name: g.name });
        }
        if (state.groups.some((x) => x.id === g.id))
          throw conflict('group', `Group id "${g.id}" is taken`, { id: g.id });
        const draft = { id: g.id, members: [] as GroupMember[] };
        g.members.forEach((m, i) => {
          checkMember(draft, m, `members[${i}]`);
          if (draft.members.some((x) => x.id === m.id))
            throw conflict('member', `Duplicate member id "${m.id}"`);
          draft.members.push(m);
        });
        state.groups.push(g);
        return g;
      }),
    updateGroup: (id: string, patch: GroupPatch) =>
      write('group', id, () => {
        const g = group(id);
        if (patch.name !== undefined && state.groups.some((x) => x.name === patch.name && x.id !== id)) {
          throw conflict('group', `Group name "${patch.name}" is taken`, { name: patch.name });
        }
        applyPatch(g, patch);
        g.updatedAt = iso();
        return g;
      }),
    deleteGroup: (id: string) =>
      write('group', id, () => {
        group(id);
        state.groups = state.groups.filter((g) => g.id !== id);
      }),
    addGroupMember: (groupId: string, input: MemberInput) =>
      write('member', input.id, () => {
        const g = group(groupId);
        const now = iso();
        const m = newMember(groupId, input, now);
        checkMember(g, m, '');
        g.members.push(m);
        g.updatedAt = now;
        return m;
      }),
    removeGroupMember: (groupId: string, memberId: string) =>
      write('member', memberId, () => {
        const g = group(groupId);
        if (!g.members.some((m) => m.id === memberId)) throw notFound('member', memberId);
        g.members = g.members.filter((m) => m.id !== memberId);
        g.updatedAt = iso();
      }),

    async recordUsage(records) {
      usage.push(records);
    },
    async close() {
      listeners.clear();
    },
  };
}
