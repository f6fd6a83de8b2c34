import type { Options, Sql } from 'postgres';
import { z } from 'zod';
import { RouterError } from '../../errors/router-error.js';
import { invalid, parseOrThrow } from '../../errors/validation.js';
import type { UsageRecord } from '../../types/usage-record.js';
import type { CatalogChange, RouterStorage, UsageBatching } from '../storage.js';
import { storageError } from '../storage-errors.js';
import type { PgContext, TableName } from './context.js';
import { groupWrites } from './group-writes.js';
import { loadPostgres } from './load-postgres.js';
import { migrate } from './migrate.js';
import { modelWrites } from './model-writes.js';
import { providerWrites } from './provider-writes.js';
import { tenantStore } from './tenant-store.js';
import { type CatalogRows, toCatalog } from './rows.js';
import { DEFAULT_SCHEMA, channelFor, checkSchemaName, quoteIdent } from './schema-name.js';
import { type EncryptionKey, parseEncryptionKey, secretBox } from './secret-box.js';
import { insertUsage } from './usage-insert.js';

/** Borrow a postgres.js client (never closed by the storage) or let the storage create and own one. */
export type PostgresConnection =
  | { sql: Sql }
  | {
      url: string;
      /** Passed to `postgres(url, options)`. @default { max: 10, fetch_types: false, connection: { application_name: 'model-router' } } */
      options?: Options<Record<string, never>>;
    };

export interface PostgresStorageOptions {
  /** Schema holding the tables; any name (it is quoted), at most 50 bytes. @default 'model_router' */
  schema?: string;
  /**
   * Encrypts key secrets at rest with AES-256-GCM: 32 bytes as a `Uint8Array`/`Buffer`, 64 hex
   * characters, or base64. `env:NAME` references are stored as they are.
   * @default undefined — only `env:NAME` references are accepted (see `allowPlaintextSecrets`)
   */
  encryptionKey?: EncryptionKey;
  /** Store secrets in plaintext when no `encryptionKey` is set. For development only. @default false */
  allowPlaintextSecrets?: boolean;
  /** Run `migrate()` in `init()`. Turn off when migrations run as a deploy step. @default true */
  migrate?: boolean;
  /** How the router batches usage records for this storage (exposed as `usageBatching`). @default the router's defaults */
  usage?: UsageBatching;
}

/** The Postgres storage; `schema` is exposed for reports and tests. */
export interface PostgresStorage extends RouterStorage {
  readonly schema: string;
  /** Runs `migrate()` (unless `migrate: false`) and creates the client when it owns one. */
  init(): Promise<void>;
  /** LISTEN on `model_router.<schema>`; a reconnect is reported as a change too. */
  subscribe(onChange: (change: CatalogChange) => void): Promise<() => Promise<void>>;
  /** Stops its subscriptions; ends the client only when it created it. Later calls give `CLOSED`. */
  close(): Promise<void>;
}

const positiveInt = z.number().int().positive();
const optionsSchema = z.strictObject({
  schema: z.string().optional(),
  encryptionKey: z.unknown().optional(),
  allowPlaintextSecrets: z.boolean().optional(),
  migrate: z.boolean().optional(),
  usage: z
    .strictObject({
      maxBatch: positiveInt.optional(),
      flushMs: positiveInt.optional(),
      maxBuffered: positiveInt.optional(),
    })
    .optional(),
});

/**
 * The catalog and the usage ledger in PostgreSQL, shared by every router on the database.
 * Catalog writes run in transactions; the catalog loads in one round trip; `subscribe` hears
 * every change (LISTEN/NOTIFY on `model_router.<schema>`, sent by triggers) and reports a
 * reconnect as a change too, since notifications may have been missed meanwhile.
 */
export function postgresStorage(
  connection: PostgresConnection,
  options: PostgresStorageOptions = {},
): PostgresStorage {
  const opts = parseOrThrow(optionsSchema, options, 'postgresStorage');
  const schema = checkSchemaName(opts.schema ?? DEFAULT_SCHEMA, 'postgresStorage.schema');
  const key =
    opts.encryptionKey === undefined
      ? undefined
      : parseEncryptionKey(opts.encryptionKey, 'postgresStorage.encryptionKey');
  const box = secretBox(key, opts.allowPlaintextSecrets ?? false);
  const owned = !('sql' in connection);
  if ('sql' in connection ? typeof connection.sql !== 'function' : typeof connection?.url !== 'string') {
    throw invalid('postgresStorage.connection', 'must be { sql } (a postgres.js client) or { url }');
  }

  let client: Promise<Sql> | undefined;
  let closed = false;
  const unsubscribers = new Set<() => Promise<void>>();

  const getClient = (): Promise<Sql> => {
    if (closed) return Promise.reject(new RouterError('CLOSED', 'postgresStorage is closed'));
    client ??=
      'sql' in connection
        ? Promise.resolve(connection.sql)
        : loadPostgres().then((postgres) =>
            postgres(connection.url, {
              max: 10,
              onnotice: () => {},
              // postgres.js fetches array types on each new connection without catching its failure:
              // a connection dropped right then became an unhandled rejection (a crash under Node's
              // default mode) during outages. This storage sends no array parameters.
              fetch_types: false,
              ...connection.options,
              connection: { application_name: 'model-router', ...connection.options?.connection },
            }),
          );
    return client;
  };

  const q = quoteIdent(schema);
  const ctx: PgContext = { client: getClient, t: (table: TableName) => `${q}.${table}`, box };
  const { t } = ctx;

  return {
    schema,
    ...(opts.usage ? { usageBatching: opts.usage } : {}),

    async init() {
      const sql = await getClient();
      if (opts.migrate ?? true) await migrate(sql, { schema });
    },

    async loadCatalog() {
      const sql = await getClient();
      // One statement, so one snapshot: a concurrent write is seen entirely or not at all.
      const agg = (table: TableName) =>
        `coalesce((select json_agg(x order by x.seq) from ${t(table)} x), '[]'::json)`;
      let rows: CatalogRows;
      try {
        [rows] = (await sql.unsafe(
          `select ${agg('providers')} as providers, ${agg('provider_keys')} as keys, ${agg('models')} as models,
                  ${agg('model_groups')} as groups, ${agg('model_group_members')} as members`,
        )) as unknown as [CatalogRows];
      } catch (error) {
        const missing = (error as { code?: string }).code === '42P01'; // undefined_table
        throw storageError(
          missing
            ? `Postgres storage: schema "${schema}" is not migrated; call storage.init() or migrate(sql, { schema })`
            : 'Postgres storage failed to load the catalog',
          error,
        );
      }
      return toCatalog(rows, box);
    },

    async subscribe(onChange) {
      const sql = await getClient();
      let active = true;
      let connected = false;
      const deliver = (change: CatalogChange) => {
        if (!active) return;
        try {
          onChange(change);
        } catch {
          // The subscriber's failure is its own (the router reports through its `error` event).
        }
      };
      let listening: Awaited<ReturnType<Sql['listen']>>;
      try {
        listening = await sql.listen(
          channelFor(schema),
          () => deliver({ entity: 'catalog' }),
          () => {
            // Called on the first LISTEN and again after each reconnect: changes may have been missed.
            if (connected) deliver({ entity: 'catalog' });
            connected = true;
          },
        );
      } catch (error) {
        throw storageError('Postgres storage failed to LISTEN', error);
      }
      const unsubscribe = async () => {
        if (!active) return;
        // postgres.js re-registers listeners after a reconnect, so `active` is what really stops delivery.
        active = false;
        unsubscribers.delete(unsubscribe);
        await listening.unlisten().catch(() => {});
      };
      unsubscribers.add(unsubscribe);
      return unsubscribe;
    },

    ...providerWrites(ctx),
    ...modelWrites(ctx),
    ...groupWrites(ctx),
    tenants: tenantStore(ctx),

    async recordUsage(records: readonly UsageRecord[]) {
      if (records.length === 0) return;
      const sql = await getClient();
      try {
        await insertUsage(sql, t('usage_records'), records);
      } catch (error) {
        throw storageError(`Postgres storage failed to record ${records.length} usage records`, error);
      }
    },

    async close() {
      if (closed) return;
      await Promise.all([...unsubscribers].map((u) => u()));
      closed = true;
      // Only a client this storage created is ended; a borrowed one stays open for its owner.
      if (owned && client) await (await client.catch(() => undefined))?.end({ timeout: 5 });
    },
  };
}
