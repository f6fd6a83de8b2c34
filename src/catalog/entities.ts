import { randomUUID } from 'node:crypto';
import type { GroupInput, KeyInput, MemberInput, ModelInput, ProviderInput } from './inputs.js';
import type { Group, GroupMember, Model, Provider, ProviderKey } from './types.js';

/*
 * Building stored entities from inputs, shared by the storages that ship so that defaults
 * (generated ids, `enabled: true`, `priority: 0`, `weight: 1`) are the same everywhere.
 */

/** Copy the defined entries of `source`: optional fields stay absent rather than `undefined`. */
function defined<T extends object>(source: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(source)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

export function newKey(providerId: string, input: KeyInput, now: string): ProviderKey {
  return {
    ...defined({ rpm: input.rpm, tpm: input.tpm, maxConcurrent: input.maxConcurrent }),
    id: input.id ?? randomUUID(),
    providerId,
    secret: input.secret,
    enabled: input.enabled ?? true,
    createdAt: now,
    updatedAt: now,
  };
}

export function newProvider(input: ProviderInput, now: string): Provider {
  const id = input.id ?? randomUUID();
  return {
    id,
    ...defined({ name: input.name }),
    adapter: input.adapter,
    ...defined({ baseUrl: input.baseUrl }),
    enabled: input.enabled ?? true,
    keys: (input.keys ?? []).map((k) => newKey(id, k, now)),
    createdAt: now,
    updatedAt: now,
  };
}

export function newModel(input: ModelInput, now: string): Model {
  return {
    id: input.id ?? randomUUID(),
    providerId: input.providerId,
    modelId: input.modelId,
    ...defined({
      contextWindow: input.contextWindow,
      maxOutputTokens: input.maxOutputTokens,
      inputCostPerMTok: input.inputCostPerMTok,
      outputCostPerMTok: input.outputCostPerMTok,
      cacheReadCostPerMTok: input.cacheReadCostPerMTok,
      cacheWriteCostPerMTok: input.cacheWriteCostPerMTok,
      tags: tagList(input.tags),
    }),
    enabled: input.enabled ?? true,
    createdAt: now,
    updatedAt: now,
  };
}

export function newMember(groupId: string, input: MemberInput, now: string): GroupMember {
  return {
    id: input.id ?? randomUUID(),
    groupId,
    providerId: input.providerId,
    modelId: input.modelId,
    priority: input.priority ?? 0,
    weight: input.weight ?? 1,
    ...defined({ tags: tagList(input.tags) }),
    enabled: input.enabled ?? true,
    createdAt: now,
    updatedAt: now,
  };
}

export function newGroup(input: GroupInput, now: string): Group {
  const id = input.id ?? randomUUID();
  return {
    id,
    name: input.name,
    ...defined({
      displayName: input.displayName,
      description: input.description,
    }),
    enabled: input.enabled ?? true,
    ...defined({ failoverStrategy: input.failoverStrategy }),
    members: (input.members ?? []).map((m) => newMember(id, m, now)),
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Apply a patch in place: `undefined` leaves a field, `null` deletes it.
 */
export function applyPatch(target: object, patch: object): void {
  const t = target as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null) delete t[k];
    else t[k] = v;
  }
}

/** Tags without duplicates, in first-seen order; none → undefined (the field stays absent). */
export function tagList(tags: readonly string[] | null | undefined): string[] | undefined {
  if (!tags || tags.length === 0) return undefined;
  return [...new Set(tags)];
}

/** Both halves of a member's model reference, as one map key. */
export function modelRef(providerId: string, modelId: string): string {
  return `${providerId}\u0000${modelId}`;
}
