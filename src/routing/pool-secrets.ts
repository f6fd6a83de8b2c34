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
export function resolvePoolSecrets(
  rt: Runtime,
  keys: readonly PoolKey[],
): PoolSecrets | Promise<PoolSecrets> {
  const out = {
    apiKeys: new Map<string, string>(),
    unavailable: [] as Array<{ keyId: string; message: string }>,
  };
  // Synchronous when every secret is (a plain string, an env variable): no promise per key.
  let waiting: Array<Promise<void>> | undefined;
  for (const key of keys) {
    let secret: string | Promise<string>;
    try {
      secret = rt.options.resolveSecret(key.entry);
    } catch (error) {
      fail(rt, key, error, out);
      continue;
    }
    if (typeof secret === 'string') {
      resolved(rt, key, secret, out);
      continue;
    }
    waiting ??= [];
    waiting.push(
      Promise.resolve(secret).then(
        (value) => resolved(rt, key, value, out),
        (error: unknown) => fail(rt, key, error, out),
      ),
    );
  }
  return waiting ? Promise.all(waiting).then(() => out) : out;
}

interface Resolving {
  apiKeys: Map<string, string>;
  unavailable: Array<{ keyId: string; message: string }>;
}

function resolved(rt: Runtime, key: PoolKey, value: unknown, out: Resolving): void {
  if (typeof value !== 'string' || value === '') {
    fail(rt, key, new Error('the resolved secret is empty'), out);
    return;
  }
  out.apiKeys.set(key.keyId, value);
  // The kind's name is only built while some notice is up.
  const reporter = rt.emitter.reporter;
  if (reporter?.noticing) reporter.resolved(noticeKind(key));
}

function fail(rt: Runtime, key: PoolKey, error: unknown, out: Resolving): void {
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 300);
  out.unavailable.push({ keyId: key.keyId, message });
  rt.emitter.reporter?.notice(
    noticeKind(key),
    { providerId: key.providerId, keyId: key.keyId, reason: 'secret_unavailable', message },
    `the secret of key "${key.keyId}" (provider "${key.providerId}") cannot be resolved; the key is skipped until it can`,
  );
}

function noticeKind(key: PoolKey): string {
  return `secret_unavailable:${key.providerId}/${key.keyId}`;
}
