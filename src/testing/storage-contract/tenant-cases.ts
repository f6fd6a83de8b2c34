import type { TenantStore } from '../../storage/tenant-store.js';
import type { StoredVirtualKey } from '../../tenants/types.js';
import { check, checkEqual, checkRejects } from './assert.js';
import { usageRecord } from './fixtures.js';
import type { InternalCase } from './provider-cases.js';

/** A key as the router builds it (the hash is any unique string to a storage). */
function storedKey(tenantId: string, overrides: Partial<StoredVirtualKey> = {}): StoredVirtualKey {
  return {
    id: `vk-${tenantId}-${overrides.hash ?? 'h1'}`,
    tenantId,
    preview: 'mr-abcde…wxyz',
    hash: 'h1',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/**
 * Tenants are optional (`RouterStorage.tenants`): a storage without them cannot serve virtual keys,
 * and these cases have nothing to check on it.
 */
function tenantCase(
  name: string,
  run: (tenants: TenantStore, ctx: Parameters<InternalCase['run']>[0]) => Promise<void>,
): InternalCase {
  return {
    name: `tenants: ${name}`,
    async run(ctx) {
      if (!ctx.storage.tenants) return;
      await run(ctx.storage.tenants, ctx);
    },
  };
}

/** Tenants and virtual keys: writes, defaults, NOT_FOUND, CONFLICT, cascades, lookups, spend. */
export const tenantCases: InternalCase[] = [
  tenantCase('createTenant stores its fields and defaults; getTenant by id or name', async (tenants) => {
    const t = await tenants.createTenant({
      id: 'acme',
      name: 'Acme',
      allowedModels: ['coding'],
      tags: ['region:eu'],
      rpm: 60,
      maxConcurrent: 2,
      budgets: [{ usd: 5, period: 'day' }],
      metadata: { plan: 'pro' },
    });
    checkEqual(t.enabled, true, 'enabled by default');
    checkEqual(t.allowedModels, ['coding'], 'allowedModels');
    checkEqual(t.budgets, [{ usd: 5, period: 'day' }], 'budgets');
    check(t.tpm === undefined && !('tpm' in t), 'an absent limit is absent, not null');
    checkEqual(await tenants.getTenant('Acme'), t, 'by name');
    checkEqual(await tenants.getTenant('acme'), t, 'by id');
    checkEqual(await tenants.listTenants(), [t], 'list');
  }),
  tenantCase('tenant names are unique (CONFLICT); unknown ids are NOT_FOUND', async (tenants) => {
    await tenants.createTenant({ name: 'Acme' });
    const e = await checkRejects(tenants.createTenant({ name: 'Acme' }), 'CONFLICT', 'same name');
    checkEqual(e.details.entity, 'tenant', 'entity');
    await checkRejects(tenants.getTenant('nope'), 'NOT_FOUND', 'get');
    await checkRejects(tenants.updateTenant('nope', { rpm: 1 }), 'NOT_FOUND', 'update');
    await checkRejects(tenants.deleteTenant('nope'), 'NOT_FOUND', 'delete');
    await checkRejects(tenants.listVirtualKeys('nope'), 'NOT_FOUND', 'list keys');
    await checkRejects(tenants.createVirtualKey(storedKey('nope')), 'NOT_FOUND', 'key of unknown tenant');
  }),
  tenantCase('updateTenant writes given fields, clears null ones, keeps the rest', async (tenants) => {
    const t = await tenants.createTenant({ name: 'Acme', rpm: 10, tpm: 1000, tags: ['a'] });
    const u = await tenants.updateTenant(t.id, { rpm: 20, tpm: null, enabled: false });
    checkEqual([u.rpm, u.tpm, u.tags, u.enabled], [20, undefined, ['a'], false], 'patched');
    check(!('tpm' in u), 'cleared field is absent');
    const other = await tenants.createTenant({ name: 'Other' });
    await checkRejects(
      tenants.updateTenant(other.id, { name: 'Acme' }),
      'CONFLICT',
      'rename onto a taken name',
    );
  }),
  tenantCase(
    'virtual keys: stored without their hash, found by hash with their tenant, unique',
    async (tenants) => {
      const t = await tenants.createTenant({ name: 'Acme' });
      const k = await tenants.createVirtualKey(
        storedKey(t.id, { name: 'ci', allowedModels: ['m'], expiresAt: '2030-01-01T00:00:00.000Z' }),
      );
      check(!('hash' in k), 'reads never show the hash');
      checkEqual(
        [k.name, k.preview, k.allowedModels, k.expiresAt],
        ['ci', 'mr-abcde…wxyz', ['m'], '2030-01-01T00:00:00.000Z'],
        'fields',
      );
      checkEqual(await tenants.listVirtualKeys(t.id), [k], 'list');
      const found = await tenants.findVirtualKey('h1');
      checkEqual(found?.key, k, 'found key');
      checkEqual(found?.tenant.id, t.id, 'found tenant');
      checkEqual(await tenants.findVirtualKey('h2'), undefined, 'unknown hash');
      await checkRejects(
        tenants.createVirtualKey(storedKey(t.id, { id: 'other-id' })),
        'CONFLICT',
        'a second key with the same hash',
      );
    },
  ),
  tenantCase("updateVirtualKey revokes and patches; another tenant's key is NOT_FOUND", async (tenants) => {
    const t = await tenants.createTenant({ name: 'Acme' });
    const o = await tenants.createTenant({ name: 'Other' });
    const k = await tenants.createVirtualKey(storedKey(t.id));
    const r = await tenants.updateVirtualKey(t.id, k.id, {
      revokedAt: '2026-02-01T00:00:00.000Z',
      name: 'old',
    });
    checkEqual([r.revokedAt, r.name], ['2026-02-01T00:00:00.000Z', 'old'], 'revoked');
    checkEqual(
      (await tenants.findVirtualKey('h1'))?.key.revokedAt,
      r.revokedAt,
      'lookup sees the revocation',
    );
    await checkRejects(tenants.updateVirtualKey(o.id, k.id, { name: 'x' }), 'NOT_FOUND', 'wrong tenant');
  }),
  tenantCase('deleteTenant deletes its keys', async (tenants) => {
    const t = await tenants.createTenant({ name: 'Acme' });
    await tenants.createVirtualKey(storedKey(t.id));
    await tenants.deleteTenant(t.id);
    checkEqual(await tenants.findVirtualKey('h1'), undefined, 'key gone');
    checkEqual(await tenants.listTenants(), [], 'tenant gone');
  }),
  tenantCase(
    'spend sums the ledger cost of a tenant and of a key since a moment',
    async (tenants, { storage }) => {
      const at = 1_700_000_000_000;
      await storage.recordUsage([
        usageRecord({ requestId: 'r1', costUsd: 0.5, tenantId: 't1', virtualKeyId: 'k1', startedAt: at }),
        usageRecord({
          requestId: 'r2',
          costUsd: 0.25,
          tenantId: 't1',
          virtualKeyId: 'k2',
          startedAt: at + 1000,
        }),
        usageRecord({
          requestId: 'r3',
          costUsd: 2,
          tenantId: 't2',
          virtualKeyId: 'k3',
          startedAt: at + 1000,
        }),
        usageRecord({ requestId: 'r4', costUsd: 4, startedAt: at + 1000 }),
      ]);
      checkEqual(await tenants.spend({ tenantId: 't1' }, at), 0.75, 'tenant since start');
      checkEqual(await tenants.spend({ tenantId: 't1' }, at + 1), 0.25, 'tenant later');
      checkEqual(await tenants.spend({ virtualKeyId: 'k1' }, at), 0.5, 'key');
      checkEqual(await tenants.spend({ tenantId: 'nobody' }, 0), 0, 'nobody');
    },
  ),
];
