import type { TenantInput, TenantPatch, VirtualKeyPatch } from '../../tenants/inputs.js';
import { newTenant } from '../../tenants/entities.js';
import type { StoredVirtualKey, Tenant, VirtualKey } from '../../tenants/types.js';
import { notFound, storageError } from '../storage-errors.js';
import type { TenantStore } from '../tenant-store.js';
import type { TransactionSql } from 'postgres';
import type { PgContext } from './context.js';
import { mapError, transaction } from './pg-errors.js';

type Row = Record<string, unknown>;

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());
const num = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));

function toTenant(r: Row): Tenant {
  const t: Record<string, unknown> = {
    id: r.id,
    name: r.name,
    allowedModels: r.allowed_models ?? undefined,
    tags: r.tags ?? undefined,
    rpm: num(r.rpm),
    tpm: num(r.tpm),
    maxConcurrent: num(r.max_concurrent),
    budgets: r.budgets ?? undefined,
    enabled: r.enabled,
    metadata: r.metadata ?? undefined,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
  for (const k of Object.keys(t)) if (t[k] === undefined) delete t[k];
  return t as unknown as Tenant;
}

function toKey(r: Row): VirtualKey {
  const k: Record<string, unknown> = {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name ?? undefined,
    preview: r.preview,
    allowedModels: r.allowed_models ?? undefined,
    budgets: r.budgets ?? undefined,
    expiresAt: r.expires_at === null ? undefined : iso(r.expires_at),
    revokedAt: r.revoked_at === null ? undefined : iso(r.revoked_at),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
  for (const f of Object.keys(k)) if (k[f] === undefined) delete k[f];
  return k as unknown as VirtualKey;
}

/** JSON columns travel as text (postgres.js sends strings untyped; Postgres casts them to jsonb). */
const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

const TENANT_COLUMNS: Record<string, string> = {
  name: 'name',
  allowedModels: 'allowed_models',
  tags: 'tags',
  rpm: 'rpm',
  tpm: 'tpm',
  maxConcurrent: 'max_concurrent',
  budgets: 'budgets',
  enabled: 'enabled',
  metadata: 'metadata',
};
const KEY_COLUMNS: Record<string, string> = {
  name: 'name',
  allowedModels: 'allowed_models',
  budgets: 'budgets',
  expiresAt: 'expires_at',
  revokedAt: 'revoked_at',
};
const JSON_COLUMNS = new Set(['allowed_models', 'tags', 'budgets', 'metadata']);

function columns(patch: object, map: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) {
    const column = map[field];
    if (column === undefined || value === undefined) continue;
    out[column] = JSON_COLUMNS.has(column) ? json(value) : value;
  }
  return out;
}

/** Tenants and virtual keys in Postgres (migration 0005); spend summed from `usage_records`. */
export function tenantStore(ctx: PgContext): TenantStore {
  const { t } = ctx;
  const read = async <T>(what: string, fn: (sql: Awaited<ReturnType<PgContext['client']>>) => Promise<T>) => {
    const sql = await ctx.client();
    try {
      return await fn(sql);
    } catch (error) {
      throw mapError(error, what);
    }
  };

  return {
    listTenants: () =>
      read('list tenants', async (sql) =>
        (await sql.unsafe(`select * from ${t('tenants')} order by seq`)).map(toTenant),
      ),
    getTenant: (idOrName) =>
      read('read a tenant', async (sql) => {
        const [row] = await sql.unsafe(
          `select * from ${t('tenants')} where id = $1 or name = $1 order by (id = $1) desc limit 1`,
          [idOrName],
        );
        if (!row) throw notFound('tenant', idOrName);
        return toTenant(row);
      }),
    async createTenant(input: TenantInput) {
      const n = newTenant(input, '');
      return transaction(await ctx.client(), 'create a tenant', async (tx) => {
        const [row] = await tx.unsafe(
          `insert into ${t('tenants')} (id, name, allowed_models, tags, rpm, tpm, max_concurrent, budgets, enabled, metadata)
           values ($1, $2, $3::text::jsonb, $4::text::jsonb, $5, $6, $7, $8::text::jsonb, $9, $10::text::jsonb) returning *`,
          [
            n.id,
            n.name,
            json(n.allowedModels),
            json(n.tags),
            n.rpm ?? null,
            n.tpm ?? null,
            n.maxConcurrent ?? null,
            json(n.budgets),
            n.enabled,
            json(n.metadata),
          ] as never[],
        );
        return toTenant(row!);
      });
    },
    async updateTenant(id, patch: TenantPatch) {
      return transaction(await ctx.client(), 'update a tenant', async (tx) => {
        const set = columns(patch, TENANT_COLUMNS);
        const row = await update(tx, t('tenants'), set, { id });
        if (!row) throw notFound('tenant', id);
        return toTenant(row);
      });
    },
    async deleteTenant(id) {
      await transaction(await ctx.client(), 'delete a tenant', async (tx) => {
        const rows = await tx.unsafe(`delete from ${t('tenants')} where id = $1 returning id`, [id]);
        if (rows.length === 0) throw notFound('tenant', id);
      });
    },
    async createVirtualKey(key: StoredVirtualKey) {
      return transaction(
        await ctx.client(),
        'create a virtual key',
        async (tx) => {
          const [row] = await tx.unsafe(
            `insert into ${t('virtual_keys')} (id, tenant_id, name, preview, key_hash, allowed_models, budgets, expires_at)
             values ($1, $2, $3, $4, $5, $6::text::jsonb, $7::text::jsonb, $8) returning *`,
            [
              key.id,
              key.tenantId,
              key.name ?? null,
              key.preview,
              key.hash,
              json(key.allowedModels),
              json(key.budgets),
              key.expiresAt ?? null,
            ] as never[],
          );
          return toKey(row!);
        },
        key.tenantId,
      );
    },
    listVirtualKeys: (tenantId) =>
      read('list virtual keys', async (sql) => {
        const [exists] = await sql.unsafe(`select 1 from ${t('tenants')} where id = $1`, [tenantId]);
        if (!exists) throw notFound('tenant', tenantId);
        return (
          await sql.unsafe(`select * from ${t('virtual_keys')} where tenant_id = $1 order by seq`, [tenantId])
        ).map(toKey);
      }),
    async updateVirtualKey(tenantId, keyId, patch: VirtualKeyPatch) {
      return transaction(await ctx.client(), 'update a virtual key', async (tx) => {
        const set = columns(patch, KEY_COLUMNS);
        const row = await update(tx, t('virtual_keys'), set, { id: keyId, tenant_id: tenantId });
        if (!row) throw notFound('virtual_key', keyId);
        return toKey(row);
      });
    },
    findVirtualKey: (hash) =>
      read('look up a virtual key', async (sql) => {
        const [row] = await sql.unsafe(
          `select row_to_json(k) as key, row_to_json(tn) as tenant
           from ${t('virtual_keys')} k join ${t('tenants')} tn on tn.id = k.tenant_id
           where k.key_hash = $1`,
          [hash],
        );
        return row ? { tenant: toTenant(row.tenant), key: toKey(row.key) } : undefined;
      }),
    async spend(scope, sinceMs) {
      const sql = await ctx.client();
      const column = 'tenantId' in scope ? 'tenant_id' : 'virtual_key_id';
      const id = 'tenantId' in scope ? scope.tenantId : scope.virtualKeyId;
      try {
        const [row] = await sql.unsafe(
          `select coalesce(sum(cost_usd), 0)::float8 as usd from ${t('usage_records')}
           where ${column} = $1 and started_at >= 'epoch'::timestamptz + $2::bigint * interval '1 millisecond'`,
          [id, Math.floor(sinceMs)] as never[],
        );
        return Number(row?.usd ?? 0);
      } catch (error) {
        throw storageError('Postgres storage failed to read spend', error);
      }
    },
  };
}

/** `update … returning *` of the given columns; JSON columns travel as text and are cast (`::text::jsonb`). */
async function update(
  tx: TransactionSql,
  table: string,
  set: Record<string, unknown>,
  where: Record<string, unknown>,
): Promise<Row | undefined> {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const assign = Object.entries(set).map(
    ([c, v]) => `${c} = ${p(v)}${JSON_COLUMNS.has(c) ? '::text::jsonb' : ''}`,
  );
  const match = Object.entries(where).map(([c, v]) => `${c} = ${p(v)}`);
  const [row] = await tx.unsafe(
    `update ${table} set ${[...assign, 'updated_at = now()'].join(', ')} where ${match.join(' and ')} returning *`,
    params as never[],
  );
  return row;
}
