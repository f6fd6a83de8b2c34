import { z } from 'zod';
import { RouterError } from '../errors/router-error.js';
import { parseOrThrow } from '../errors/validation.js';
import type { RouterStorage } from '../storage/storage.js';
import { storageError } from '../storage/storage-errors.js';
import type { TenantStore } from '../storage/tenant-store.js';
import { newVirtualKey } from '../tenants/entities.js';
import {
  tenantInputSchema,
  tenantPatchSchema,
  virtualKeyInputSchema,
  virtualKeyPatchSchema,
} from '../tenants/inputs.js';
import { keyPreview, newKeySecret } from '../tenants/key-secret.js';
import type { AdminAction } from './actions.js';
import type { TenantAdmin } from './tenant-admin-types.js';
import type { AdminContext } from './types.js';

const idArg = z.string().min(1).max(200);

interface TenantAdminDeps {
  storage: RouterStorage;
  authorize: (ctx: AdminContext | undefined, action: AdminAction) => Promise<void>;
  /** Initialises the storage (the router's catalog load) before its first write or read. */
  ready: () => Promise<void>;
  hashKey: (key: string) => string;
}

/** The tenant half of `router.admin`: `authorize`, validation, then the storage's `tenants`. */
export function tenantAdmin(deps: TenantAdminDeps): TenantAdmin {
  const store = async (): Promise<TenantStore> => {
    const tenants = deps.storage.tenants;
    if (!tenants) {
      throw new RouterError('STORAGE_ERROR', 'This storage does not store tenants (RouterStorage.tenants)');
    }
    await deps.ready();
    return tenants;
  };
  const id = (value: unknown, field: string) => parseOrThrow(idArg, value, field);
  const run = async <T>(what: string, fn: (s: TenantStore) => Promise<T>): Promise<T> => {
    const s = await store();
    try {
      return await fn(s);
    } catch (error) {
      throw RouterError.isInstance(error) ? error : storageError(`Storage failed to ${what}`, error);
    }
  };
  const write = async <T>(
    ctx: AdminContext | undefined,
    action: AdminAction,
    fn: (s: TenantStore) => Promise<T>,
  ): Promise<T> => {
    await deps.authorize(ctx, action);
    return run(action, fn);
  };
  const clock = () => new Date().toISOString();

  return {
    listTenants: () => run('list tenants', (s) => s.listTenants()),
    getTenant: (idOrName) => run('read a tenant', (s) => s.getTenant(id(idOrName, 'idOrName'))),
    createTenant: (input, ctx) =>
      write(ctx, 'tenant.create', (s) => s.createTenant(parseOrThrow(tenantInputSchema, input, ''))),
    updateTenant: (tenantId, patch, ctx) =>
      write(ctx, 'tenant.update', (s) =>
        s.updateTenant(id(tenantId, 'id'), parseOrThrow(tenantPatchSchema, patch, '')),
      ),
    deleteTenant: (tenantId, ctx) => write(ctx, 'tenant.delete', (s) => s.deleteTenant(id(tenantId, 'id'))),
    createVirtualKey: (tenantId, input, ctx) =>
      write(ctx, 'virtual_key.create', async (s) => {
        const tid = id(tenantId, 'tenantId');
        const parsed = parseOrThrow(virtualKeyInputSchema, input ?? {}, '');
        const key = newKeySecret();
        const stored = newVirtualKey(
          tid,
          parsed,
          { hash: deps.hashKey(key), preview: keyPreview(key) },
          clock(),
        );
        const written = await s.createVirtualKey(stored);
        return { ...written, key };
      }),
    listVirtualKeys: (tenantId) =>
      run('list virtual keys', (s) => s.listVirtualKeys(id(tenantId, 'tenantId'))),
    updateVirtualKey: (tenantId, keyId, patch, ctx) =>
      write(ctx, 'virtual_key.update', (s) =>
        s.updateVirtualKey(
          id(tenantId, 'tenantId'),
          id(keyId, 'keyId'),
          parseOrThrow(virtualKeyPatchSchema, patch, ''),
        ),
      ),
    revokeVirtualKey: (tenantId, keyId, ctx) =>
      write(ctx, 'virtual_key.revoke', async (s) => {
        const tid = id(tenantId, 'tenantId');
        const kid = id(keyId, 'keyId');
        const existing = (await s.listVirtualKeys(tid)).find((k) => k.id === kid);
        if (existing?.revokedAt) return existing;
        return s.updateVirtualKey(tid, kid, { revokedAt: new Date().toISOString() });
      }),
  };
}
