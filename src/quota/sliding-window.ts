/**
 * A sliding window of requests and tokens in constant memory: a ring of fixed-size time buckets.
 *
 * The window is *conservative*, with one guard bucket: every bucket that overlaps
 * `(now − windowMs − bucketMs, now]` counts in full, so an event is forgotten between one and two buckets
 * later than an exact log would forget it. A provider can therefore never see more than the limit in any
 * sliding `windowMs` — even when the latency between reservation and arrival at the provider varies by up
 * to a bucket (1 s with the defaults) — at the price of about `1.5 · bucketMs / windowMs` of throughput
 * (2.5 % with the defaults).
 *
 * Bucket `i` covers `[i·bucketMs, (i+1)·bucketMs)`. Every write must be preceded by `advance(now)` with the
 * same `now` — that keeps the invariant that a ring slot holds no bucket older than the window.
 */
export class SlidingWindow {
  /** Requests in the window (kept as a running total: a check is O(1), not O(buckets)). */
  requests = 0;
  /** Tokens in the window (reservations, reconciled at settle). */
  tokens = 0;

  private readonly size: number;
  private readonly counts: Float64Array;
  private readonly tokenSums: Float64Array;
  /** Bucket index held by each slot; -Infinity when empty. */
  private readonly stamps: Float64Array;
  /** Lowest bucket index still inside the window at the last `advance`. */
  private low = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly windowMs: number,
    private readonly bucketMs: number,
  ) {
    // hi − lo + 1 buckets overlap the guarded window: at most ceil(window / bucket) + 2.
    this.size = Math.ceil(windowMs / bucketMs) + 2;
    this.counts = new Float64Array(this.size);
    this.tokenSums = new Float64Array(this.size);
    this.stamps = new Float64Array(this.size).fill(Number.NEGATIVE_INFINITY);
  }

  /** Bucket index of a time. */
  bucketOf(time: number): number {
    return Math.floor(time / this.bucketMs);
  }

  /** Forget buckets that no longer overlap `(now − windowMs − bucketMs, now]`. */
  advance(now: number): void {
    const low = Math.floor((now - this.windowMs) / this.bucketMs) - 1;
    if (low <= this.low) return; // time stood still (or went back: keep the conservative view)
    if (low - this.low >= this.size) {
      this.reset();
    } else {
      for (let index = this.low; index < low; index++) this.evict(index);
    }
    this.low = low;
  }

  /** Count one request and `tokens` at `now` (after `advance(now)`). Returns the bucket index used. */
  add(now: number, tokens: number): number {
    const bucket = this.bucketOf(now);
    const slot = this.slotOf(bucket);
    if (this.stamps[slot] !== bucket) {
      // The slot's previous bucket left the window in `advance`; start a fresh one.
      this.stamps[slot] = bucket;
      this.counts[slot] = 0;
      this.tokenSums[slot] = 0;
    }
    this.counts[slot]! += 1;
    this.tokenSums[slot]! += tokens;
    this.requests += 1;
    this.tokens += tokens;
    return bucket;
  }

  /**
   * Change the tokens recorded in `bucket` by `delta` (reconciliation at settle). A bucket that has left
   * the window is not touched: it no longer counts, so there is nothing to correct.
   */
  adjustTokens(bucket: number, delta: number): void {
    const slot = this.slotOf(bucket);
    if (this.stamps[slot] !== bucket || bucket < this.low) return;
    // Never below zero, whatever a caller reports.
    const applied = Math.max(delta, -this.tokenSums[slot]!);
    this.tokenSums[slot]! += applied;
    this.tokens += applied;
  }

  /**
   * Milliseconds from `now` until the window holds at most `limit − need` of a dimension, i.e. until
   * `need` more fits. 0 when it fits now; `Infinity` when it never will (need > limit: callers clamp
   * a token estimate larger than the whole limit so that such a request runs alone in an empty window).
   */
  msUntilFits(now: number, dimension: 'requests' | 'tokens', need: number, limit: number): number {
    const total = dimension === 'requests' ? this.requests : this.tokens;
    let excess = total + need - limit;
    if (excess <= 0) return 0;
    if (need > limit) return Number.POSITIVE_INFINITY;
    const values = dimension === 'requests' ? this.counts : this.tokenSums;
    const high = this.bucketOf(now);
    for (let index = this.low; index <= high; index++) {
      const slot = this.slotOf(index);
      if (this.stamps[slot] !== index) continue;
      excess -= values[slot]!;
      // Bucket `index` leaves the guarded window once now − windowMs − bucketMs ≥ (index + 1)·bucketMs.
      if (excess <= 0) return Math.max(1, (index + 2) * this.bucketMs + this.windowMs - now);
    }
    return Number.POSITIVE_INFINITY;
  }

  private evict(index: number): void {
    const slot = this.slotOf(index);
    if (this.stamps[slot] !== index) return;
    this.requests -= this.counts[slot]!;
    this.tokens -= this.tokenSums[slot]!;
    this.stamps[slot] = Number.NEGATIVE_INFINITY;
    this.counts[slot] = 0;
    this.tokenSums[slot] = 0;
  }

  private reset(): void {
    this.stamps.fill(Number.NEGATIVE_INFINITY);
    this.counts.fill(0);
    this.tokenSums.fill(0);
    this.requests = 0;
    this.tokens = 0;
  }

  private slotOf(bucket: number): number {
    const slot = bucket % this.size;
    return slot < 0 ? slot + this.size : slot;
  }
}
