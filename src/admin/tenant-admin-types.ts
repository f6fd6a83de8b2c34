import type { TenantInput, TenantPatch, VirtualKeyInput, VirtualKeyPatch } from '../tenants/inputs.js';
import type { CreatedVirtualKey, Tenant, VirtualKey } from '../tenants/types.js';
import type { AdminContext } from './types.js';

/** Virtual-key fields an update may change (revocation has its own call). */
export type VirtualKeyUpdate = Omit<VirtualKeyPatch, 'revokedAt'>;

/**
 * Tenants and their virtual keys (`router.admin`). Writes ask `authorize` with `tenant.*` and
 * `virtual_key.*` actions; reads are open. A key is returned in full by `createVirtualKey` only:
 * it is stored as a hash, and reads show its `preview`.
 */
export interface TenantAdmin {
  listTenants(): Promise<Tenant[]>;
  /** By id, else by name. */
  getTenant(idOrName: string): Promise<Tenant>;
  createTenant(input: TenantInput, ctx?: AdminContext): Promise<Tenant>;
  updateTenant(id: string, patch: TenantPatch, ctx?: AdminContext): Promise<Tenant>;
  /** Deletes its virtual keys too. */
  deleteTenant(id: string, ctx?: AdminContext): Promise<void>;
  /** Mint a key; `key` in the result is shown this once. */
  createVirtualKey(tenantId: string, input?: VirtualKeyInput, ctx?: AdminContext): Promise<CreatedVirtualKey>;
  listVirtualKeys(tenantId: string): Promise<VirtualKey[]>;
  updateVirtualKey(
    tenantId: string,
    keyId: string,
    patch: VirtualKeyUpdate,
    ctx?: AdminContext,
  ): Promise<VirtualKey>;
  /** Refuse the key from now on (401). Revoking a revoked key keeps its first `revokedAt`. */
  revokeVirtualKey(tenantId: string, keyId: string, ctx?: AdminContext): Promise<VirtualKey>;
}
