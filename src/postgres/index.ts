/**
 * `model-router/postgres`: the catalog and usage ledger in PostgreSQL. Needs the `postgres` package
 * (a peer dependency), imported only when `postgresStorage({ url })` creates a client; a missing
 * package is a `RouterError` of code `MISSING_DEPENDENCY`.
 */
export { migrate } from '../storage/postgres/migrate.js';
export type { MigrateOptions, MigrateResult } from '../storage/postgres/migrate.js';
export { postgresStorage } from '../storage/postgres/postgres-storage.js';
export type {
  PostgresConnection,
  PostgresStorage,
  PostgresStorageOptions,
} from '../storage/postgres/postgres-storage.js';
export type { EncryptionKey } from '../storage/postgres/secret-box.js';
