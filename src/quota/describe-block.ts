import type { KeyState } from './key-state.js';
import type { BlockReason, KeyBlock, QuotaKey } from './quota-store.js';

/**
 * Why a key cannot take a request now, and when it may (only called once a key is known to be blocked,
 * so it can afford the O(buckets) window scan). The key is usable only once *every* time-based block has
 * lifted, so its `retryAfterMs` is the longest of them and its `reason` the one that binds longest;
 * a key blocked only by concurrency has no `retryAfterMs`: a release, not time, brings it back.
 */
export function describeBlock(key: QuotaKey, state: KeyState, tokenNeed: number, now: number): KeyBlock {
  let reason: BlockReason | undefined;
  let wait = 0;
  const consider = (candidate: BlockReason, ms: number): void => {
    if (ms > wait) {
      wait = ms;
      reason = candidate;
    }
  };
  consider('quarantined', state.quarantinedUntil - now);
  consider('cooling', state.coolingUntil - now);
  if (key.rpm !== undefined) consider('rpm', state.window.msUntilFits(now, 'requests', 1, key.rpm));
  if (key.tpm !== undefined) consider('tpm', state.window.msUntilFits(now, 'tokens', tokenNeed, key.tpm));
  if (reason === undefined) return { keyId: key.keyId, reason: 'concurrency' };
  // A limit that can never be met (rpm 0) blocks without a moment to retry at.
  if (wait === Number.POSITIVE_INFINITY) return { keyId: key.keyId, reason };
  return { keyId: key.keyId, reason, retryAfterMs: wait };
}
