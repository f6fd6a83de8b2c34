import type { PoolKey } from '../catalog/cache.js';
import type { Runtime } from './runtime.js';

/** The API keys of one provider's pool for one request: the keys whose secret resolved, and the rest. */
export interface PoolSecrets {
  readonly apiKeys: ReadonlyMap<string, string>;
  /** Keys whose secret could not be resolved, with why (never the secret). */
  readonly unavailable: ReadonlyArray<{ keyId: string; message: string }>;
}

/**
 * Resolve the secret of every key of a pool, once per request and provider. A secret that cannot be
 * resolved (an unset `env:` variable, a vault that fails) is a configuration problem, not the
 * provider's: the key is skipped (`secret_unavailable`) — no call, no quota taken, no quarantine —
 * and re-checked on the next request, so setting the variable takes effect at once. It is reported
 * once through the logger while it lasts.
 */
export async function resolvePoolSecrets(rt: Runtime, keys: readonly PoolKey[]): Promise<PoolSecrets> {
  const apiKeys = new Map<string, string>();
  const unavailable: Array<{ keyId: string; message: string }> = [];
  await Promise.all(
    keys.map(async (key) => {
      const kind = `secret_unavailable:${key.providerId}/${key.keyId}`;
      try {
        const secret = rt.options.resolveSecret(key.entry);
        const value = typeof secret === 'string' ? secret : await secret;
        if (typeof value !== 'string' || value === '') throw new Error('the resolved secret is empty');
        apiKeys.set(key.keyId, value);
        rt.emitter.reporter?.resolved(kind);
      } catch (error) {
        const message = (error instanceof Error ? error.message : String(error)).slice(0, 300);
        unavailable.push({ keyId: key.keyId, message });
        rt.emitter.reporter?.notice(
          kind,
          { providerId: key.providerId, keyId: key.keyId, reason: 'secret_unavailable', message },
          `the secret of key "${key.keyId}" (provider "${key.providerId}") cannot be resolved; the key is skipped until it can`,
        );
      }
    }),
  );
  return { apiKeys, unavailable };
}
