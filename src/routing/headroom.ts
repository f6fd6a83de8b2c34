import type { QuotaKey, QuotaStore } from '../quota/quota-store.js';

/** Why a candidate cannot be tried now. */
export type SkipReason =
  | 'disabled'
  | 'no_adapter'
  | 'no_keys'
  | 'cooling'
  | 'quarantined'
  | 'exhausted'
  | 'circuit_open'
  /** The prompt estimate plus the output reserve exceeds the model's `contextWindow`. */
  | 'context_window'
  /** `router.embed()` only: the candidate's adapter has no `embed`. */
  | 'no_embed'
  /** The adapter cannot honour the request without changing its meaning (`cannotServe`). */
  | 'unsupported'
  /** No key of the pool has a secret that resolves (an unset `env:` variable, a failing vault). */
  | 'secret_unavailable'
  /**
   * The request's worst-case cost here (prompt estimate and output reserve at the model's prices)
   * is above its `maxCostUsd`, or the model has no prices to tell.
   */
  | 'cost_ceiling'
  /** The member and its model do not carry every tag the request asks for. */
  | 'tags';

/** One key's numbers, as the headroom formula reads them. */
export interface KeyUsage {
  rpm?: number;
  tpm?: number;
  requestsInWindow: number;
  tokensInWindow: number;
}

/**
 * The pool's remaining fraction (README: Strategies): min over the limited dimensions of
 * Σ remaining / Σ limit over usable keys. A dimension counts as limited only when every usable key
 * has a limit in it; one unlimited key makes that dimension 1. No usable key: 0.
 */
export function computeHeadroom(keys: readonly KeyUsage[]): number {
  if (keys.length === 0) return 0;
  const sum = new HeadroomSum();
  for (const k of keys) sum.add(k.rpm, k.tpm, k.requestsInWindow, k.tokensInWindow);
  return sum.value();
}

/** The formula's running sums, shared by `computeHeadroom` and `poolState` (which cannot build a list). */
class HeadroomSum {
  private reqLimit = 0;
  private reqLeft = 0;
  private tokLimit = 0;
  private tokLeft = 0;
  private reqUnlimited = false;
  private tokUnlimited = false;

  add(rpm: number | undefined, tpm: number | undefined, requests: number, tokens: number): void {
    if (rpm === undefined) this.reqUnlimited = true;
    else {
      this.reqLimit += rpm;
      this.reqLeft += Math.max(0, rpm - requests);
    }
    if (tpm === undefined) this.tokUnlimited = true;
    else {
      this.tokLimit += tpm;
      this.tokLeft += Math.max(0, tpm - tokens);
    }
  }

  value(): number {
    const r = this.reqUnlimited ? 1 : this.reqLeft / this.reqLimit;
    const t = this.tokUnlimited ? 1 : this.tokLeft / this.tokLimit;
    return Math.min(r, t);
  }
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
 * of every request, so it sums as it goes instead of building a list of usable keys.
 */
export function poolState(
  keys: readonly QuotaKey[],
  quota: Pick<QuotaStore, 'view'>,
  now: number,
): PoolState {
  if (keys.length === 0) return { headroom: 0, usableKeys: 0, skip: 'no_keys' };
  let usable = 0;
  let cooling = 0;
  let earliest = Number.POSITIVE_INFINITY;
  let freeIn = Number.POSITIVE_INFINITY; // earliest moment a full rpm/tpm window lets a request in
  const sum = new HeadroomSum();
  for (const key of keys) {
    const v = quota.view(key);
    const coolingUntil = v.coolingUntil ?? 0;
    const until = Math.max(coolingUntil, v.quarantinedUntil ?? 0);
    if (until > now) {
      if (coolingUntil > now) cooling++;
      if (until - now < earliest) earliest = until - now;
      continue;
    }
    usable++;
    if (v.freeInMs !== undefined && v.freeInMs < freeIn) freeIn = v.freeInMs;
    sum.add(key.rpm, key.tpm, v.requestsInWindow, v.tokensInWindow);
  }
  if (usable === 0) {
    return {
      headroom: 0,
      usableKeys: 0,
      skip: cooling > 0 ? 'cooling' : 'quarantined',
      retryAfterMs: earliest,
    };
  }
  const headroom = sum.value();
  if (headroom <= 0) {
    // Capacity returns with the first window that frees or the first cooling key that comes back.
    const back = Math.min(freeIn, earliest);
    return {
      headroom: 0,
      usableKeys: usable,
      skip: 'exhausted',
      ...(Number.isFinite(back) ? { retryAfterMs: back } : {}),
    };
  }
  return { headroom, usableKeys: usable };
}
