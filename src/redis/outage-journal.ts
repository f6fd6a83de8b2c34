import type { RemoteKey } from './remote-key.js';
import { type Script, script } from './script-runner.js';
import { COMMON } from './scripts.js';

/**
 * KEYS: per key, its hash. ARGV: now, W, B, then per key: n, and n triples (bucket, requests, tokens).
 * Adds the counts to the buckets still in the window (older ones have left it anyway). Returns { now }.
 */
export const CARRY: Script = script(`${COMMON}
local now = now_ms(ARGV[1])
local W, B = tonumber(ARGV[2]), tonumber(ARGV[3])
local at = 4
for i = 1, #KEYS do
  local h = KEYS[i]
  local lo = advance(h, now, W, B)
  local n = tonumber(ARGV[at])
  at = at + 1
  for _ = 1, n do
    local bucket, req, tok = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
    at = at + 3
    if bucket >= lo then
      redis.call('HINCRBY', h, 'c:' .. bucket, req)
      redis.call('HINCRBY', h, 't:' .. bucket, tok)
      redis.call('HINCRBY', h, 'req', req)
      redis.call('HINCRBY', h, 'tok', tok)
    end
  end
  keep(h, now, W, B)
end
return { now }
`);

interface Counts {
  requests: number;
  tokens: number;
}

/**
 * What this instance reserved from its local fallback while Redis was unreachable (fail-open), per key
 * and window bucket. When Redis answers again, these counts are carried into its windows before the
 * next reservation there: the calls were real, so neither this instance nor the others may spend that
 * part of the limit a second time (rpm 20 across an outage stays 20 in any sliding minute).
 * Bounded: a key holds at most one entry per bucket of the window.
 */
export class OutageJournal {
  private entries = new Map<RemoteKey, Map<number, Counts>>();

  /** Buckets a key keeps: the window's, plus the guard bucket and the current one. */
  private readonly span: number;

  constructor(
    private readonly bucketMs: number,
    windowMs: number,
  ) {
    this.span = Math.ceil(windowMs / bucketMs) + 2;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether `key` has local reservations Redis does not know of yet. */
  has(key: RemoteKey): boolean {
    return this.entries.has(key);
  }

  /** A local reservation at store time `at`. */
  add(key: RemoteKey, at: number, tokens: number): void {
    const bucket = Math.floor(at / this.bucketMs);
    const counts = this.counts(key, bucket);
    counts.requests += 1;
    counts.tokens += tokens;
    // A long outage: buckets that left the window would be dropped by Redis anyway.
    const buckets = this.entries.get(key)!;
    if (buckets.size > this.span) {
      for (const old of buckets.keys()) if (old <= bucket - this.span) buckets.delete(old);
    }
  }

  /** A local lease settled with its real token count (`delta` = real − reserved), if not carried yet. */
  adjust(key: RemoteKey, at: number, delta: number): void {
    const counts = this.entries.get(key)?.get(Math.floor(at / this.bucketMs));
    if (counts !== undefined) counts.tokens = Math.max(0, counts.tokens + delta);
  }

  /**
   * Everything recorded so far, removed from the journal, as the keys and arguments of `CARRY` (one
   * call per provider: a provider's keys share a cluster slot). `restore` puts a batch back when
   * the carry failed.
   */
  take(): Map<string, Map<RemoteKey, Map<number, Counts>>> {
    const byProvider = new Map<string, Map<RemoteKey, Map<number, Counts>>>();
    for (const [key, buckets] of this.entries) {
      const group = byProvider.get(key.providerId) ?? new Map<RemoteKey, Map<number, Counts>>();
      byProvider.set(key.providerId, group);
      group.set(key, buckets);
    }
    this.entries = new Map();
    return byProvider;
  }

  restore(batch: Map<RemoteKey, Map<number, Counts>>): void {
    for (const [key, buckets] of batch) {
      for (const [bucket, counts] of buckets) {
        const mine = this.counts(key, bucket);
        mine.requests += counts.requests;
        mine.tokens += counts.tokens;
      }
    }
  }

  private counts(key: RemoteKey, bucket: number): Counts {
    const buckets = this.entries.get(key) ?? new Map<number, Counts>();
    this.entries.set(key, buckets);
    const counts = buckets.get(bucket) ?? { requests: 0, tokens: 0 };
    buckets.set(bucket, counts);
    return counts;
  }
}

/** `CARRY`'s keys and arguments for one provider's batch. */
export function carryArgs(batch: Map<RemoteKey, Map<number, Counts>>): {
  keys: string[];
  args: Array<string | number>;
} {
  const keys: string[] = [];
  const args: Array<string | number> = [];
  for (const [key, buckets] of batch) {
    keys.push(key.hash);
    args.push(buckets.size);
    for (const [bucket, counts] of buckets) args.push(bucket, counts.requests, Math.ceil(counts.tokens));
  }
  return { keys, args };
}
