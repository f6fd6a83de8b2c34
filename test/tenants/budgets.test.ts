import { afterEach, describe, expect, it } from 'vitest';
import { ModelRouter, RouterError } from '../../src/index.js';
import type { Budget, TenantPrincipal } from '../../src/index.js';
import { manualClock } from '../../src/testing/manual-clock.js';
import { type MockStep, mockProvider } from '../../src/testing/mock-provider.js';

/*
 * Budgets (#18 part 2) through the library API on the memory stores: reserve the worst case before the
 * first attempt, settle what the attempts cost, give the difference back exactly once. Prices are
 * output-only ($0.001 a token) so that a request's worst case is its maxTokens × $0.001 exactly.
 */

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

const admin = { actor: { role: 'admin' } };
const hi = [{ role: 'user' as const, content: 'hi' }];
/** 2026-12-05 23:00:00 UTC: an hour before the day's budget resets. */
const T0 = Date.UTC(2026, 11, 5, 23);
const usage = (completionTokens: number) => ({
  promptTokens: 3,
  completionTokens,
  totalTokens: 3 + completionTokens,
});

async function setup(steps: { a?: (i: number) => MockStep; b?: (i: number) => MockStep } = {}) {
  const clock = manualClock(T0);
  const a = mockProvider({ name: 'a', respond: (_c, i) => steps.a?.(i) });
  const b = mockProvider({ name: 'b', respond: (_c, i) => steps.b?.(i) });
  const price = { inputCostPerMTok: 0, outputCostPerMTok: 1000 };
  const router = new ModelRouter({
    clock,
    virtualKeyPepper: 'a-test-pepper-of-16+-bytes',
    adapters: { a, b },
    catalog: {
      providers: [
        { id: 'pa', adapter: 'a', keys: [{ id: 'k', secret: 'sk-test-a' }] },
        { id: 'pb', adapter: 'b', keys: [{ id: 'k', secret: 'sk-test-b' }] },
      ],
      models: [
        { providerId: 'pa', modelId: 'm', ...price },
        // Twice the price: the worst case is taken at the most expensive candidate a request may reach.
        { providerId: 'pb', modelId: 'm', inputCostPerMTok: 0, outputCostPerMTok: 2000 },
        // Prompt prices only: $0.001 a plain input token, $0.0001 read from the cache, $0.002 written to it.
        {
          providerId: 'pa',
          modelId: 'cached',
          inputCostPerMTok: 1000,
          cacheReadCostPerMTok: 100,
          cacheWriteCostPerMTok: 2000,
          outputCostPerMTok: 0,
        },
      ],
      groups: [
        { name: 'one', members: [{ providerId: 'pa', modelId: 'm' }] },
        {
          name: 'fo',
          members: [
            { providerId: 'pa', modelId: 'm' },
            { providerId: 'pb', modelId: 'm' },
          ],
        },
      ],
    },
  });
  open.push(router);
  const tenant = async (budgets: Budget[], keyBudgets?: Budget[]): Promise<TenantPrincipal> => {
    const t = await router.admin.createTenant({ name: `t${open.length}-${Math.random()}`, budgets }, admin);
    const k = await router.admin.createVirtualKey(t.id, keyBudgets ? { budgets: keyBudgets } : {}, admin);
    return router.authenticateKey(k.key);
  };
  /** Another key of the tenant `of` is a key of, with budgets of its own. */
  const keyOf = async (of: TenantPrincipal, keyBudgets: Budget[]): Promise<TenantPrincipal> => {
    const k = await router.admin.createVirtualKey(of.tenant.id, { budgets: keyBudgets }, admin);
    return router.authenticateKey(k.key);
  };
  const held = () => router.stats().budgetLeases;
  return { router, clock, a, b, tenant, keyOf, held };
}

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (RouterError.isInstance(e)) return e.code;
    throw e;
  }
}

/** The BUDGET_EXCEEDED a request is refused with (fails the test otherwise). */
async function budgetRefusal(p: Promise<unknown>): Promise<RouterError<'BUDGET_EXCEEDED'>> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!RouterError.isInstance(e, 'BUDGET_EXCEEDED'))
    throw new Error(`expected BUDGET_EXCEEDED, got ${String(e)}`);
  return e;
}

async function drain(stream: AsyncIterable<unknown>): Promise<string> {
  try {
    for await (const _ of stream) {
      // read to the end
    }
    return 'ok';
  } catch (e) {
    if (RouterError.isInstance(e)) return e.code;
    throw e;
  }
}

describe('budgets: reserve the worst case, settle the real cost', () => {
  it('a day budget admits requests while spent + worst case fits; then BUDGET_EXCEEDED, Retry-After at midnight UTC', async () => {
    const { router, clock, tenant } = await setup({ a: () => ({ text: 'x', usage: usage(2) }) });
    // Worst case 10 tokens = $0.01; each request costs 2 tokens = $0.002. Budget $0.02:
    // after n requests spent = 0.002n, admitted while 0.002n + 0.01 ≤ 0.02 → n ≤ 5, so 6 pass.
    const p = await tenant([{ usd: 0.02, period: 'day' }]);
    const results: string[] = [];
    for (let i = 0; i < 8; i++) {
      results.push(
        await outcome(router.complete({ model: 'one', messages: hi, maxTokens: 10 }, { tenant: p })),
      );
    }
    expect(results).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'BUDGET_EXCEEDED', 'BUDGET_EXCEEDED']);
    const refused = await router
      .complete({ model: 'one', messages: hi, maxTokens: 10 }, { tenant: p })
      .catch((e: unknown) => e);
    expect(RouterError.isInstance(refused, 'BUDGET_EXCEEDED')).toBe(true);
    const e = refused as RouterError<'BUDGET_EXCEEDED'>;
    expect(e.status).toBe(429);
    expect(e.retryAfterMs).toBe(3_600_000);
    expect(e.details).toMatchObject({ scope: 'tenant', period: 'day', limitUsd: 0.02, heldUsd: 0 });
    expect(e.details.spentUsd).toBeCloseTo(0.012, 9);
    expect(e.details.resetsAt).toBe('2026-12-06T00:00:00.000Z');
    // A smaller request still fits: 0.012 + 0.005 ≤ 0.02.
    expect(await outcome(router.complete({ model: 'one', messages: hi, maxTokens: 5 }, { tenant: p }))).toBe(
      'ok',
    );
    // Next day: the budget starts again.
    clock.advance(3_600_000);
    expect(await outcome(router.complete({ model: 'one', messages: hi, maxTokens: 10 }, { tenant: p }))).toBe(
      'ok',
    );
  });

  it('the worst case is taken at the most expensive candidate the request may reach', async () => {
    const { router, tenant } = await setup({ a: () => ({ text: 'x', usage: usage(1) }) });
    // On `fo`, pb costs $0.002 a token: 10 tokens = $0.02 > $0.015, though pa would fit.
    const p = await tenant([{ usd: 0.015, period: 'total' }]);
    const e = await router
      .complete({ model: 'fo', messages: hi, maxTokens: 10 }, { tenant: p })
      .catch((x: unknown) => x);
    expect(RouterError.isInstance(e, 'BUDGET_EXCEEDED')).toBe(true);
    // A total never resets: no Retry-After.
    expect((e as RouterError).retryAfterMs).toBeUndefined();
    expect(await outcome(router.complete({ model: 'one', messages: hi, maxTokens: 10 }, { tenant: p }))).toBe(
      'ok',
    );
  });

  it('streamed usage is counted: a stream that used more than its reservation trips the budget', async () => {
    const { router, tenant, held } = await setup({ a: () => ({ chunks: ['a', 'b'], usage: usage(30) }) });
    const p = await tenant([{ usd: 0.03, period: 'month' }]);
    // Reserves $0.01, really costs $0.03: the budget is then spent.
    expect(await drain(router.stream({ model: 'one', messages: hi, maxTokens: 10 }, { tenant: p }))).toBe(
      'ok',
    );
    expect(await drain(router.stream({ model: 'one', messages: hi, maxTokens: 1 }, { tenant: p }))).toBe(
      'BUDGET_EXCEEDED',
    );
    expect(held()).toBe(0);
  });

  it('a failed-over request counts what every attempt cost, and an interrupted stream its partial output', async () => {
    const { router, tenant, a, b } = await setup({
      a: (i) =>
        i === 0
          ? { error: { status: 500, kind: 'server' } }
          : {
              chunks: ['abcd', 'efgh', 'ijkl'],
              failAfterChunks: 2,
              streamError: { status: 500, kind: 'server' },
            },
      b: () => ({ text: 'x', usage: usage(4) }),
    });
    const p = await tenant([{ usd: 1, period: 'total' }]);
    // pa fails (not billed: no usage), pb serves 4 tokens at $0.002 = $0.008.
    expect(await outcome(router.complete({ model: 'fo', messages: hi, maxTokens: 10 }, { tenant: p }))).toBe(
      'ok',
    );
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
    // pa streams two chunks then breaks: STREAM_INTERRUPTED, its estimated output billed ($0.001 a token).
    expect(await drain(router.stream({ model: 'fo', messages: hi, maxTokens: 10 }, { tenant: p }))).toBe(
      'STREAM_INTERRUPTED',
    );
    const e = await budgetRefusal(
      router.complete({ model: 'one', messages: hi, maxTokens: 1_000_000 }, { tenant: p }),
    );
    expect(RouterError.isInstance(e, 'BUDGET_EXCEEDED')).toBe(true);
    // $0.008 for the failover, plus the interrupted stream's estimate (2 chunks of 4 characters ≥ 2 tokens).
    expect(e.details.spentUsd).toBeGreaterThanOrEqual(0.008 + 0.002 - 1e-12);
    expect(e.details.spentUsd).toBeLessThan(0.008 + 0.01);
  });

  it('cache prices are settled as billed: reads at the read price, writes at the write price', async () => {
    const { router, tenant } = await setup({
      a: (i) => ({
        text: 'x',
        usage: {
          promptTokens: 100,
          completionTokens: 0,
          totalTokens: 100,
          ...(i === 0 ? { cachedPromptTokens: 100 } : { cacheWriteTokens: 100 }),
        },
      }),
    });
    const p = await tenant([{ usd: 1, period: 'total' }]);
    // 100 tokens read from the cache ($0.01), then 100 written to it ($0.2): $0.21, not 2 × $0.1.
    await router.complete({ model: 'pa/cached', messages: hi, maxTokens: 10 }, { tenant: p });
    await router.complete({ model: 'pa/cached', messages: hi, maxTokens: 10 }, { tenant: p });
    const e = await budgetRefusal(
      router.complete({ model: 'one', messages: hi, maxTokens: 1_000_000 }, { tenant: p }),
    );
    expect(e.details.spentUsd).toBeCloseTo(0.21, 9);
  });

  it('a session its cost ceiling admits by its prompt cache (affinity) is still held at the full price: the cache may miss', async () => {
    const { router, tenant, keyOf, held } = await setup();
    // pa/cached: $0.001 a plain prompt token, $0.0001 read from the cache, $0.002 written to it.
    const system = { role: 'system' as const, content: 'x'.repeat(4000) };
    const turn1 = [system, { role: 'user' as const, content: 'fix the parser' }];
    const turn2 = [
      ...turn1,
      { role: 'assistant' as const, content: 'Looking at it.' },
      { role: 'user' as const, content: 'and add a test' },
    ];
    // Affinity entries are the tenant's: turn 1 from one of its keys pins the session for all of them.
    const first = await tenant([]);
    await router.complete(
      { model: 'pa/cached', messages: turn1, maxTokens: 10, affinityKey: 'sess' },
      { tenant: first },
    );
    // Turn 2: 1,027 prompt tokens (≈ $1.03 at the input price, $2.05 written to the cache), 1,012 of
    // them turn 1's prompt: ≈ $0.12 with those read from the cache, under the $0.5 ceiling.
    const request = {
      model: 'pa/cached',
      messages: turn2,
      maxTokens: 10,
      maxCostUsd: 0.5,
      affinityKey: 'sess',
    };
    const small = await keyOf(first, [{ usd: 1, period: 'day' }]);
    const e = await budgetRefusal(router.complete(request, { tenant: small }));
    expect(e.details).toMatchObject({ limitUsd: 1, heldUsd: 0 });
    const large = await keyOf(first, [{ usd: 3, period: 'day' }]);
    expect(await outcome(router.complete(request, { tenant: large }))).toBe('ok');
    // Another tenant has no entry for 'sess': the ceiling refuses its turn 2 at the list price.
    const other = await tenant([{ usd: 3, period: 'day' }]);
    await expect(router.complete(request, { tenant: other })).rejects.toMatchObject({
      code: 'COST_LIMIT_EXCEEDED',
    });
    expect(held()).toBe(0);
  });

  it('every path gives the hold back exactly once: success, failure, abort, refusal by another budget', async () => {
    const { router, tenant, held } = await setup({
      a: (i) =>
        i === 0
          ? { hang: true }
          : i === 1
            ? { error: { status: 400, kind: 'bad_request' } }
            : { text: 'x', usage: usage(0) },
    });
    // Room for one worst case ($0.01) at a time, on the tenant: a leaked hold would refuse the next one.
    const p = await tenant(
      [{ usd: 0.015, period: 'day' }],
      [{ usd: 0.005, period: 'rolling', windowMs: 60_000 }],
    );
    // The key's budget refuses a $0.01 worst case; nothing is held on the tenant's either (all or nothing).
    expect(await outcome(router.complete({ model: 'one', messages: hi, maxTokens: 10 }, { tenant: p }))).toBe(
      'BUDGET_EXCEEDED',
    );
    const q = await tenant([{ usd: 0.015, period: 'day' }]);
    const controller = new AbortController();
    const hanging = outcome(
      router.complete(
        { model: 'one', messages: hi, maxTokens: 10 },
        { tenant: q, signal: controller.signal },
      ),
    );
    await vi_waitFor(() => held() === 1);
    // While it holds $0.01, a second worst case of $0.01 does not fit in $0.015.
    expect(await outcome(router.complete({ model: 'one', messages: hi, maxTokens: 10 }, { tenant: q }))).toBe(
      'BUDGET_EXCEEDED',
    );
    controller.abort();
    expect(await hanging).toBe('ABORTED');
    expect(held()).toBe(0);
    // A provider failure (not billed) gives its hold back too; then a success, at $0.
    expect(
      await outcome(router.complete({ model: 'one', messages: hi, maxTokens: 10 }, { tenant: q })),
    ).not.toBe('ok');
    expect(await outcome(router.complete({ model: 'one', messages: hi, maxTokens: 10 }, { tenant: q }))).toBe(
      'ok',
    );
    expect(held()).toBe(0);
    expect(router.stats().leases).toMatchObject({ outstanding: 0, doubleReleases: 0 });
  });

  it('a key budget over a rolling window: its own scope, Retry-After when its oldest spend leaves the window', async () => {
    const { router, clock, tenant } = await setup({ a: () => ({ text: 'x', usage: usage(5) }) });
    const p = await tenant(
      [{ usd: 1, period: 'month' }],
      [{ usd: 0.01, period: 'rolling', windowMs: 60_000 }],
    );
    expect(await outcome(router.complete({ model: 'one', messages: hi, maxTokens: 5 }, { tenant: p }))).toBe(
      'ok',
    );
    clock.advance(10_000);
    const e = await budgetRefusal(
      router.complete({ model: 'one', messages: hi, maxTokens: 6 }, { tenant: p }),
    );
    expect(RouterError.isInstance(e, 'BUDGET_EXCEEDED')).toBe(true);
    expect(e.details).toMatchObject({ scope: 'virtual_key', period: 'rolling' });
    // The $0.005 spent at T0 leaves the window at T0 + 60 s (+ at most one 1 s bucket): 50–51 s from now.
    expect(e.retryAfterMs).toBeGreaterThanOrEqual(50_000);
    expect(e.retryAfterMs).toBeLessThanOrEqual(51_000);
    clock.advance(e.retryAfterMs!);
    expect(await outcome(router.complete({ model: 'one', messages: hi, maxTokens: 6 }, { tenant: p }))).toBe(
      'ok',
    );
  });
});

/** Poll a condition on the event loop (no clock: the router's clock is manual). */
async function vi_waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setImmediate(r));
  expect(condition()).toBe(true);
}
