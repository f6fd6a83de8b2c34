import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisQuota } from '../../src/redis/index.js';
import type { QuotaKey } from '../../src/quota/quota-store.js';
import { manualClock } from '../../src/testing/manual-clock.js';
import { connect, deleteKeys, eventually, REDIS_URL, testPrefix } from './redis-env.js';

const key = (keyId: string, limits: Partial<QuotaKey> = {}): QuotaKey => ({
  providerId: 'p',
  keyId,
  ...limits,
});

describe.skipIf(!REDIS_URL)('redisQuota (server time, several instances)', () => {
  const prefix = testPrefix('redis-quota');
  const clients = REDIS_URL ? [connect(), connect(), connect()] : [];
  const client = clients[0]!;
  let n = 0;
  /** A store on its own sub-prefix, or sharing `shared` with others. */
  const store = (options: Partial<Parameters<typeof redisQuota>[0]> = {}, shared?: string, at = 0) =>
    redisQuota({ client: clients[at]!, prefix: shared ?? `${prefix}${++n}:`, ...options });

  beforeAll(async () => {
    await client.ping();
  });

  afterAll(async () => {
    await deleteKeys(client, prefix);
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('uses Redis server time: deadlines are epoch ms and windows slide in real time', async () => {
    const quota = store({ windowMs: 300 });
    const k = key('k', { rpm: 1 });
    const [seconds] = await client.time();
    const until = await quota.cooldown(k, 10_000);
    expect(Math.abs(until - (Number(seconds) * 1000 + 10_000))).toBeLessThan(5_000);
    await quota.clear(k);
    const first = await quota.reserve({ keys: [k], tokens: 1 });
    expect(first.ok).toBe(true);
    if (first.ok) await quota.settle(first.lease);
    const refused = await quota.reserve({ keys: [k], tokens: 1 });
    expect(refused).toMatchObject({ ok: false, blocked: [{ reason: 'rpm' }] });
    await eventually(
      async () => {
        const result = await quota.reserve({ keys: [k], tokens: 1 });
        if (result.ok) await quota.settle(result.lease);
        return result.ok;
      },
      5_000,
      'the window to slide',
    );
    await quota.close();
  });

  it('instances sharing a prefix share limits: concurrent reserves never overshoot', async () => {
    const shared = `${prefix}shared-${++n}:`;
    const stores = [0, 1, 2].map((at) => store({}, shared, at));
    const k = key('k', { rpm: 10 });
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => stores[i % 3]!.reserve({ keys: [k], tokens: 5 })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    const slots = key('slots', { maxConcurrent: 3 });
    const held = await Promise.all(
      Array.from({ length: 12 }, (_, i) => stores[i % 3]!.reserve({ keys: [slots], tokens: 0 })),
    );
    const leases = held.flatMap((r) => (r.ok ? [r] : []));
    expect(leases).toHaveLength(3);
    for (const s of stores) await s.close();
  });

  it('a release by another instance wakes a waiter here (release polling)', async () => {
    const shared = `${prefix}wake-${++n}:`;
    const [a, b] = [store({ pollIntervalMs: 20 }, shared, 0), store({ pollIntervalMs: 20 }, shared, 1)];
    const k = key('k', { maxConcurrent: 1 });
    const held = await a.reserve({ keys: [k], tokens: 0 });
    if (!held.ok) throw new Error('expected a lease');
    expect((await b.reserve({ keys: [k], tokens: 0 })).ok).toBe(false);
    const waiting = b.waitForCapacity([k], 60_000);
    expect(b.view(k).queued).toBe(1);
    await a.settle(held.lease);
    await waiting;
    expect(b.view(k).queued).toBe(0);
    const next = await b.reserve({ keys: [k], tokens: 0 });
    expect(next.ok).toBe(true);
    if (next.ok) await b.settle(next.lease);
    await a.close();
    await b.close();
  });

  it('a crashed holder (never settles, stops renewing) gives its slot back after the lease TTL', async () => {
    const shared = `${prefix}crash-${++n}:`;
    const leaseTtlMs = 300;
    const crashed = store({ leaseTtlMs }, shared, 0);
    const survivor = store({ leaseTtlMs, pollIntervalMs: 20 }, shared, 1);
    const k = key('k', { maxConcurrent: 1 });
    expect((await crashed.reserve({ keys: [k], tokens: 0 })).ok).toBe(true);
    await crashed.close(); // stops its renewals: as far as Redis knows, the holder died
    expect((await survivor.reserve({ keys: [k], tokens: 0 })).ok).toBe(false);
    // The survivor's waiter is woken by the poll that purges the expired lease, not by its own timeout.
    await survivor.waitForCapacity([k], 60_000);
    const taken = await survivor.reserve({ keys: [k], tokens: 0 });
    expect(taken.ok).toBe(true);
    if (taken.ok) await survivor.settle(taken.lease);
    await survivor.close();
  });

  it('a live holder keeps its slot past the lease TTL (automatic renewal), and renew() works', async () => {
    const shared = `${prefix}renew-${++n}:`;
    const leaseTtlMs = 150;
    const holder = store({ leaseTtlMs }, shared, 0);
    const other = store({ leaseTtlMs }, shared, 1);
    const k = key('k', { maxConcurrent: 1 });
    const held = await holder.reserve({ keys: [k], tokens: 0 });
    if (!held.ok) throw new Error('expected a lease');
    const until = Date.now() + leaseTtlMs * 5;
    await eventually(
      async () => {
        expect((await other.reserve({ keys: [k], tokens: 0 })).ok).toBe(false);
        return Date.now() > until;
      },
      10_000,
      'five lease periods to pass',
    );
    await holder.renew(held.lease); // explicit renewal of a live lease: accepted
    await holder.settle(held.lease);
    await holder.renew(held.lease); // of a settled one: a no-op
    const next = await other.reserve({ keys: [k], tokens: 0 });
    expect(next.ok).toBe(true);
    if (next.ok) await other.settle(next.lease);
    await holder.close();
    await other.close();
  });

  it('reloads its scripts after SCRIPT FLUSH (NOSCRIPT fallback)', async () => {
    const quota = store();
    const k = key('k', { rpm: 5 });
    const first = await quota.reserve({ keys: [k], tokens: 0 });
    await client.script('FLUSH');
    if (first.ok) await quota.settle(first.lease);
    expect((await quota.reserve({ keys: [k], tokens: 0 })).ok).toBe(true);
    expect(quota.view(k).requestsInWindow).toBe(2);
    await quota.close();
  });

  it('never quits the client it was given, and leaves no immortal key behind', async () => {
    const sub = `${prefix}ttl-${++n}:`;
    const quota = store({}, sub);
    const k = key('k', { rpm: 5, maxConcurrent: 2 });
    const result = await quota.reserve({ keys: [k], tokens: 10 });
    if (result.ok) await quota.settle(result.lease, { tokens: 3 });
    await quota.cooldown(k, 1_000);
    await quota.close();
    expect(await client.ping()).toBe('PONG');
    const keys = await client.keys(`${sub}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const name of keys) expect(await client.pttl(name)).toBeGreaterThan(0);
  });

  it('view(): exact as last seen for a bucket, then decays so that a stale full window is never trusted', async () => {
    const clock = manualClock();
    const quota = store({ clock, windowMs: 60_000 });
    const k = key('k', { rpm: 4 });
    for (let i = 0; i < 4; i++) {
      const result = await quota.reserve({ keys: [k], tokens: 100 });
      if (result.ok) await quota.settle(result.lease);
    }
    expect(quota.view(k)).toMatchObject({ requestsInWindow: 4, tokensInWindow: 400 });
    clock.advance(1_000); // one bucket: still exact
    expect(quota.view(k).requestsInWindow).toBe(4);
    clock.advance(1_000);
    expect(quota.view(k).requestsInWindow).toBeLessThan(4); // a router would try reserve again
    clock.advance(60_000);
    expect(quota.view(k)).toMatchObject({ requestsInWindow: 0, tokensInWindow: 0 });
    expect((await quota.reserve({ keys: [k], tokens: 0 })).ok).toBe(true);
    await quota.close();
  });

  it('validates its options, naming the field', () => {
    expect(() => redisQuota({ client: {} as never })).toThrowError(/client/);
    expect(() => redisQuota({ client, leaseTtlMs: 0 })).toThrowError(/leaseTtlMs/);
    expect(() => redisQuota({ client, onStoreError: 'maybe' as never })).toThrowError(/onStoreError/);
    expect(() => redisQuota({ client, windowMs: 60_000, bucketMs: 1 })).toThrowError(/bucketMs/);
  });
});
