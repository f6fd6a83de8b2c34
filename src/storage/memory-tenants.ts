import { newTenant, patchEntity, publicKey } from '../tenants/entities.js';
import type { TenantInput, TenantPatch, VirtualKeyPatch } from '../tenants/inputs.js';
import type { StoredVirtualKey, Tenant } from '../tenants/types.js';
import type { UsageRecord } from '../types/usage-record.js';
import type { Clock } from '../util/clock.js';
import { conflict, notFound } from './storage-errors.js';
import type { TenantStore } from './tenant-store.js';

/**
 * Tenants and keys in this process, with the rules `postgresStorage` enforces. Spend is summed from
 * the usage records the memory storage keeps (its `maxUsageRecords` bounds what it can rebuild).
 */
export function memoryTenants(clock: Clock, usage: () => readonly UsageRecord[]): TenantStore {
  const tenants = new Map<string, Tenant>();
  const keys = new Map<string, StoredVirtualKey>();
  const iso = () => new Date(clock.now()).toISOString();
  const tenant = (id: string) => {
    const t = tenants.get(id);
    if (!t) throw notFound('tenant', id);
    return t;
  };
  const nameTaken = (name: string, except?: string) =>
    [...tenants.values()].some((t) => t.name === name && t.id !== except);

  return {
    async listTenants() {
      return structuredClone([...tenants.values()]);
    },
    async getTenant(idOrName) {
      const t = tenants.get(idOrName) ?? [...tenants.values()].find((x) => x.name === idOrName);
      if (!t) throw notFound('tenant', idOrName);
      return structuredClone(t);
    },
    async createTenant(input: TenantInput) {
      const t = newTenant(structuredClone(input), iso());
      if (tenants.has(t.id)) throw conflict('tenant', 'Tenant id is taken');
      if (nameTaken(t.name)) throw conflict('tenant', 'Tenant name is taken');
      tenants.set(t.id, t);
      return structuredClone(t);
    },
    async updateTenant(id, patch: TenantPatch) {
      const t = tenant(id);
      if (patch.name !== undefined && nameTaken(patch.name, id))
        throw conflict('tenant', 'Tenant name is taken');
      const next = patchEntity(t, structuredClone(patch), iso());
      tenants.set(id, next);
      return structuredClone(next);
    },
    async deleteTenant(id) {
      tenant(id);
      tenants.delete(id);
      for (const [k, v] of keys) if (v.tenantId === id) keys.delete(k);
    },
    async createVirtualKey(key) {
      tenant(key.tenantId);
      if ([...keys.values()].some((k) => k.hash === key.hash)) throw conflict('virtual_key', 'Key is taken');
      keys.set(key.id, structuredClone(key));
      return publicKey(structuredClone(key));
    },
    async listVirtualKeys(tenantId) {
      tenant(tenantId);
      return [...keys.values()]
        .filter((k) => k.tenantId === tenantId)
        .map((k) => publicKey(structuredClone(k)));
    },
    async updateVirtualKey(tenantId, keyId, patch: VirtualKeyPatch) {
      const k = keys.get(keyId);
      if (!k || k.tenantId !== tenantId) throw notFound('virtual_key', keyId);
      const next = patchEntity(k, structuredClone(patch), iso());
      keys.set(keyId, next);
      return publicKey(structuredClone(next));
    },
    async findVirtualKey(hash) {
      for (const k of keys.values()) {
        if (k.hash !== hash) continue;
        const t = tenants.get(k.tenantId);
        return t ? { tenant: structuredClone(t), key: publicKey(structuredClone(k)) } : undefined;
      }
      return undefined;
    },
    async spend(scope, sinceMs) {
      let usd = 0;
      for (const r of usage()) {
        if (r.startedAt < sinceMs || r.costUsd === undefined) continue;
        if ('tenantId' in scope ? r.tenantId === scope.tenantId : r.virtualKeyId === scope.virtualKeyId)
          usd += r.costUsd;
      }
      return usd;
    },
  };
}
