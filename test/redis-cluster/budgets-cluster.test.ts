import { type BudgetCounter, ModelRouter, RouterError, type TenantPrincipal } from 'model-router';
import { redisQuota } from 'model-router/redis';
import { Cluster } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCluster, masterOf, startCluster } from './cluster.js';

/*
 * Budgets on Redis Cluster (#18 parts 2 and 3): every key of a tenant's budgets carries its hash tag,
 * so each reserve / settle script runs in one slot — on whichever master holds it — and two instances
 * with their own ioredis `Cluster` clients share the counters. A dead holder's hold, given back by the
 * next script from the lease's own record, works there too.
 */

const haveRedisServer = (() => {
  try {
    execFileSync('redis-server', ['--version']);
    return true;
  } catch {
    console.warn('[model-router] redis-server is not installed: the Redis Cluster budget test is SKIPPED');
    return false;
  }
})();

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
