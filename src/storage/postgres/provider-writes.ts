import type { TransactionSql } from 'postgres';
import type { KeyInput, ProviderInput } from '../../catalog/inputs.js';
import type { Provider, ProviderKey } from '../../catalog/types.js';
import { newKey, newProvider } from '../../catalog/entities.js';
import type { KeyPatch, ProviderPatch, RouterStorage } from '../storage.js';
import { notFound } from '../storage-errors.js';
import { type PgContext, insertRows, updateRow } from './context.js';
import { transaction } from './pg-errors.js';
import { COLUMNS, patchColumns, toKey, toProvider } from './rows.js';

const KEY_COLUMNS = ['provider_id', 'id', 'secret', 'rpm', 'tpm', 'max_concurrent', 'enabled'] as const;

type ProviderWrites = Pick<
  RouterStorage,
  'createProvider' | 'updateProvider' | 'deleteProvider' | 'addKey' | 'updateKey' | 'removeKey'
>;

/** Providers and their keys. Key writes lock the provider row first: one lock order, no deadlocks. */
export function providerWrites(ctx: PgContext): ProviderWrites {
  const { t, box } = ctx;

  const keyRow = (k: ProviderKey) => [
    k.providerId,
    k.id,
    box.seal(k.secret, k.providerId, k.id),
    k.rpm ?? null,
    k.tpm ?? null,
    k.maxConcurrent ?? null,
    k.enabled,
  ];

  const keysOf = async (tx: TransactionSql, providerId: string) =>
    (
      await tx.unsafe(`select * from ${t('provider_keys')} where provider_id = $1 order by seq`, [providerId])
    ).map((r) => toKey(r, box));

  /** Touches the provider (updatedAt, and a row lock for the rest of the transaction) or NOT_FOUND. */
  const touchProvider = async (tx: TransactionSql, providerId: string) => {
    const [row] = await tx.unsafe(
      `update ${t('providers')} set updated_at = now() where id = $1 returning id`,
      [providerId],
    );
    if (!row) throw notFound('provider', providerId);
  };

  return {
    async createProvider(input: ProviderInput): Promise<Provider> {
      const p = newProvider(input, '');
      const keys = p.keys.map(keyRow); // seal before the transaction: a refused secret writes nothing
      return transaction(await ctx.client(), 'create a provider', async (tx) => {
        const [row] = await tx.unsafe(
          `insert into ${t('providers')} (id, name, adapter, base_url, enabled) values ($1, $2, $3, $4, $5) returning *`,
          [p.id, p.name ?? null, p.adapter, p.baseUrl ?? null, p.enabled],
        );
        const keyRows = await insertRows(tx, t('provider_keys'), KEY_COLUMNS, keys);
        return toProvider(
          row!,
          keyRows.map((r) => toKey(r, box)),
        );
      });
    },

    async updateProvider(id: string, patch: ProviderPatch): Promise<Provider> {
      return transaction(await ctx.client(), 'update a provider', async (tx) => {
        const row = await updateRow(tx, t('providers'), patchColumns(patch, COLUMNS.provider), { id });
        if (!row) throw notFound('provider', id);
        return toProvider(row, await keysOf(tx, id));
      });
    },

    async deleteProvider(id: string): Promise<void> {
      await transaction(await ctx.client(), 'delete a provider', async (tx) => {
        // The groups losing members change too; the foreign keys cascade to keys, models and members.
        await tx.unsafe(
          `update ${t('model_groups')} set updated_at = now()
           where id in (select group_id from ${t('model_group_members')} where provider_id = $1)`,
          [id],
        );
        const [row] = await tx.unsafe(`delete from ${t('providers')} where id = $1 returning id`, [id]);
        if (!row) throw notFound('provider', id);
      });
    },

    async addKey(providerId: string, input: KeyInput): Promise<ProviderKey> {
      const k = newKey(providerId, input, '');
      const values = keyRow(k);
      return transaction(
        await ctx.client(),
        'add a key',
        async (tx) => {
          await touchProvider(tx, providerId);
          const [row] = await insertRows(tx, t('provider_keys'), KEY_COLUMNS, [values]);
          return toKey(row!, box);
        },
        providerId,
      );
    },

    async updateKey(providerId: string, keyId: string, patch: KeyPatch): Promise<ProviderKey> {
      const set = patchColumns(patch, COLUMNS.key);
      if (typeof patch.secret === 'string') set.secret = box.seal(patch.secret, providerId, keyId);
      return transaction(await ctx.client(), 'update a key', async (tx) => {
        await touchProvider(tx, providerId);
        const row = await updateRow(tx, t('provider_keys'), set, { provider_id: providerId, id: keyId });
        if (!row) throw notFound('key', keyId);
        return toKey(row, box);
      });
    },

    async removeKey(providerId: string, keyId: string): Promise<void> {
      await transaction(await ctx.client(), 'remove a key', async (tx) => {
        await touchProvider(tx, providerId);
        const [row] = await tx.unsafe(
          `delete from ${t('provider_keys')} where provider_id = $1 and id = $2 returning id`,
          [providerId, keyId],
        );
        if (!row) throw notFound('key', keyId);
      });
    },
  };
}
