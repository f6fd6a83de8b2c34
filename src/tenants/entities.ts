import { randomUUID } from 'node:crypto';
import type { TenantInput, TenantPatch, VirtualKeyInput, VirtualKeyPatch } from './inputs.js';
import type { StoredVirtualKey, Tenant, VirtualKey } from './types.js';

/*
 * Building tenants and keys from validated inputs, shared by the storages that ship so that the
 * defaults (generated ids, `enabled: true`) are the same everywhere.
 */

function defined<T extends object>(source: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(source)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

export function newTenant(input: TenantInput, now: string): Tenant {
  return {
    id: input.id ?? randomUUID(),
    name: input.name,
    ...defined({
      allowedModels: input.allowedModels,
      tags: input.tags,
      rpm: input.rpm,
      tpm: input.tpm,
      maxConcurrent: input.maxConcurrent,
      budgets: input.budgets,
    }),
    enabled: input.enabled ?? true,
    ...defined({ metadata: input.metadata }),
    createdAt: now,
    updatedAt: now,
  } as Tenant;
}

export function newVirtualKey(
  tenantId: string,
  input: VirtualKeyInput,
  secret: { hash: string; preview: string },
  now: string,
): StoredVirtualKey {
  return {
    id: randomUUID(),
    tenantId,
    ...defined({ name: input.name }),
    preview: secret.preview,
    hash: secret.hash,
    ...defined({
      allowedModels: input.allowedModels,
      budgets: input.budgets,
      expiresAt: input.expiresAt === undefined ? undefined : new Date(input.expiresAt).toISOString(),
    }),
    createdAt: now,
    updatedAt: now,
  } as StoredVirtualKey;
}

/** Apply a patch: `undefined` leaves a field, `null` clears it. */
export function patchEntity<T extends object>(
  entity: T,
  patch: TenantPatch | VirtualKeyPatch,
  now: string,
): T {
  const out = { ...entity } as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null) delete out[k];
    else out[k] = k === 'expiresAt' || k === 'revokedAt' ? new Date(v as string).toISOString() : v;
  }
  out.updatedAt = now;
  return out as T;
}

/** A stored key as reads show it: the hash left out. */
export function publicKey(key: StoredVirtualKey): VirtualKey {
  const { hash: _hash, ...rest } = key;
  return rest;
}
