import { invalid } from '../../errors/validation.js';

/** Prefix of the LISTEN/NOTIFY channel; the migration's trigger uses the same one. */
const CHANNEL_PREFIX = 'model_router.';
/** Postgres identifiers (and channel names) are at most 63 bytes. */
const MAX_CHANNEL_BYTES = 63;
export const MAX_SCHEMA_BYTES = MAX_CHANNEL_BYTES - CHANNEL_PREFIX.length;

/** @default 'model_router' */
export const DEFAULT_SCHEMA = 'model_router';

/**
 * Any name Postgres accepts is allowed (it is always quoted); the length is bounded so that the
 * channel `model_router.<schema>` still fits in an identifier, which `pg_notify` requires.
 */
export function checkSchemaName(schema: unknown, field = 'schema'): string {
  if (typeof schema !== 'string' || schema.length === 0) throw invalid(field, 'must be a non-empty string');
  if (schema.includes('\0')) throw invalid(field, 'must not contain NUL');
  if (Buffer.byteLength(schema) > MAX_SCHEMA_BYTES) {
    throw invalid(
      field,
      `must be at most ${MAX_SCHEMA_BYTES} bytes (the notification channel adds a prefix)`,
    );
  }
  return schema;
}

/** A double-quoted identifier; safe for any name, dots included (unlike postgres.js `sql(name)`). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function channelFor(schema: string): string {
  return CHANNEL_PREFIX + schema;
}
