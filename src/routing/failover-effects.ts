import type { ProviderError } from '../errors/provider-error.js';
import type { RequestContext } from './attempt-context.js';
import type { Runtime } from './runtime.js';

/**
 * After a 429 or an auth failure, take the key out of rotation: a cooldown (`Retry-After` clamped to
 * `cooldown.minMs..maxMs`, extend-only) or a quarantine; the `cooldown` event says until when.
 * Returns that moment, or `undefined` when the store failed (reported, never thrown).
 */
export async function coolKey(
  rt: Runtime,
  from: { providerId: string; keyId: string },
  error: ProviderError,
): Promise<number | undefined> {
  const { cooldown } = rt.options;
  // A cooldown is the key's, whatever model it served: the event names the key only.
  const key = { providerId: from.providerId, keyId: from.keyId };
  try {
    if (error.kind === 'auth') {
      await rt.quota.quarantine(key, cooldown.quarantineMs);
      const until = rt.options.clock.now() + cooldown.quarantineMs;
      if (rt.emitter.has('cooldown')) rt.emitter.emit('cooldown', { ...key, until, reason: 'auth' });
      return until;
    }
    const ms = Math.min(cooldown.maxMs, Math.max(cooldown.minMs, error.retryAfterMs ?? cooldown.defaultMs));
    const until = await rt.quota.cooldown(key, ms);
    if (rt.emitter.has('cooldown')) rt.emitter.emit('cooldown', { ...key, until, reason: 'rate_limited' });
    return until;
  } catch (storeError) {
    rt.emitter.emit('error', { source: 'quota', error: storeError });
    return undefined;
  }
}

/** Tell `failover` listeners (if any) that an attempt failed and the loop moves on. */
export function emitFailover(
  rt: Runtime,
  rc: RequestContext<object>,
  attempt: number,
  from: { providerId: string; modelId: string; keyId: string },
  action: 'next_key' | 'next_candidate' | 'context_fallback',
  error: ProviderError,
): void {
  if (!rt.emitter.has('failover')) return;
  rt.emitter.emit('failover', {
    requestId: rc.requestId,
    attempt,
    from,
    action,
    error: {
      code: error.code,
      kind: error.kind,
      ...(error.status === undefined ? {} : { status: error.status }),
      message: error.message,
    },
  });
}
