import type { Sql, TransactionSql } from 'postgres';
import { RouterError } from '../../errors/router-error.js';
import { invalid } from '../../errors/validation.js';
import { conflict, notFound, storageError } from '../storage-errors.js';

/*
 * Postgres failures → the errors every storage gives. Constraint names come from migrations/0001;
 * the database enforces each rule atomically, so concurrent writers get CONFLICT, never a duplicate.
 */

interface PgError {
  code?: string;
  constraint_name?: string;
}

const pg = (error: unknown): PgError =>
  typeof error === 'object' && error !== null ? (error as PgError) : {};

/** Unique violations, by constraint. */
const UNIQUE: Record<string, () => RouterError> = {
  providers_pkey: () => conflict('provider', 'Provider id is taken'),
  provider_keys_pkey: () => conflict('key', 'Key id is taken for this provider'),
  models_pkey: () => conflict('model', 'Model id is taken'),
  models_provider_model_key: () => conflict('model', 'The provider already has a model with this modelId'),
  model_groups_pkey: () => conflict('group', 'Group id is taken'),
  model_groups_name_key: () => conflict('group', 'Group name is taken'),
  model_group_members_pkey: () => conflict('member', 'Member id is taken'),
  model_group_members_group_provider_model_key: () =>
    conflict('member', 'The group already has a member for this provider and model'),
  tenants_pkey: () => conflict('tenant', 'Tenant id is taken'),
  tenants_name_key: () => conflict('tenant', 'Tenant name is taken'),
  virtual_keys_pkey: () => conflict('virtual_key', 'Key id is taken'),
  virtual_keys_key_hash_key: () => conflict('virtual_key', 'Key is taken'),
};

/** Foreign-key violations, by constraint: a reference in the input names something missing. */
const FOREIGN: Record<string, (id: string) => RouterError> = {
  provider_keys_provider_id_fkey: (id) => notFound('provider', id),
  models_provider_id_fkey: () => invalid('providerId', 'unknown provider'),
  model_group_members_group_id_fkey: (id) => notFound('group', id),
  model_group_members_provider_id_fkey: () => invalid('modelId', 'unknown model'),
  model_group_members_model_fkey: () => invalid('modelId', 'unknown model'),
  virtual_keys_tenant_id_fkey: (id) => notFound('tenant', id),
};

/**
 * Map an error thrown by a write. `RouterError`s pass through; `parentId` names the path argument
 * for NOT_FOUND. Anything unknown is `STORAGE_ERROR` with the cause kept (postgres.js keeps query
 * text and parameters non-enumerable, so secrets in parameters do not reach logs).
 */
export function mapError(error: unknown, what: string, parentId = ''): RouterError {
  if (RouterError.isInstance(error)) return error;
  const { code, constraint_name: constraint = '' } = pg(error);
  const unique = code === '23505' ? UNIQUE[constraint] : undefined;
  if (unique) return withCause(unique(), error);
  const foreign = code === '23503' ? FOREIGN[constraint] : undefined;
  if (foreign) return withCause(foreign(parentId), error);
  return storageError(`Postgres storage failed to ${what}`, error);
}

function withCause(error: RouterError, cause: unknown): RouterError {
  Object.defineProperty(error, 'cause', {
    value: cause,
    enumerable: false,
    configurable: true,
    writable: true,
  });
  return error;
}

/** Deadlock and serialization failures are safe to retry: the transaction had no effect. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_TRIES = 3;

/** Run `fn` in a transaction, retrying a deadlock; map the final failure. */
export async function transaction<T>(
  sql: Sql,
  what: string,
  fn: (tx: TransactionSql) => Promise<T>,
  parentId?: string,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await sql.begin(fn)) as T;
    } catch (error) {
      if (attempt < MAX_TRIES && RETRYABLE.has(pg(error).code ?? '')) continue;
      throw mapError(error, what, parentId);
    }
  }
}
