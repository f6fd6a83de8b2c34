import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { type QuotaKey, type QuotaStore, memoryQuota } from '../src/index.js';
import { redisQuota } from '../src/redis/index.js';
import { UNBOUND } from './lib/catalogs.js';
import { type BenchOptions, type Result, figure } from './lib/result.js';
import { measureLatencies } from './lib/timing.js';

const BENCH = 'quota';

const KEYS: QuotaKey[] = Array.from({ length: 4 }, (_, i) => ({
  providerId: 'bench',
  keyId: `k${i}`,
  ...UNBOUND,
}));

/**
 * Quota reservations per second: one reservation = `reserve` (rpm, tpm and a slot on the first
 * key with capacity) + `settle` (reconcile and release), from 1 and 64 concurrent callers — on
 * Redis (REDIS_URL, a prefix of its own, deleted afterwards) and, for scale, on the memory store.
 */
export async function run({ quick }: BenchOptions): Promise<Result[]> {
  const rounds = quick ? 1 : 5;
  const perRound = quick ? 100 : 5_000;
  const out: Result[] = [];

  const memory = memoryQuota();
  try {
    out.push(...(await measure('memoryQuota', memory, rounds, quick ? 1_000 : 200_000)));
  } finally {
    await memory.close?.();
  }

  const url = process.env.REDIS_URL;
  if (!url) {
    out.push({ bench: BENCH, name: 'redisQuota reservations/s', skipped: 'REDIS_URL is not set' });
    return out;
  }
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  const prefix = `mr-bench:${randomUUID().slice(0, 8)}:`;
  // Fail closed: an outage must show as an error here, not as the in-memory fallback's speed.
  const redis = redisQuota({ client, prefix, onStoreError: 'fail-closed' });
  try {
    await client.ping();
    out.push(...(await measure('redisQuota', redis, rounds, perRound)));
  } finally {
    await redis.close();
    await deleteKeys(client, prefix);
    await client.quit();
  }
  return out;
}

async function measure(
  label: string,
  quota: QuotaStore,
  rounds: number,
  perRound: number,
): Promise<Result[]> {
  let failures = 0;
  const cycle = async () => {
    const r = await quota.reserve({ keys: KEYS, tokens: 100 });
    if (!r.ok) {
      failures++;
      return;
    }
    await quota.settle(r.lease, { tokens: 80 });
  };
  await measureLatencies(cycle, Math.min(perRound, 1_000), 8);
  const rate = { 1: [] as number[], 64: [] as number[] };
  const latency: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const concurrency of [1, 64] as const) {
      const { latencies, elapsedUs } = await measureLatencies(cycle, perRound, concurrency);
      rate[concurrency].push(perRound / (elapsedUs / 1e6));
      if (concurrency === 1)
        latency.push([...latencies].sort((a, b) => a - b)[Math.floor(latencies.length / 2)]!);
    }
  }
  if (failures > 0) throw new Error(`${label}: ${failures} reservations refused with unbound limits`);
  const accounting = quota.accounting?.();
  if (accounting && accounting.outstanding !== 0)
    throw new Error(`${label}: ${accounting.outstanding} leases outstanding`);
  return [
    figure(BENCH, `${label} reservations/s, c=1`, 'res/s', rate[1], { note: 'reserve + settle' }),
    figure(BENCH, `${label} reservations/s, c=64`, 'res/s', rate[64], { note: 'reserve + settle' }),
    figure(BENCH, `${label} reserve + settle latency median, c=1`, 'µs', latency),
  ];
}

/** Delete every key under `prefix` (SCAN, never KEYS). */
async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (found.length > 0) await client.del(...found);
  } while (cursor !== '0');
}
