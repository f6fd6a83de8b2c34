import { describe, expect, it } from 'vitest';
import { hi, oneProviderCatalog, rejectsWith, setup } from './helpers.js';

describe('a candidate passed over says why and when it returns', () => {
  it('plan() gives retryAfterMs for a key whose rpm window is full, as complete() does', async () => {
    const { router, clock } = setup({ catalog: oneProviderCatalog([{ id: 'a1', secret: 's', rpm: 1 }]) });
    await router.complete({ model: 'a/model-a', messages: hi });
    clock.advance(20_000);
    const [planned] = await router.plan('a/model-a');
    expect(planned).toMatchObject({ skip: 'exhausted' });
    expect(planned!.retryAfterMs).toBeGreaterThan(0);
    expect(planned!.retryAfterMs).toBeLessThanOrEqual(60_000 - 20_000 + 2_000); // window buckets: a little slack
    const error = await rejectsWith(router.complete({ model: 'a/model-a', messages: hi }), 'QUOTA_EXHAUSTED');
    expect(error.retryAfterMs).toBe(planned!.retryAfterMs);
  });

  it('skipping an exhausted candidate emits a skip event with when capacity returns', async () => {
    const { router, a, b } = setup({
      catalog: {
        providers: [
          { id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 's', rpm: 1 }] },
          { id: 'b', adapter: 'mockB', keys: [{ id: 'b1', secret: 's' }] },
        ],
        models: [
          { providerId: 'a', modelId: 'model-a' },
          { providerId: 'b', modelId: 'model-b' },
        ],
        groups: [
          {
            name: 'coding',
            failoverStrategy: 'priority',
            members: [
              { providerId: 'a', modelId: 'model-a', priority: 0 },
              { providerId: 'b', modelId: 'model-b', priority: 1 },
            ],
          },
        ],
      },
    });
    const skips: Array<{ providerId: string; reason: string; retryAfterMs?: number }> = [];
    router.on('skip', (e) => void skips.push(e));
    await router.complete({ model: 'coding', messages: hi });
    expect(skips).toEqual([]);
    const second = await router.complete({ model: 'coding', messages: hi });
    expect(second.model.providerId).toBe('b');
    expect(skips).toHaveLength(1);
    expect(skips[0]).toMatchObject({ providerId: 'a', reason: 'rpm' });
    expect(skips[0]!.retryAfterMs).toBeGreaterThan(0);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(1);
  });
});

describe('pre-call context check', () => {
  // twoProviderCatalog: a/model-a has an 8,000-token window, b/model-b 128,000.
  const long = [{ role: 'user' as const, content: 'x'.repeat(40_000) }]; // ≈ 10,000 tokens

  it('a prompt that cannot fit is not sent: the candidate that fits serves at once', async () => {
    const { router, a, b } = setup();
    const skips: string[] = [];
    router.on('skip', (e) => void skips.push(`${e.providerId}:${e.reason}`));
    const res = await router.complete({ model: 'coding', messages: long });
    expect(res.model.providerId).toBe('b');
    expect(a.calls).toHaveLength(0);
    expect(b.calls).toHaveLength(1);
    expect(res.attempts).toHaveLength(1);
    expect(skips).toEqual(['a:context_window']);
    // A short prompt still goes to a.
    expect((await router.complete({ model: 'coding', messages: hi })).model.providerId).toBe('a');
  });

  it('the output reserve counts: maxTokens that would overflow the window skips the candidate', async () => {
    const { router, a } = setup();
    const res = await router.complete({ model: 'coding', messages: hi, maxTokens: 8_000 });
    expect(res.model.providerId).toBe('b');
    expect(a.calls).toHaveLength(0);
  });

  it('plan() shows it when given the request; the final error names it when nothing fits', async () => {
    const { router, a, b } = setup();
    const planned = await router.plan('coding', { request: { messages: long } });
    expect(planned.find((p) => p.providerId === 'a')).toMatchObject({ skip: 'context_window' });
    expect(planned.find((p) => p.providerId === 'b')?.skip).toBeUndefined();
    expect((await router.plan('coding')).find((p) => p.providerId === 'a')?.skip).toBeUndefined();
    const huge = [{ role: 'user' as const, content: 'x'.repeat(600_000) }];
    const error = await rejectsWith(
      router.complete({ model: 'coding', messages: huge }),
      'ALL_CANDIDATES_FAILED',
    );
    expect(error.message).toContain('context window too small');
    expect(error.details.skipped).toEqual([
      expect.objectContaining({ providerId: 'a', reason: 'context_window' }),
      expect.objectContaining({ providerId: 'b', reason: 'context_window' }),
    ]);
    expect(a.calls.length + b.calls.length).toBe(0);
    await rejectsWith(router.plan('coding', { request: { messages: 'nope' } } as never), 'VALIDATION');
  });
});
