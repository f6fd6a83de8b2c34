import type { Sql, TransactionSql } from 'postgres';
import { RouterError } from '../../errors/router-error.js';
import { invalid } from '../../errors/validation.js';
import { type MigrationFile, loadMigrations } from './migration-files.js';
import { DEFAULT_SCHEMA, checkSchemaName, quoteIdent } from './schema-name.js';

export interface MigrateOptions {
  /** Schema holding the tables (created when missing). @default 'model_router' */
  schema?: string;
  /** Folder of `NNNN_name.sql` files; needed only when a bundler moved the package's own. @default the package's `migrations/` */
  migrationsDir?: string;
}

export interface MigrateResult {
  schema: string;
  /** Migrations this call applied, in order (empty when the schema was up to date). */
  applied: string[];
}

/** The ledger lives beside the tables it describes, so that each schema migrates on its own. */
const LEDGER = 'model_router_migrations';

/**
 * Apply the shipped migrations that `schema` lacks, in order, each in its own transaction.
 *
 * Safe when several instances start at once: every step takes a transaction-level advisory lock
 * keyed by the schema, and re-reads the ledger under it, so a migration is applied exactly once.
 * Refuses (`STORAGE_ERROR`, nothing applied) a ledger naming a migration this version does not ship
 * (a newer version migrated the schema) or a shipped file whose checksum differs from the applied one.
 */
export async function migrate(sql: Sql, options: MigrateOptions = {}): Promise<MigrateResult> {
  if (typeof (sql as unknown) !== 'function') throw invalid('sql', 'must be a postgres.js client');
  const schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA, 'schema');
  const files = loadMigrations(options.migrationsDir);
  const s = quoteIdent(schema);
  const applied: string[] = [];

  const locked = async <T>(fn: (tx: TransactionSql) => Promise<T>): Promise<T> =>
    sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('model-router:migrate'), hashtext(${schema}))`;
      return fn(tx);
    }) as Promise<T>;

  const readLedger = async (tx: TransactionSql) => {
    const rows = await tx.unsafe<{ name: string; checksum: string }[]>(
      `select name, checksum from ${s}.${LEDGER}`,
      [],
    );
    verifyLedger(schema, rows, files);
    return new Set(rows.map((r) => r.name));
  };

  await locked(async (tx) => {
    // `if not exists` alone races between instances; the lock above is what makes it safe.
    await tx.unsafe(`create schema if not exists ${s}`);
    await tx.unsafe(
      `create table if not exists ${s}.${LEDGER} (
        name text primary key,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`,
    );
    await readLedger(tx);
  });

  for (const file of files) {
    await locked(async (tx) => {
      if ((await readLedger(tx)).has(file.name)) return;
      await tx.unsafe(`set local search_path to ${s}`);
      try {
        await tx.unsafe(file.sql);
      } catch (cause) {
        throw new RouterError('STORAGE_ERROR', `Migration ${file.name} failed in schema ${s}`, {
          cause,
          details: { schema, migration: file.name },
        });
      }
      await tx.unsafe(`insert into ${s}.${LEDGER} (name, checksum) values ($1, $2)`, [
        file.name,
        file.checksum,
      ]);
      applied.push(file.name);
    });
  }
  return { schema, applied };
}

function verifyLedger(
  schema: string,
  rows: { name: string; checksum: string }[],
  files: MigrationFile[],
): void {
  const shipped = new Map(files.map((f) => [f.name, f]));
  for (const row of rows) {
    const file = shipped.get(row.name);
    if (!file) {
      throw new RouterError(
        'STORAGE_ERROR',
        `Schema "${schema}" was migrated with ${row.name}, which this version of model-router does not ship; upgrade model-router`,
        { details: { schema, migration: row.name, reason: 'unknown_migration' } },
      );
    }
    if (file.checksum !== row.checksum) {
      throw new RouterError(
        'STORAGE_ERROR',
        `Migration ${row.name} differs from the one applied to schema "${schema}" (checksum mismatch); migrations must never be edited`,
        { details: { schema, migration: row.name, reason: 'checksum_mismatch' } },
      );
    }
  }
}
