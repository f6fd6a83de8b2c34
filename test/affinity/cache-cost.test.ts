import { describe, expect, it } from 'vitest';
import { hi, setup } from '../router/helpers.js';

const catalog = (prices: object) => ({
  providers: [{ id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 'secret-a1' }] }],
  models: [{ providerId: 'a', modelId: 'model-a', inputCostPerMTok: 3, outputCostPerMTok: 15, ...prices }],
});
const usage = {
  promptTokens: 1000,
  completionTokens: 10,
  totalTokens: 1010,
  cachedPromptTokens: 800,
  cacheWriteTokens: 100,
};

describe('cached prompt tokens in results, usage records and costUsd', () => {
  it('bills cache reads and writes at the model cache prices, the rest at the input price', async () => {
    const { router, usage: records } = setup({
      catalog: catalog({ cacheReadCostPerMTok: 0.3, cacheWriteCostPerMTok: 3.75 }),
      a: { fallback: { text: 'ok', usage } },
    });
    const result = await router.complete({ model: 'a/model-a', messages: hi });
    expect(result.usage).toMatchObject({
      promptTokens: 1000,
      cachedPromptTokens: 800,
      cacheWriteTokens: 100,
    });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ cachedPromptTokens: 800, cacheWriteTokens: 100 });
    // 100 plain × $3 + 800 read × $0.30 + 100 written × $3.75 + 10 out × $15, per million.
    expect(records[0]!.costUsd).toBeCloseTo((100 * 3 + 800 * 0.3 + 100 * 3.75 + 10 * 15) / 1e6, 12);
  });

  it('without cache prices, cached tokens cost the input price', async () => {
    const { router, usage: records } = setup({
      catalog: catalog({}),
      a: { fallback: { text: 'ok', usage } },
    });
    await router.complete({ model: 'a/model-a', messages: hi });
    expect(records[0]!.costUsd).toBeCloseTo((1000 * 3 + 10 * 15) / 1e6, 12);
  });

  it('the same for streams', async () => {
    const { router, usage: records } = setup({
      catalog: catalog({ cacheReadCostPerMTok: 0.3 }),
      a: { fallback: { text: 'ok', usage } },
    });
    const s = router.stream({ model: 'a/model-a', messages: hi });
    for await (const _ of s) {
      // drain
    }
    expect((await s.result).usage.cachedPromptTokens).toBe(800);
    expect(records[0]!.costUsd).toBeCloseTo((100 * 3 + 800 * 0.3 + 100 * 3 + 10 * 15) / 1e6, 12);
  });

  it('cache prices are validated like the other prices', async () => {
    expect(() => setup({ catalog: catalog({ cacheReadCostPerMTok: -1 }) })).toThrow(/cacheReadCostPerMTok/);
  });
});
