import { describe, expect, it } from 'vitest';
import type { CatalogInput } from '../../src/catalog/inputs.js';
import { hi, oneProviderCatalog, rejectsWith, setup, twoProviderCatalog } from './helpers.js';

const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

describe('ALL_CANDIDATES_FAILED and QUOTA_EXHAUSTED name each skipped candidate and why', () => {
  it('every circuit open: the message says so and when each next probe is due', async () => {
    const { router, clock } = setup({
      a: { fallback: { error: { status: 500 } } },
      b: { fallback: { error: { status: 500 } } },
      router: { circuitBreaker: { failureThreshold: 1, probeIntervalMs: 5_000 }, random: () => 0 },
    });
    await rejectsWith(router.complete({ model: 'coding', messages: hi }), 'ALL_CANDIDATES_FAILED');
    clock.advance(1_000);
    const err = await rejectsWith(
      router.complete({ model: 'coding', messages: hi }),
      'ALL_CANDIDATES_FAILED',
    );
    expect(err.message).toMatch(
      new RegExp(
        `^All candidates failed after 0 attempt\\(s\\): no candidate left; skipped: ` +
          `a/model-a circuit open until ${ISO} \\(next probe in 4 s\\); ` +
          `b/model-b circuit open until ${ISO} \\(next probe in 4 s\\)$`,
      ),
    );
    const skipped = err.details.skipped as Array<Record<string, unknown>>;
    expect(skipped).toEqual([
      {
        providerId: 'a',
        modelId: 'model-a',
        reason: 'circuit_open',
        retryAfterMs: 4_000,
        until: clock.now() + 4_000,
      },
      {
        providerId: 'b',
        modelId: 'model-b',
        reason: 'circuit_open',
        retryAfterMs: 4_000,
        until: clock.now() + 4_000,
      },
    ]);
  });

  it('cooling keys, a full window and a missing adapter, each with its reason', async () => {
    const catalog: CatalogInput = {
      providers: [
        { id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 's' }] },
        { id: 'b', adapter: 'mockB', keys: [{ id: 'b1', secret: 's', rpm: 1 }] },
        { id: 'c', adapter: 'nowhere', keys: [{ id: 'c1', secret: 's' }] },
      ],
      models: [
        { providerId: 'a', modelId: 'model-a' },
        { providerId: 'b', modelId: 'model-b' },
        { providerId: 'c', modelId: 'model-c' },
      ],
      groups: [
        {
          name: 'g',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'a', modelId: 'model-a', priority: 0 },
            { providerId: 'b', modelId: 'model-b', priority: 1 },
            { providerId: 'c', modelId: 'model-c', priority: 2 },
          ],
        },
      ],
    };
    const { router } = setup({
      catalog,
      a: { script: [{ error: { status: 429, retryAfterMs: 30_000 } }] },
      router: { maxAttempts: 1, timeouts: { queueWaitMs: 0 } },
    });
    await rejectsWith(router.complete({ model: 'a/model-a', messages: hi }), 'ALL_CANDIDATES_FAILED');
    await router.complete({ model: 'b/model-b', messages: hi }); // b's rpm window is full now
    const err = await rejectsWith(router.complete({ model: 'g', messages: hi }), 'QUOTA_EXHAUSTED');
    expect(err.message).toMatch(
      new RegExp(
        `a/model-a cooling until ${ISO} \\(frees in 30 s\\); ` +
          `b/model-b rpm window full until ${ISO} \\(frees in \\d+(\\.\\d)? s\\); ` +
          'c/model-c no adapter$',
      ),
    );
    expect((err.details.skipped as Array<{ reason: string }>).map((s) => s.reason)).toEqual([
      'cooling',
      'rpm',
      'no_adapter',
    ]);
  });

  it('bounded: a long list names the first few and counts the rest', async () => {
    const n = 40;
    const long = 'p'.repeat(88); // ids may be up to 100 characters; messages clip them
    const catalog: CatalogInput = {
      providers: Array.from({ length: n }, (_, i) => ({
        id: `${long}${i}`,
        adapter: 'missing',
        keys: [{ id: 'k', secret: 's' }],
      })),
      models: Array.from({ length: n }, (_, i) => ({ providerId: `${long}${i}`, modelId: 'm' })),
      groups: [
        {
          name: 'big',
          members: Array.from({ length: n }, (_, i) => ({ providerId: `${long}${i}`, modelId: 'm' })),
        },
      ],
    };
    const { router } = setup({ catalog });
    const err = await rejectsWith(router.complete({ model: 'big', messages: hi }), 'ALL_CANDIDATES_FAILED');
    expect(err.message).toContain('and 34 more');
    expect(err.message.length).toBeLessThan(1_000);
    expect(err.details.skipped).toHaveLength(20);
    expect(err.details.skippedMore).toBe(20);
  });

  it('a direct model that failed: the last error is quoted, clipped', async () => {
    const { router } = setup({
      catalog: oneProviderCatalog(),
      a: { fallback: { error: { status: 400, message: 'x'.repeat(5_000) } } },
    });
    const err = await rejectsWith(router.complete({ model: 'a/model-a', messages: hi }), 'PROVIDER_ERROR');
    expect(err.message.length).toBe(5_000); // a provider error is itself, not a summary
    const { router: r2 } = setup({
      catalog: twoProviderCatalog(),
      a: { fallback: { error: { status: 404, message: 'y'.repeat(5_000) } } },
      b: { fallback: { error: { status: 404, message: 'y'.repeat(5_000) } } },
    });
    const summary = await rejectsWith(
      r2.complete({ model: 'coding', messages: hi }),
      'ALL_CANDIDATES_FAILED',
    );
    expect(summary.message.length).toBeLessThan(500);
  });
});
