import { RouterError } from '../errors/router-error.js';

/*
 * The errors every storage gives for the same situations, so that the contract suite (and users)
 * can match on `code` and `details` whatever the backend.
 */

export type CatalogEntity = 'provider' | 'key' | 'model' | 'group' | 'member' | 'tenant' | 'virtual_key';

export function notFound(entity: CatalogEntity, id: string): RouterError {
  return new RouterError('NOT_FOUND', `Unknown ${entity} "${id}"`, { details: { entity, id } });
}

export function conflict(
  entity: CatalogEntity,
  message: string,
  details: Record<string, unknown> = {},
): RouterError {
  return new RouterError('CONFLICT', message, { details: { entity, ...details } });
}

/** Wrap a backend failure; the cause is kept (non-enumerable on `postgres` errors: no query text in logs). */
export function storageError(message: string, cause: unknown): RouterError {
  return new RouterError('STORAGE_ERROR', message, { cause });
}
