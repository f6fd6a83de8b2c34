import type { RetryBudgetOptions } from '../options.js';
import type { Required } from '../util/types.js';

/**
 * Caps failover so that it cannot multiply load when everything is failing: within a sliding window,
 * extra attempts may not exceed `ratio` × requests + `minPerSecond` × window seconds.
 * Counts live in ten buckets, so memory is constant.
 */
export class RetryBudget {
  private static readonly BUCKETS = 10;
  private readonly bucketMs: number;
  private readonly requests = new Float64Array(RetryBudget.BUCKETS);
  private readonly retries = new Float64Array(RetryBudget.BUCKETS);
  private bucket = -1;

  constructor(private readonly options: Required<RetryBudgetOptions>) {
    this.bucketMs = Math.max(1, Math.floor(options.windowMs / RetryBudget.BUCKETS));
  }

  request(now: number): void {
    this.requests[this.advance(now)]!++;
  }

  /** Take one retry from the budget; false when it is spent. */
  tryRetry(now: number): boolean {
    if (!this.canRetry(now)) return false;
    this.retries[this.advance(now)]!++;
    return true;
  }

  /** Whether one retry is left now, without taking it. */
  canRetry(now: number): boolean {
    this.advance(now);
    let req = 0;
    let ret = 0;
    for (let b = 0; b < RetryBudget.BUCKETS; b++) {
      req += this.requests[b]!;
      ret += this.retries[b]!;
    }
    const allowed = this.options.ratio * req + (this.options.minPerSecond * this.options.windowMs) / 1000;
    return ret + 1 <= allowed;
  }

  private advance(now: number): number {
    const b = Math.floor(now / this.bucketMs);
    if (this.bucket < 0 || b - this.bucket >= RetryBudget.BUCKETS) {
      this.requests.fill(0);
      this.retries.fill(0);
    } else {
      for (let x = this.bucket + 1; x <= b; x++) {
        this.requests[x % RetryBudget.BUCKETS] = 0;
        this.retries[x % RetryBudget.BUCKETS] = 0;
      }
    }
    if (b > this.bucket) this.bucket = b;
    return b % RetryBudget.BUCKETS;
  }
}
