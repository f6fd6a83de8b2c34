import { z } from 'zod';
import {
  groupInputSchema,
  keyInputSchema,
  memberInputSchema,
  modelInputSchema,
  providerInputSchema,
} from '../catalog/inputs.js';
import {
  groupPatchSchema,
  keyPatchSchema,
  modelPatchSchema,
  providerPatchSchema,
} from '../catalog/patches.js';
import type { Catalog } from '../catalog/types.js';
import { RouterError } from '../errors/router-error.js';
import { invalid, parseOrThrow } from '../errors/validation.js';
import type { CatalogChange } from '../storage/storage.js';
import { storageError } from '../storage/storage-errors.js';
import { type AdminAction, touchesEndpoint } from './actions.js';
import type { AdminContext, AdminDeps, RouterAdmin } from './types.js';
import { tenantAdmin } from './tenant-admin.js';
import { findGroup, findModel, findProvider, toAdminKey, toAdminProvider } from './views.js';

const fn = z.custom<(...args: never[]) => unknown>((f) => typeof f === 'function', 'must be a function');
const depsSchema = z.object({
  storage: z.custom(
    (s) => typeof (s as { loadCatalog?: unknown } | null)?.loadCatalog === 'function',
    'must be a RouterStorage',
  ),
  authorize: fn,
  catalog: fn,
  onWrite: fn,
  onError: fn.optional(),
  adapters: fn.optional(),
  strategies: fn.optional(),
  hashKey: fn.optional(),
});

/** Ids given as arguments: a short non-empty string (the storage decides whether it exists). */
const idArgSchema = z.string().min(1).max(200);

/**
 * Build the admin API over a storage and the router's catalog cache. Every write runs in this order:
 * `authorize` (→ `FORBIDDEN`), input validation (→ `VALIDATION`, naming the field), reference checks
 * against the cache (→ `VALIDATION`), the storage write (→ `NOT_FOUND` / `CONFLICT`; any other
 * failure becomes `STORAGE_ERROR`), then `onWrite` so that the router's cache holds the change
 * before the call returns.
 */
/** Ask `authorize`; a `false`, a rejection or a throw is `FORBIDDEN` (fail closed). */
export async function authorizeOrThrow(
  policy: AdminDeps['authorize'],
  ctx: AdminContext | undefined,
  action: AdminAction,
): Promise<void> {
  let allowed = false;
  let cause: unknown;
  try {
    allowed = (await policy(ctx?.actor, action)) === true;
  } catch (error) {
    cause = error; // fail closed: a policy that throws denies
  }
  // The actor is left out of the message: it may carry a token or a session.
  if (!allowed) throw new RouterError('FORBIDDEN', `Not allowed: ${action}`, { cause, details: { action } });
}

export function createAdminApi(deps: AdminDeps): RouterAdmin {
  parseOrThrow(depsSchema, deps, 'createAdminApi');
  const { storage } = deps;

  const authorize = (ctx: AdminContext | undefined, action: AdminAction) =>
    authorizeOrThrow(deps.authorize, ctx, action);

  async function write<T>(
    ctx: AdminContext | undefined,
    actions: AdminAction | readonly AdminAction[],
    run: () => Promise<T>,
    change: (result: T) => CatalogChange,
  ): Promise<T> {
    const all = typeof actions === 'string' ? [actions] : actions;
    for (const a of all) await authorize(ctx, a);
    const action = all[0]!;
    // The router loads on the first call, and loading runs `storage.init()` (Postgres: migrations,
    // the client): a write must not reach a storage that was never initialised.
    await deps.catalog();
    let result: T;
    try {
      result = await run();
    } catch (error) {
      throw RouterError.isInstance(error) ? error : storageError(`Storage failed during ${action}`, error);
    }
    try {
      await deps.onWrite(change(result));
    } catch (error) {
      deps.onError?.(error);
    }
    return result;
  }

  const id = (value: unknown, field: string): string => parseOrThrow(idArgSchema, value, field);
  const catalog = async (): Promise<Catalog> => deps.catalog();

  function checkAdapter(adapter: string | undefined, field: string): void {
    const known = deps.adapters?.();
    if (adapter !== undefined && known && !known.includes(adapter)) {
      throw invalid(field, `unknown adapter "${adapter}" (known: ${known.join(', ') || 'none'})`);
    }
  }
  function checkStrategy(strategy: string | null | undefined, field: string): void {
    const known = deps.strategies?.();
    if (typeof strategy === 'string' && known && !known.includes(strategy)) {
      throw invalid(field, `unknown strategy "${strategy}" (known: ${known.join(', ')})`);
    }
  }
  /** The original relay's rule: a member must name a model that exists for that provider. */
  async function checkMemberModel(
    member: { providerId: string; modelId: string },
    field: string,
  ): Promise<void> {
    const exists = (await catalog()).models.some(
      (m) => m.providerId === member.providerId && m.modelId === member.modelId,
    );
    if (!exists) throw invalid(field, `unknown model "${member.providerId}/${member.modelId}"`);
  }

  return {
    ...tenantAdmin({
      storage,
      authorize,
      ready: async () => {
        await deps.catalog();
      },
      hashKey: deps.hashKey ?? ((key) => key),
    }),
    async listGroups() {
      return structuredClone((await catalog()).groups);
    },
    async getGroup(idOrName) {
      return findGroup(await catalog(), id(idOrName, 'idOrName'));
    },
    createGroup: (input, ctx) =>
      write(
        ctx,
        'group.create',
        async () => {
          const parsed = parseOrThrow(groupInputSchema, input, '');
          checkStrategy(parsed.failoverStrategy, 'failoverStrategy');
          for (const [i, m] of (parsed.members ?? []).entries())
            await checkMemberModel(m, `members[${i}].modelId`);
          return storage.createGroup(parsed);
        },
        (g) => ({ entity: 'group', id: g.id }),
      ),
    updateGroup: (groupId, patch, ctx) =>
      write(
        ctx,
        'group.update',
        () => {
          const gid = id(groupId, 'id');
          const parsed = parseOrThrow(groupPatchSchema, patch, '');
          checkStrategy(parsed.failoverStrategy, 'failoverStrategy');
          return storage.updateGroup(gid, parsed);
        },
        (g) => ({ entity: 'group', id: g.id }),
      ),
    deleteGroup: (groupId, ctx) =>
      write(
        ctx,
        'group.delete',
        () => storage.deleteGroup(id(groupId, 'id')),
        () => ({ entity: 'group', id: groupId }),
      ),
    addGroupMember: (groupId, member, ctx) =>
      write(
        ctx,
        'member.add',
        async () => {
          const gid = id(groupId, 'groupId');
          const parsed = parseOrThrow(memberInputSchema, member, '');
          await checkMemberModel(parsed, 'modelId');
          return storage.addGroupMember(gid, parsed);
        },
        (m) => ({ entity: 'member', id: m.id }),
      ),
    removeGroupMember: (groupId, memberId, ctx) =>
      write(
        ctx,
        'member.remove',
        () => storage.removeGroupMember(id(groupId, 'groupId'), id(memberId, 'memberId')),
        () => ({ entity: 'member', id: memberId }),
      ),

    async listProviders() {
      return (await catalog()).providers.map(toAdminProvider);
    },
    async getProvider(providerId) {
      return findProvider(await catalog(), id(providerId, 'id'));
    },
    createProvider: async (input, ctx) =>
      toAdminProvider(
        await write(
          ctx,
          'provider.create',
          () => {
            const parsed = parseOrThrow(providerInputSchema, input, '');
            checkAdapter(parsed.adapter, 'adapter');
            return storage.createProvider(parsed);
          },
          (p) => ({ entity: 'provider', id: p.id }),
        ),
      ),
    updateProvider: async (providerId, patch, ctx) =>
      toAdminProvider(
        await write(
          ctx,
          // The stronger action first: a refusal names it.
          touchesEndpoint(patch) ? ['provider.endpoint', 'provider.update'] : 'provider.update',
          () => {
            const pid = id(providerId, 'id');
            const parsed = parseOrThrow(providerPatchSchema, patch, '');
            checkAdapter(parsed.adapter, 'adapter');
            return storage.updateProvider(pid, parsed);
          },
          (p) => ({ entity: 'provider', id: p.id }),
        ),
      ),
    deleteProvider: (providerId, ctx) =>
      write(
        ctx,
        'provider.delete',
        () => storage.deleteProvider(id(providerId, 'id')),
        () => ({ entity: 'provider', id: providerId }),
      ),
    addKey: async (providerId, key, ctx) =>
      toAdminKey(
        await write(
          ctx,
          'key.add',
          () => storage.addKey(id(providerId, 'providerId'), parseOrThrow(keyInputSchema, key, '')),
          (k) => ({ entity: 'key', id: k.id }),
        ),
      ),
    updateKey: async (providerId, keyId, patch, ctx) =>
      toAdminKey(
        await write(
          ctx,
          'key.update',
          () =>
            storage.updateKey(
              id(providerId, 'providerId'),
              id(keyId, 'keyId'),
              parseOrThrow(keyPatchSchema, patch, ''),
            ),
          (k) => ({ entity: 'key', id: k.id }),
        ),
      ),
    removeKey: (providerId, keyId, ctx) =>
      write(
        ctx,
        'key.remove',
        () => storage.removeKey(id(providerId, 'providerId'), id(keyId, 'keyId')),
        () => ({ entity: 'key', id: keyId }),
      ),

    async listModels() {
      return structuredClone((await catalog()).models);
    },
    async getModel(idOrRef) {
      return findModel(await catalog(), id(idOrRef, 'idOrRef'));
    },
    createModel: (input, ctx) =>
      write(
        ctx,
        'model.create',
        async () => {
          const parsed = parseOrThrow(modelInputSchema, input, '');
          if (!(await catalog()).providers.some((p) => p.id === parsed.providerId)) {
            throw invalid('providerId', `unknown provider "${parsed.providerId}"`);
          }
          return storage.createModel(parsed);
        },
        (m) => ({ entity: 'model', id: m.id }),
      ),
    updateModel: (modelId, patch, ctx) =>
      write(
        ctx,
        'model.update',
        () => storage.updateModel(id(modelId, 'id'), parseOrThrow(modelPatchSchema, patch, '')),
        (m) => ({ entity: 'model', id: m.id }),
      ),
    deleteModel: (modelId, ctx) =>
      write(
        ctx,
        'model.delete',
        () => storage.deleteModel(id(modelId, 'id')),
        () => ({ entity: 'model', id: modelId }),
      ),
  };
}
