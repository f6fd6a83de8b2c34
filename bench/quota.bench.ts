/**
 * Quota store micro-benchmark: reservations per second and the latency a store adds to each attempt
 * (one reserve + one settle), for memoryQuota and — when REDIS_URL is set — redisQuota, in one process.
 *
 *   npx tsx bench/quota.bench.ts                                  # memory only
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx bench/quota.bench.ts # memory and Redis
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { memoryQuota } from '../src/quota/memory-quota.js';
import type { QuotaKey, QuotaStore } from '../src/quota/quota-store.js';
import { redisQuota } from '../src/redis/index.js';

const KEY: QuotaKey = { providerId: 'bench', keyId: 'k1', rpm: 1e12, tpm: 1e15, maxConcurrent: 1e6 };
/** A pool whose first two keys are cooling: every reservation falls through to the third. */
const POOL: QuotaKey[] = [
  { providerId: 'bench', keyId: 'cool-1', rpm: 1e12 },
  { providerId: 'bench', keyId: 'cool-2', rpm: 1e12 },
  { providerId: 'bench', keyId: 'k3', rpm: 1e12, tpm: 1e15, maxConcurrent: 1e6 },
];

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;

async function cycle(quota: QuotaStore, keys: QuotaKey[]): Promise<void> {
  const result = await quota.reserve({ keys, tokens: 100 });
  if (!result.ok) throw new Error(`unexpected refusal: ${JSON.stringify(result)}`);
  await quota.settle(result.lease, { tokens: 80 });
}

/** Sequential reserve + settle: the latency one attempt pays. */
async function sequential(quota: QuotaStore, keys: QuotaKey[], count: number) {
  const samples: number[] = new Array(count);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await cycle(quota, keys);
    samples[i] = performance.now() - t0;
  }
  const elapsed = performance.now() - started;
  samples.sort((a, b) => a - b);
  return {
    perSecond: count / (elapsed / 1000),
    p50: percentile(samples, 0.5),
    p99: percentile(samples, 0.99),
  };
}

/** `concurrency` callers reserving and settling at once: throughput of one process. */
async function concurrent(quota: QuotaStore, keys: QuotaKey[], concurrency: number, perCaller: number) {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < perCaller; i++) await cycle(quota, keys);
    }),
  );
  return (concurrency * perCaller) / ((performance.now() - started) / 1000);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const us = (ms: number) => `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs`;

async function benchStore(name: string, quota: QuotaStore, count: number, concurrency: number) {
  await quota.cooldown(POOL[0]!, 3_600_000);
  await quota.cooldown(POOL[1]!, 3_600_000);
  await sequential(quota, [KEY], Math.min(count, 2_000)); // warm up (JIT, script cache)
  const one = await sequential(quota, [KEY], count);
  const pool = await sequential(quota, POOL, count);
  const parallel = await concurrent(quota, [KEY], concurrency, Math.ceil(count / concurrency));
  console.log(`${name}`);
  console.log(
    `  one key, sequential:     ${fmt(one.perSecond)} reserve+settle/s; per attempt p50 ${us(one.p50)}, p99 ${us(one.p99)}`,
  );
  console.log(
    `  3-key pool, 2 cooling:   ${fmt(pool.perSecond)} reserve+settle/s; per attempt p50 ${us(pool.p50)}, p99 ${us(pool.p99)}`,
  );
  console.log(`  one key, ${concurrency} concurrent: ${fmt(parallel)} reserve+settle/s`);
  const accounting = quota.accounting?.();
  if (accounting && (accounting.outstanding !== 0 || accounting.doubleReleases !== 0)) {
    throw new Error(`leak: ${JSON.stringify(accounting)}`);
  }
}

async function main() {
  await benchStore('memoryQuota', memoryQuota(), 500_000, 64);

  const url = process.env.REDIS_URL;
  if (!url) {
    console.log('redisQuota: skipped (set REDIS_URL to run it)');
    return;
  }
  const client = new Redis(url);
  const prefix = `mr-bench:${randomUUID().slice(0, 8)}:`;
  const quota = redisQuota({ client, prefix });
  try {
    await benchStore(`redisQuota (${url}, EVALSHA, server TIME)`, quota, 20_000, 64);
  } finally {
    await quota.close();
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (found.length > 0) await client.del(...found);
    } while (cursor !== '0');
    await client.quit();
  }
}

await main();
