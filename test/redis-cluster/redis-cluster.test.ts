import {
  type BudgetCounter,
  ModelRouter,
  type ProviderAdapter,
  RouterError,
  type TenantPrincipal,
} from 'model-router';
import { redisQuota } from 'model-router/redis';
import { Cluster } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCluster, masterOf, startCluster, waitForFailover, waitReplicated } from './cluster.js';

/*
 * The shared quota on Redis Cluster: 3 masters and 3 replicas started here on free 127.0.0.1 ports
 * (redis-server --cluster-enabled yes + redis-cli --cluster create), two router instances with their
 * own ioredis `Cluster` clients, then the master that holds the provider's slot killed by PID
 * mid-run: its replica is promoted, limits still hold, every lease comes back.
 */

const RPM = 24;
const MAX_CONCURRENT = 2;

/** A provider that records when each call started and how many ran at once. */
function countingProvider() {
  const starts: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const adapter: ProviderAdapter = {
    name: 'counting',
    async complete() {
      starts.push(Date.now());
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await new Promise((r) => setTimeout(r, 5));
        return { message: { role: 'assistant', content: 'ok' }, finishReason: { unified: 'stop' } };
      } finally {
        inFlight--;
      }
    },
    async stream() {
      throw new Error('not used');
    },
  };
  return { adapter, starts, maxInFlight: () => maxInFlight };
}

/** Most calls that started within any 60-second window. */
function busiestMinute(starts: number[]): number {
  const s = [...starts].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    while (s[i]! - s[j]! >= 60_000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

const haveRedisServer = (() => {
  try {
    execFileSync('redis-server', ['--version']);
    return true;
  } catch {
    console.warn('[model-router] redis-server is not installed: the Redis Cluster test is SKIPPED');
    return false;
  }
})();

describe.skipIf(!haveRedisServer)(
  'redisQuota on Redis Cluster (3 masters, 3 replicas, a master killed mid-run)',
  () => {
    let cluster: LocalCluster;
    const clients: Cluster[] = [];
    const routers: ModelRouter[] = [];
    const provider = countingProvider();
    const prefix = `mr-cluster:${Date.now().toString(36)}:`;

    beforeAll(async () => {
      cluster = await startCluster(3);
      for (let i = 0; i < 2; i++) {
        const client = new Cluster([{ host: '127.0.0.1', port: cluster.ports[i]! }], {
          clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
          redisOptions: { maxRetriesPerRequest: 2 },
        });
        clients.push(client);
        routers.push(
          new ModelRouter({
            catalog: {
              providers: [
                {
                  id: 'p',
                  adapter: 'counting',
                  keys: [{ id: 'k1', secret: 'sk-x', rpm: RPM, maxConcurrent: MAX_CONCURRENT }],
                },
              ],
              models: [{ providerId: 'p', modelId: 'm' }],
            },
            adapters: { counting: provider.adapter },
            // Refuse rather than count locally while the slot has no master: the limit must hold across the failover.
            quota: redisQuota({ client, prefix, onStoreError: 'fail-closed', commandTimeoutMs: 1000 }),
            timeouts: { queueWaitMs: 2_000 },
          }),
        );
      }
    }, 60_000);

    afterAll(async () => {
      for (const r of routers) await r.close().catch(() => {});
      for (const c of clients) c.disconnect();
      await cluster?.stop();
    });

    const send = (n: number) =>
      Promise.allSettled(
        Array.from({ length: n }, (_, i) =>
          routers[i % 2]!.complete({ model: 'p/m', messages: [{ role: 'user', content: 'hi' }] }),
        ),
      );
    const codes = (results: PromiseSettledResult<unknown>[]) =>
      results.map((r) =>
        r.status === 'fulfilled' ? 'ok' : RouterError.isInstance(r.reason) ? r.reason.code : 'other',
      );

    it('two instances share one key: rpm and concurrency hold across the cluster', async () => {
      const first = codes(await send(16));
      expect(first.filter((c) => c === 'ok')).toHaveLength(16);
      expect(provider.maxInFlight()).toBeLessThanOrEqual(MAX_CONCURRENT);
      expect(busiestMinute(provider.starts)).toBeLessThanOrEqual(RPM);
    });

    it('the master of the provider’s slot is killed: its replica takes over, limits still hold, nothing stays held', async () => {
      const tag = `${prefix}{p}:k1`;
      const master = await masterOf(cluster.ports[0]!, tag);
      // Redis replicates asynchronously: a failover loses writes its replica had not received. Once the
      // replica acknowledged them, the window survives the master's death.
      expect(await waitReplicated(master)).toBe(1);
      cluster.kill(master);
      // Requests during the failover are refused (fail-closed) or served; none overshoots.
      const during = codes(await send(6));
      for (const c of during)
        expect(['ok', 'STORAGE_ERROR', 'QUOTA_EXHAUSTED', 'QUEUE_TIMEOUT']).toContain(c);
      const promoted = await waitForFailover(cluster.ports, master, tag);
      expect(promoted).not.toBe(master);

      // The routers' cluster clients learn the new slot map on their own; until then the store
      // refuses (fail-closed). Wait for an answer from the store — served or refused by the limit.
      let probe = 'STORAGE_ERROR';
      for (let i = 0; i < 50 && probe === 'STORAGE_ERROR'; i++) probe = codes(await send(1))[0]!;
      expect(probe).not.toBe('STORAGE_ERROR');
      // After the promotion the window goes on where it was: the minute's remaining requests and no more.
      const after = codes(await send(20));
      expect(after.filter((c) => c === 'ok').length, after.join()).toBeGreaterThan(0);
      expect(after.filter((c) => c === 'QUOTA_EXHAUSTED').length, after.join()).toBeGreaterThan(0);
      expect(busiestMinute(provider.starts)).toBeLessThanOrEqual(RPM);
      expect(provider.maxInFlight()).toBeLessThanOrEqual(MAX_CONCURRENT);

      // Every slot is back: no lease outstanding on either instance, none left in the cluster.
      for (const r of routers) {
        const s = r.stats();
        expect(s.inFlight).toBe(0);
        expect(s.leases?.outstanding ?? 0).toBe(0);
      }
      const leases = await clients[0]!.zcard(`${tag}:l`);
      expect(leases).toBe(0);
    }, 90_000);
  },
);

/*
 * Budgets on Redis Cluster (#18 parts 2 and 3), in this file so that its cluster never runs beside the
 * failover test's (two clusters at once on a small machine slow the failover past its bounds): every key of a tenant's budgets carries its hash tag,
 * so each reserve / settle script runs in one slot — on whichever master holds it — and two instances
 * with their own ioredis `Cluster` clients share the counters. A dead holder's hold, given back by the
 * next script from the lease's own record, works there too.
 */

describe.skipIf(!haveRedisServer)('budgets on Redis Cluster (3 masters, 3 replicas)', () => {
  let cluster: LocalCluster;
  const clients: Cluster[] = [];
  const prefix = `mr-cluster-budget:${Date.now().toString(36)}:`;

  beforeAll(async () => {
    cluster = await startCluster(3);
    for (let i = 0; i < 2; i++) {
      clients.push(
        new Cluster([{ host: '127.0.0.1', port: cluster.ports[i]! }], {
          clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
          redisOptions: { maxRetriesPerRequest: 2 },
        }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
  });

  it('two instances, 400 concurrent reserve/settle pairs on 3 tenants on 3 masters: no counter passes its cap', async () => {
    const stores = clients.map((client) => redisQuota({ client, prefix }));
    // Three tenants whose slots sit on three different masters: the scripts run on each.
    const byMaster = new Map<number, string>();
    for (let i = 0; byMaster.size < 3 && i < 100; i++) {
      const t = `tenant-${i}`;
      const master = await masterOf(cluster.ports[0]!, `${prefix}b{${t}}:l`);
      if (!byMaster.has(master)) byMaster.set(master, t);
    }
    const tenants = [...byMaster.values()];
    expect(tenants).toHaveLength(3);
    const counter: BudgetCounter = { id: 'tenant:x:total', limit: 1_000 };
    const spent = new Map<string, number>();
    const admitted = new Map<string, number>();
    await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        const scope = tenants[i % 3]!;
        const store = stores[i % 2]!;
        const r = await store.reserveBudget({ scope, counters: [counter], amount: 40, ttlMs: 60_000 });
        if (!r.ok) return;
        admitted.set(scope, (admitted.get(scope) ?? 0) + 1);
        const actual = 10 + (i % 31); // at most the 40 reserved
        await store.settleBudget(r.lease, actual);
        spent.set(scope, (spent.get(scope) ?? 0) + actual);
      }),
    );
    for (const t of tenants) {
      expect(spent.get(t)).toBeLessThanOrEqual(1_000);
      // At least the 25 holds of 40 that fit at once were admitted: the cap binds, not a lost hold.
      expect(admitted.get(t)).toBeGreaterThanOrEqual(25);
      // A hold of the whole cap never fits once anything is spent: the refusal reads the counter back.
      const final = await stores[0]!.reserveBudget({
        scope: t,
        counters: [counter],
        amount: 1_000,
        ttlMs: 1_000,
      });
      expect(final).toMatchObject({ ok: false, spent: spent.get(t), held: 0 });
    }
    for (const s of stores) {
      expect(s.budgetLeases()).toBe(0);
      await s.close();
    }
  }, 60_000);

  it('a hold whose holder died comes back when its lease expires, on the cluster', async () => {
    const now = { t: Date.now() };
    const clock = { now: () => now.t };
    const dead = redisQuota({ client: clients[0]!, prefix, clock });
    const live = redisQuota({ client: clients[1]!, prefix, clock });
    const counter: BudgetCounter = { id: 'tenant:d:total', limit: 100 };
    expect((await dead.reserveBudget({ scope: 'd', counters: [counter], amount: 90, ttlMs: 5_000 })).ok).toBe(
      true,
    );
    expect((await live.reserveBudget({ scope: 'd', counters: [counter], amount: 20, ttlMs: 5_000 })).ok).toBe(
      false,
    );
    now.t += 5_001;
    const after = await live.reserveBudget({ scope: 'd', counters: [counter], amount: 20, ttlMs: 5_000 });
    expect(after).toMatchObject({ ok: true });
    if (after.ok) await live.settleBudget(after.lease, 20);
    await dead.close();
    await live.close();
  });

  it('a router on the cluster refuses a tenant past its budget with BUDGET_EXCEEDED', async () => {
    const quota = redisQuota({ client: clients[0]!, prefix });
    const router = new ModelRouter({
      catalog: {
        providers: [{ id: 'p', adapter: 'fixed', keys: [{ id: 'k', secret: 'sk-x' }] }],
        models: [{ providerId: 'p', modelId: 'm', inputCostPerMTok: 0, outputCostPerMTok: 1000 }],
      },
      adapters: {
        fixed: {
          name: 'fixed',
          async complete() {
            return {
              message: { role: 'assistant', content: 'ok' },
              finishReason: { unified: 'stop' },
              usage: { promptTokens: 1, completionTokens: 4, totalTokens: 5 },
            };
          },
          async stream() {
            throw new Error('not used');
          },
        },
      },
      quota,
    });
    const at = new Date().toISOString();
    const principal: TenantPrincipal = {
      tenant: {
        id: 'router-t',
        name: 'router-t',
        enabled: true,
        budgets: [{ usd: 0.02, period: 'day' }],
        createdAt: at,
        updatedAt: at,
      },
      key: { id: 'router-k', tenantId: 'router-t', preview: 'mr-…', createdAt: at, updatedAt: at },
    };
    const results: string[] = [];
    for (let i = 0; i < 6; i++) {
      // Worst case 10 tokens = $0.01; each costs 4 tokens = $0.004: admitted while spent ≤ $0.01.
      results.push(
        await router
          .complete(
            { model: 'p/m', messages: [{ role: 'user', content: 'hi' }], maxTokens: 10 },
            { tenant: principal },
          )
          .then(
            () => 'ok',
            (e: unknown) => (RouterError.isInstance(e) ? e.code : 'other'),
          ),
      );
    }
    expect(results).toEqual(['ok', 'ok', 'ok', 'BUDGET_EXCEEDED', 'BUDGET_EXCEEDED', 'BUDGET_EXCEEDED']);
    await router.close();
  });
});
