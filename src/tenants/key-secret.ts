import { createHmac, randomBytes } from 'node:crypto';

/**
 * Virtual keys: `mr-` and 32 random bytes (base64url). They are stored as HMAC-SHA256 under a
 * server-side pepper, not through a slow KDF (scrypt, argon2): a key carries 256 bits of entropy, so
 * there is nothing for a slow hash to protect against guessing, while every request on the relay
 * verifies one and a lookup must be a single indexed equality on the hash. The pepper (kept out of
 * the database) makes a leaked table useless on its own.
 */
export const KEY_PREFIX = 'mr-';

/** A new key; shown to its owner once. */
export function newKeySecret(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Enough of a key to recognise it in a list (9 of its 46 characters), never enough to use it. */
export function keyPreview(key: string): string {
  return `${key.slice(0, 8)}…${key.slice(-4)}`;
}

/** The hash a storage keeps and looks keys up by. */
export function hashKey(key: string, pepper: Uint8Array): string {
  return createHmac('sha256', pepper).update(key, 'utf8').digest('hex');
}

/** Whether a presented credential can be one of ours, before anything is hashed or looked up. */
export function looksLikeKey(value: string): boolean {
  return value.length === 46 && value.startsWith(KEY_PREFIX) && /^[A-Za-z0-9_-]+$/.test(value.slice(3));
}
