import type { TenantInput, TenantPatch, VirtualKeyPatch } from '../tenants/inputs.js';
import type { StoredVirtualKey, Tenant, VirtualKey } from '../tenants/types.js';

/** Whose spend `spend()` sums: a tenant's (all its keys) or one virtual key's. */
export type SpendScope = { tenantId: string } | { virtualKeyId: string };

/**
 * Where tenants and virtual keys live (`RouterStorage.tenants`). Inputs are validated by the router;
 * the store enforces what only it can see: unique tenant names (`CONFLICT`), existence
 * (`NOT_FOUND`, entity `tenant` / `virtual_key`), unique key hashes.
 */
export interface TenantStore {
  listTenants(): Promise<Tenant[]>;
  /** By id, else by name. */
  getTenant(idOrName: string): Promise<Tenant>;
  createTenant(input: TenantInput): Promise<Tenant>;
  updateTenant(id: string, patch: TenantPatch): Promise<Tenant>;
  /** Deletes its virtual keys too. */
  deleteTenant(id: string): Promise<void>;
  /** Store a key built by the router (id, hash, preview); `NOT_FOUND` for an unknown tenant. */
  createVirtualKey(key: StoredVirtualKey): Promise<VirtualKey>;
  listVirtualKeys(tenantId: string): Promise<VirtualKey[]>;
  updateVirtualKey(tenantId: string, keyId: string, patch: VirtualKeyPatch): Promise<VirtualKey>;
  /** The key with this hash and its tenant (revoked and expired ones included: the router decides). */
  findVirtualKey(hash: string): Promise<{ tenant: Tenant; key: VirtualKey } | undefined>;
  /**
   * USD spent from `sinceMs` (epoch ms, inclusive) by the scope, from the usage ledger (records with
   * `tenantId` / `virtualKeyId`). How a restarted router rebuilds budgets: the ledger is the truth.
   */
  spend(scope: SpendScope, sinceMs: number): Promise<number>;
}
