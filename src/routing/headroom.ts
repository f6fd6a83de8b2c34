import type { KeyView, QuotaKey } from '../quota/quota-store.js';

/** Why a candidate cannot be tried now. */
export type SkipReason =
  | 'disabled'
  | 'no_adapter'
  | 'no_keys'
  | 'cooling'
  | 'quarantined'
  | 'exhausted'
  | 'circuit_open'
  | 'context_window';

/** One key's numbers, as the headroom formula reads them. */
export interface KeyUsage {
  rpm?: number;
  tpm?: number;
  requestsInWindow: number;
  tokensInWindow: number;
}

/**
 * The pool's remaining fraction (DESIGN section 5): min over the limited dimensions of
 * Σ remaining / Σ limit over usable keys. A dimension counts as limited only when every usable key
 * has a limit in it; one unlimited key makes that dimension 1. No usable key: 0.
 */
export function computeHeadroom(keys: readonly KeyUsage[]): number {
  if (keys.length === 0) return 0;
  let reqLimit = 0;
  let reqLeft = 0;
  let tokLimit = 0;
  let tokLeft = 0;
  let reqUnlimited = false;
  let tokUnlimited = false;
  for (const k of keys) {
    if (k.rpm === undefined) reqUnlimited = true;
    else {
      reqLimit += k.rpm;
      reqLeft += Math.max(0, k.rpm - k.requestsInWindow);
    }
    if (k.tpm === undefined) tokUnlimited = true;
    else {
      tokLimit += k.tpm;
      tokLeft += Math.max(0, k.tpm - k.tokensInWindow);
    }
  }
  const r = reqUnlimited ? 1 : reqLeft / reqLimit;
  const t = tokUnlimited ? 1 : tokLeft / tokLimit;
  return Math.min(r, t);
}

export interface PoolState {
  headroom: number;
  usableKeys: number;
  /** Set when the pool cannot serve now. */
  skip?: SkipReason;
  /** Ms until a cooling or exhausted pool may serve again, when known. */
  retryAfterMs?: number;
}

/**
 * Headroom and usability of one provider's key pool (enabled keys only). Runs for every candidate
 * of every request, so it sums in place instead of building a list of usable keys.
 */
export function poolState(
  keys: readonly QuotaKey[],
  view: (key: QuotaKey) => KeyView,
  now: number,
): PoolState {
  if (keys.length === 0) return { headroom: 0, usableKeys: 0, skip: 'no_keys' };
  let usable = 0;
  let cooling = 0;
  let earliest = Number.POSITIVE_INFINITY;
  let reqLimit = 0;
  let reqLeft = 0;
  let tokLimit = 0;
  let tokLeft = 0;
  let reqUnlimited = false;
  let tokUnlimited = false;
  for (const key of keys) {
    const v = view(key);
    const coolingUntil = v.coolingUntil ?? 0;
    const until = Math.max(coolingUntil, v.quarantinedUntil ?? 0);
    if (until > now) {
      if (coolingUntil > now) cooling++;
      if (until - now < earliest) earliest = until - now;
      continue;
    }
    usable++;
    if (key.rpm === undefined) reqUnlimited = true;
    else {
      reqLimit += key.rpm;
      reqLeft += Math.max(0, key.rpm - v.requestsInWindow);
    }
    if (key.tpm === undefined) tokUnlimited = true;
    else {
      tokLimit += key.tpm;
      tokLeft += Math.max(0, key.tpm - v.tokensInWindow);
    }
  }
  if (usable === 0) {
    return {
      headroom: 0,
      usableKeys: 0,
      skip: cooling > 0 ? 'cooling' : 'quarantined',
      retryAfterMs: earliest,
    };
  }
  const headroom = Math.min(reqUnlimited ? 1 : reqLeft / reqLimit, tokUnlimited ? 1 : tokLeft / tokLimit);
  if (headroom <= 0) return { headroom: 0, usableKeys: usable, skip: 'exhausted' };
  return { headroom, usableKeys: usable };
}
