import type { RouterError } from '../errors/router-error.js';
import type { Clock } from '../util/clock.js';
import type { RedisScriptClient } from './script-runner.js';

/** What the store does while Redis is unreachable. */
export type StoreErrorMode = 'fail-open' | 'fail-closed';

export interface RedisQuotaOptions {
  /** A connected ioredis `Redis` (or `Cluster`, or any client with `evalsha`/`eval`). Borrowed: never quit. */
  client: RedisScriptClient;
  /**
   * Prefix of every Redis key the store writes. Give each deployment sharing a Redis its own.
   * @default 'mr:quota:'
   */
  prefix?: string;
  /**
   * How long a concurrency slot survives without its holder renewing it, in ms. A crashed instance's
   * slots come back after at most this long. Live leases are renewed automatically every `leaseTtlMs / 3`.
   * @default 60_000
   */
  leaseTtlMs?: number;
  /**
   * While Redis is unreachable: `'fail-open'` reserves from a local in-memory store (each instance then
   * enforces the limits on its own, so a fleet of N may send up to N× a key's limit — providers' 429s and
   * cooldowns still apply); `'fail-closed'` rejects `reserve` with `RouterError` `STORAGE_ERROR`.
   * The default keeps serving: an outage of the quota store should not become an outage of every LLM call.
   * @default 'fail-open'
   */
  onStoreError?: StoreErrorMode;
  /** Told about every Redis failure (at most once per `outageRetryMs` while it lasts). Must not throw. @default none */
  onError?: (error: RouterError) => void;
  /**
   * Sliding window of rpm/tpm, in ms. Every instance sharing a prefix must use the same. Shorten it only in tests.
   * @default 60_000
   */
  windowMs?: number;
  /**
   * Window granularity, in ms: events are forgotten one to two buckets late (a guard against dispatch
   * latency jitter), as in `memoryQuota`.
   * @default Math.ceil(windowMs / 60)
   */
  bucketMs?: number;
  /**
   * A script that takes longer than this counts as Redis being unreachable, in ms.
   * @default 1_000
   */
  commandTimeoutMs?: number;
  /**
   * After a failure, how long to use the fallback (or refuse) before trying Redis again, in ms.
   * @default 1_000
   */
  outageRetryMs?: number;
  /**
   * While a local caller waits for a slot, how often to ask Redis whether another instance freed one, in ms.
   * Releases by this instance wake waiters at once.
   * @default 100
   */
  pollIntervalMs?: number;
  /**
   * Use this clock instead of Redis `TIME` (for tests with a manual clock, e.g. the quota contract).
   * Leave it unset in production: server time keeps windows identical across instances whatever their skew.
   * @default undefined (Redis server time)
   */
  clock?: Clock;
}
