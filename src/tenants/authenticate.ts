import { RouterError } from '../errors/router-error.js';
import type { TenantStore } from '../storage/tenant-store.js';
import { hashKey, looksLikeKey } from './key-secret.js';
import type { TenantPrincipal } from './types.js';

const unauthenticated = (message: string) => new RouterError('UNAUTHENTICATED', message);

/**
 * The tenant and key behind a presented virtual key. An unknown, malformed, revoked or expired key is
 * `UNAUTHENTICATED` (401); a disabled tenant is `FORBIDDEN` (403). The key itself never appears in a
 * message. Revoked and expired are told apart only for the holder of the real key.
 */
export async function authenticateKey(
  store: TenantStore,
  presented: unknown,
  pepper: Uint8Array,
  now: number,
): Promise<TenantPrincipal> {
  if (typeof presented !== 'string' || !looksLikeKey(presented)) throw unauthenticated('Invalid API key');
  const found = await store.findVirtualKey(hashKey(presented, pepper));
  if (!found) throw unauthenticated('Invalid API key');
  const { tenant, key } = found;
  if (key.revokedAt !== undefined) throw unauthenticated('This API key has been revoked');
  if (key.expiresAt !== undefined && Date.parse(key.expiresAt) <= now)
    throw unauthenticated('This API key has expired');
  if (!tenant.enabled) {
    throw new RouterError('FORBIDDEN', 'The tenant of this API key is disabled', {
      details: { action: 'tenant.disabled' },
    });
  }
  return Object.freeze({ tenant: Object.freeze(tenant), key: Object.freeze(key) });
}
