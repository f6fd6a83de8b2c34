import type { ProviderKey } from '../catalog/types.js';
import { invalid } from '../errors/validation.js';
import { type Clock, systemClock } from '../util/clock.js';

/** A short-lived access token and the moment (epoch ms) it stops working. */
export interface AccessToken {
  token: string;
  expiresAt: number;
}

export interface CachedTokenOptions {
  /**
   * Fetch a new token this long before the current one expires, so no call goes out with a token
   * that dies in flight.
   * @default 300_000 (5 minutes)
   */
  refreshBeforeMs?: number;
  /** @default systemClock */
  clock?: Clock;
}

/**
 * A `resolveSecret` for providers that authenticate with short-lived OAuth tokens (Vertex AI,
 * Azure OpenAI with Entra ID): `getToken` is called once per key until the token is about to
 * expire, concurrent calls share one fetch, and a failed fetch is not cached (the next call tries
 * again). The token is the attempt's secret: it goes in the adapter's auth header and nowhere else.
 *
 * @example
 * import { GoogleAuth } from 'google-auth-library';
 * const auth = new GoogleAuth({ scopes: 'https://www.googleapis.com/auth/cloud-platform' });
 * const vertexToken = cachedToken(async () => {
 *   const client = await auth.getClient();
 *   const { token, res } = await client.getAccessToken();
 *   return { token: token!, expiresAt: res?.data.expiry_date ?? Date.now() + 3_000_000 };
 * });
 * new ModelRouter({ resolveSecret: (key) => key.providerId === 'vertex' ? vertexToken(key) : defaultResolveSecret(key), … });
 */
export function cachedToken(
  getToken: (key: Readonly<ProviderKey>) => AccessToken | Promise<AccessToken>,
  options: CachedTokenOptions = {},
): (key: Readonly<ProviderKey>) => Promise<string> {
  const refreshBeforeMs = options.refreshBeforeMs ?? 300_000;
  if (!Number.isSafeInteger(refreshBeforeMs) || refreshBeforeMs < 0) {
    throw invalid(
      'cachedToken.refreshBeforeMs',
      `expected a non-negative integer, got ${String(refreshBeforeMs)}`,
    );
  }
  const clock = options.clock ?? systemClock;
  const cache = new Map<string, AccessToken>();
  const pending = new Map<string, Promise<AccessToken>>();

  return async (key) => {
    const id = `${key.providerId}\0${key.id}`;
    const held = cache.get(id);
    if (held && clock.now() < held.expiresAt - refreshBeforeMs) return held.token;
    let fetching = pending.get(id);
    if (!fetching) {
      fetching = (async () => {
        try {
          const fresh = await getToken(key);
          if (typeof fresh?.token !== 'string' || fresh.token === '' || !Number.isFinite(fresh.expiresAt)) {
            throw invalid('cachedToken', `getToken returned no token or expiry for key "${key.id}"`);
          }
          cache.set(id, { token: fresh.token, expiresAt: fresh.expiresAt });
          return fresh;
        } finally {
          pending.delete(id);
        }
      })();
      pending.set(id, fetching);
    }
    return (await fetching).token;
  };
}
