import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CatalogInput } from '../../src/catalog/inputs.js';
import { expectReleased, hi, rejectsWith, setup } from './helpers.js';

/** Three models on two providers: `cheapin` (cheap prompt, dear output), `cheapout` (the reverse), `free` (no prices). */
function pricedCatalog(strategy: string): CatalogInput {
  return {
    providers: [
      { id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 'secret-a1', rpm: 1000 }] },
      { id: 'b', adapter: 'mockB', keys: [{ id: 'b1', secret: 'secret-b1', rpm: 1000 }] },
    ],
    models: [
      { providerId: 'a', modelId: 'cheapin', inputCostPerMTok: 0.1, outputCostPerMTok: 20 },
      { providerId: 'b', modelId: 'cheapout', inputCostPerMTok: 5, outputCostPerMTok: 1 },
      { providerId: 'a', modelId: 'free' },
    ],
    groups: [
      {
        name: 'g',
        failoverStrategy: strategy,
        members: [
          { providerId: 'a', modelId: 'free', priority: 0 },
          { providerId: 'a', modelId: 'cheapin', priority: 1 },
          { providerId: 'b', modelId: 'cheapout', priority: 2 },
        ],
      },
    ],
  };
}

const longPrompt = [{ role: 'user' as const, content: 'x'.repeat(400_000) }]; // ~100k tokens

describe('cheapest', () => {
  it('orders by the expected cost of this request: prompt estimate and output reserve at the model prices', async () => {
    const { router } = setup({ catalog: pricedCatalog('cheapest') });
    // A long prompt with a short answer: the cheap prompt price wins.
    const long = await router.plan('g', { request: { messages: longPrompt, maxTokens: 10 } });
    expect(long.map((c) => c.modelId)).toEqual(['cheapin', 'cheapout', 'free']);
    // A short prompt with a long answer: the cheap output price wins. Unpriced models go last.
    const short = await router.plan('g', { request: { messages: hi, maxTokens: 4000 } });
    expect(short.map((c) => c.modelId)).toEqual(['cheapout', 'cheapin', 'free']);
  });

  it('serves on the cheapest, and fails over to the next cheapest', async () => {
    const { router, a, b } = setup({
      catalog: pricedCatalog('cheapest'),
      b: { script: [{ error: { status: 503 } }] },
    });
    const r1 = await router.complete({ model: 'g', messages: hi, maxTokens: 4000 });
    expect(r1.model.modelId).toBe('cheapin'); // cheapout (b) failed: next cheapest
    expect(b.calls).toHaveLength(1);
    expect(a.calls.map((c) => c.modelId)).toEqual(['cheapin']);
    expectReleased(router);
  });

  it('equal costs: the one with more headroom first', async () => {
    const catalog: CatalogInput = {
      providers: [
        { id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 's1', rpm: 10 }] },
        { id: 'b', adapter: 'mockB', keys: [{ id: 'b1', secret: 's2', rpm: 10 }] },
      ],
      models: [
        { providerId: 'a', modelId: 'm', inputCostPerMTok: 1, outputCostPerMTok: 1 },
        { providerId: 'b', modelId: 'm', inputCostPerMTok: 1, outputCostPerMTok: 1 },
      ],
      groups: [
        {
          name: 'g',
          failoverStrategy: 'cheapest',
          members: [
            { providerId: 'a', modelId: 'm' },
            { providerId: 'b', modelId: 'm' },
          ],
        },
      ],
    };
    const { router } = setup({ catalog });
    expect((await router.plan('g')).map((c) => c.providerId)).toEqual(['a', 'b']);
    await router.complete({ model: 'a/m', messages: hi });
    expect((await router.plan('g')).map((c) => c.providerId)).toEqual(['b', 'a']);
  });
});

describe('maxCostUsd', () => {
  it('skips candidates above the ceiling (and unpriced ones), with the reason in plan()', async () => {
    const { router, a, b } = setup({ catalog: pricedCatalog('priority') });
    // 4000 output tokens: cheapin ≈ $0.08, cheapout ≈ $0.004.
    const request = { messages: hi, maxTokens: 4000, maxCostUsd: 0.01 };
    const plan = await router.plan('g', { request });
    expect(plan.map((c) => [c.modelId, c.skip])).toEqual([
      ['cheapout', undefined],
      ['free', 'cost_ceiling'],
      ['cheapin', 'cost_ceiling'],
    ]);
    const result = await router.complete({ model: 'g', ...request });
    expect(result.model.modelId).toBe('cheapout');
    expect(a.calls).toHaveLength(0);
    expect(b.calls).toHaveLength(1);
  });

  it('none left: COST_LIMIT_EXCEEDED naming the cheapest cost, nothing called, nothing held', async () => {
    const { router, a, b, usage } = setup({ catalog: pricedCatalog('cheapest') });
    const error = await rejectsWith(
      router.complete({ model: 'g', messages: hi, maxTokens: 4000, maxCostUsd: 0.001 }),
      'COST_LIMIT_EXCEEDED',
    );
    expect(error.details).toMatchObject({ maxCostUsd: 0.001 });
    expect((error.details as { cheapestUsd: number }).cheapestUsd).toBeCloseTo((5 * 5 + 4000 * 1) / 1e6, 9); // prompt estimate of "hi": 1 token + 4 of framing
    expect((error.details as { skipped: unknown[] }).skipped).toHaveLength(3);
    expect(a.calls.length + b.calls.length).toBe(0);
    expect(usage).toHaveLength(0);
    // Streams fail the same way.
    const s = router.stream({ model: 'g', messages: hi, maxTokens: 4000, maxCostUsd: 0.001 });
    await rejectsWith(s.result, 'COST_LIMIT_EXCEEDED');
    expectReleased(router);
  });

  it('refuses a hostile ceiling at the boundary', async () => {
    const { router } = setup({ catalog: pricedCatalog('cheapest') });
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '0.1', 1e9]) {
      await rejectsWith(
        router.complete({ model: 'g', messages: hi, maxCostUsd: bad as number }),
        'VALIDATION',
      );
    }
  });
});

describe('fastest', () => {
  afterEach(() => vi.useRealTimers());

  it('probes unmeasured candidates first, then orders by time to first token plus output at the measured speed', async () => {
    vi.useFakeTimers();
    const words = (n: number) => Array.from({ length: n }, () => 'word ').join('');
    const catalog: CatalogInput = {
      providers: [
        { id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 's1' }] },
        { id: 'b', adapter: 'mockB', keys: [{ id: 'b1', secret: 's2' }] },
      ],
      models: [
        { providerId: 'a', modelId: 'm' },
        { providerId: 'b', modelId: 'm' },
      ],
      groups: [
        {
          name: 'g',
          failoverStrategy: 'fastest',
          members: [
            { providerId: 'a', modelId: 'm' },
            { providerId: 'b', modelId: 'm' },
          ],
        },
      ],
    };
    // a: slow to start (1 s), fast after (10 ms a chunk); b: quick to start (100 ms), slow after (200 ms a chunk).
    const { router } = setup({
      catalog,
      time: 'fake',
      a: { fallback: { text: words(20), delayMs: 1_000, chunkDelayMs: 10 } },
      b: { fallback: { text: words(20), delayMs: 100, chunkDelayMs: 200 } },
    });
    expect((await router.plan('g')).map((c) => c.providerId)).toEqual(['a', 'b']);
    const drain = async (model: string) => {
      const s = router.stream({ model, messages: hi });
      const done = (async () => {
        for await (const _ of s) {
          // read
        }
      })();
      await vi.advanceTimersByTimeAsync(10_000);
      await done;
    };
    await drain('a/m');
    // b was never measured: it goes first, to get a sample.
    expect((await router.plan('g')).map((c) => c.providerId)).toEqual(['b', 'a']);
    await drain('b/m');
    // A short answer: b's quick start wins; a long one: a's speed wins.
    expect(
      (await router.plan('g', { request: { messages: hi, maxTokens: 5 } })).map((c) => c.providerId),
    ).toEqual(['b', 'a']);
    expect(
      (await router.plan('g', { request: { messages: hi, maxTokens: 2000 } })).map((c) => c.providerId),
    ).toEqual(['a', 'b']);
  });
});
