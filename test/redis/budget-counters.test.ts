import { afterAll, describe, expect, it } from 'vitest';
import { ModelRouter, RouterError } from '../../src/index.js';
import type { Budget, BudgetCounter, QuotaStore, TenantPrincipal } from '../../src/index.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { memoryQuota } from '../../src/quota/memory-quota.js';
import { redisQuota } from '../../src/redis/index.js';
import { manualClock } from '../../src/testing/manual-clock.js';
import { connect, deleteKeys, REDIS_URL, testPrefix } from './redis-env.js';

/*
 * The budget counters of a QuotaStore (#18 part 2), the same cases on the memory store and on Redis:
 * all or nothing across counters, exactly-once settles, rolling windows, ledger seeds, and — on Redis —
 * a dead holder's hold coming back when its lease expires.
 */
const T0 = Date.UTC(2026, 11, 5, 12);
const day: BudgetCounter = { id: 'tenant:t:day:x', limit: 100, endsAt: T0 + 3_600_000 };
const total: BudgetCounter = { id: 'virtual_key:k:total', limit: 1_000 };
const rolling: BudgetCounter = { id: 'tenant:t:rolling:60000', limit: 100, windowMs: 60_000 };

/** A fresh store; with `sharing`, one more instance on the same shared state as it. */
type Make = (clock: ReturnType<typeof manualClock>, sharing?: QuotaStore) => QuotaStore;

function cases(name: string, make: Make, shared: boolean) {
  describe(`budget counters: ${name}`, () => {
    it('all or nothing across counters; the settle gives the hold back once and counts the actual', async () => {
      const clock = manualClock(T0);
      const store = make(clock);
      const a = await store.reserveBudget!({ scope: 't', counters: [day, total], amount: 60, ttlMs: 10_000 });
      expect(a.ok).toBe(true);
      // 60 held on `day`: 50 more does not fit, and `total` is not touched by the refusal.
      const b = await store.reserveBudget!({ scope: 't', counters: [total, day], amount: 50, ttlMs: 10_000 });
      expect(b).toMatchObject({ ok: false, counter: day, spent: 0, held: 60, retryAfterMs: 3_600_000 });
      if (!a.ok) return;
      await store.settleBudget!(a.lease, 30);
      await store.settleBudget!(a.lease, 30); // a second settle is ignored
      expect(store.budgetLeases!()).toBe(0);
      // 30 spent, nothing held: 70 fits exactly, 71 does not.
      const c = await store.reserveBudget!({ scope: 't', counters: [day, total], amount: 71, ttlMs: 10_000 });
      expect(c).toMatchObject({ ok: false, spent: 30, held: 0 });
      const d = await store.reserveBudget!({ scope: 't', counters: [day, total], amount: 70, ttlMs: 10_000 });
      expect(d.ok).toBe(true);
      if (d.ok) await store.settleBudget!(d.lease, 70);
      // Spent to the cap: even a zero worst case is refused; a total has no Retry-After.
      const e = await store.reserveBudget!({ scope: 't', counters: [total, day], amount: 0, ttlMs: 10_000 });
      expect(e).toMatchObject({ ok: false, counter: day, spent: 100 });
      const f = await store.reserveBudget!({
        scope: 't',
        counters: [{ ...total, limit: 100 }],
        amount: 1,
        ttlMs: 10_000,
      });
      expect(f).toMatchObject({ ok: false, spent: 100 });
      expect(f.ok === false && f.retryAfterMs).toBe(undefined);
      await store.close?.();
    });

    it('a rolling window forgets spend once it leaves the window; Retry-After says when', async () => {
      const clock = manualClock(T0);
      const store = make(clock);
      const a = await store.reserveBudget!({ scope: 't', counters: [rolling], amount: 80, ttlMs: 10_000 });
      if (a.ok) await store.settleBudget!(a.lease, 80);
      clock.advance(30_000);
      const b = await store.reserveBudget!({ scope: 't', counters: [rolling], amount: 30, ttlMs: 10_000 });
      expect(b.ok).toBe(false);
      const wait = b.ok ? 0 : b.retryAfterMs!;
      expect(wait).toBeGreaterThan(30_000);
      expect(wait).toBeLessThanOrEqual(31_000);
      clock.advance(wait);
      const c = await store.reserveBudget!({ scope: 't', counters: [rolling], amount: 30, ttlMs: 10_000 });
      expect(c.ok).toBe(true);
      if (c.ok) await store.settleBudget!(c.lease, 0);
      await store.close?.();
    });

    it('a ledger seed fills a counter that does not exist yet, and only it', async () => {
      const clock = manualClock(T0);
      const store = make(clock);
      const counter = { ...day, id: `${day.id}:seed` };
      expect(await store.seedBudget!('t', counter, [[T0 - 1000, 90]])).toBe(true);
      expect(await store.seedBudget!('t', counter, [[T0 - 1000, 90]])).toBe(false);
      const a = await store.reserveBudget!({ scope: 't', counters: [counter], amount: 11, ttlMs: 10_000 });
      expect(a).toMatchObject({ ok: false, spent: 90 });
      await store.close?.();
    });

    it.skipIf(!shared)(
      'a holder that dies without settling: its hold comes back when its lease expires',
      async () => {
        const clock = manualClock(T0);
        const store = make(clock);
        const dead = await store.reserveBudget!({ scope: 't', counters: [total], amount: 900, ttlMs: 5_000 });
        expect(dead.ok).toBe(true);
        // Another instance (same Redis, same prefix) sees the hold until it expires.
        const other = make(clock, store);
        expect(
          (await other.reserveBudget!({ scope: 't', counters: [total], amount: 200, ttlMs: 5_000 })).ok,
        ).toBe(false);
        clock.advance(5_001);
        const after = await other.reserveBudget!({
          scope: 't',
          counters: [total],
          amount: 200,
          ttlMs: 5_000,
        });
        expect(after).toMatchObject({ ok: true });
        if (after.ok) await other.settleBudget!(after.lease, 0);
        await other.close?.();
        await store.close?.();
      },
    );
  });
}

cases('memory', (clock) => memoryQuota({ clock }), false);

describe.skipIf(!REDIS_URL)('on Redis', () => {
  const admin = REDIS_URL ? connect() : undefined;
  const clients = REDIS_URL ? [connect()] : [];
  afterAll(async () => {
    for (const c of clients) await c.quit();
    if (admin) {
      await deleteKeys(admin, 'mr-test:budget-counters:');
      await admin.quit();
    }
  });
  const prefixes = new WeakMap<QuotaStore, string>();
  cases(
    'redis',
    (clock, sharing) => {
      const prefix = (sharing && prefixes.get(sharing)) ?? testPrefix('budget-counters');
      const store = redisQuota({ client: clients[0]!, prefix, clock });
      prefixes.set(store, prefix);
      return store;
    },
    true,
  );
});

describe('budgets on an unreachable Redis', () => {
  it('fail closed: a request with budgets is refused (STORAGE_ERROR), one without is served from the local fallback', async () => {
    // A client that is offline (ioredis status 'end'): every script fails fast, nothing is sent.
    const offline = {
      status: 'end',
      evalsha: () => Promise.reject(new Error('offline')),
      eval: () => Promise.reject(new Error('offline')),
    };
    const router = new ModelRouter({
      catalog: {
        providers: [{ id: 'p', adapter: 'mock', keys: [{ id: 'k', secret: 'sk-test-0123456789' }] }],
        models: [{ providerId: 'p', modelId: 'm', inputCostPerMTok: 0, outputCostPerMTok: 1000 }],
      },
      adapters: { mock: mockProvider() },
      quota: redisQuota({ client: offline }),
    });
    const at = new Date(0).toISOString();
    const principal = (budgets: Budget[]): TenantPrincipal => ({
      tenant: { id: 't', name: 't', enabled: true, budgets, createdAt: at, updatedAt: at },
      key: { id: 'k', tenantId: 't', preview: 'mr-…', createdAt: at, updatedAt: at },
    });
    const request = { model: 'p/m', messages: [{ role: 'user' as const, content: 'hi' }], maxTokens: 5 };
    const refused = await router.complete(request, { tenant: principal([{ usd: 10, period: 'day' }]) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(RouterError.isInstance(refused, 'STORAGE_ERROR')).toBe(true);
    await expect(router.complete(request, { tenant: principal([]) })).resolves.toMatchObject({
      model: { providerId: 'p', modelId: 'm' },
    });
    expect(router.stats().budgetLeases).toBe(0);
    await router.close();
  });
});
