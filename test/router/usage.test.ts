import { describe, expect, it } from 'vitest';
import type { CatalogInput } from '../../src/catalog/inputs.js';
import type { UsageRecord } from '../../src/index.js';
import { hi, setup } from './helpers.js';

const T0 = 1_700_000_000_000;

const pricedCatalog = (): CatalogInput => ({
  providers: [
    { id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 's' }] },
    { id: 'b', adapter: 'mockB', keys: [{ id: 'b1', secret: 's' }] },
  ],
  models: [
    { providerId: 'a', modelId: 'model-a', inputCostPerMTok: 3, outputCostPerMTok: 15 },
    { providerId: 'b', modelId: 'model-b' },
  ],
  groups: [
    {
      name: 'coding',
      members: [
        { providerId: 'a', modelId: 'model-a', priority: 0 },
        { providerId: 'b', modelId: 'model-b', priority: 1 },
      ],
    },
  ],
});

describe('usage records and results', () => {
  it('one record per attempt, failures included, to onUsage, the usage event and storage, in order', async () => {
    const s = setup({
      catalog: pricedCatalog(),
      a: {
        respond: () => {
          s.clock.advance(250);
          return { error: { status: 503 } };
        },
      },
      b: {
        respond: () => {
          s.clock.advance(400);
          return { text: 'hello there', usage: { promptTokens: 12, completionTokens: 3, totalTokens: 15 } };
        },
      },
    });
    const { router, usage } = s;
    const events: UsageRecord[] = [];
    router.on('usage', (r) => void events.push(r));
    const res = await router.complete({ model: 'coding', messages: hi }, { requestId: 'u1' });
    expect(usage).toEqual([
      {
        requestId: 'u1',
        attempt: 1,
        operation: 'chat',
        status: 'error',
        groupName: 'coding',
        providerId: 'a',
        modelId: 'model-a',
        keyId: 'a1',
        promptTokens: 0,
        completionTokens: 0,
        totalTokens: 0,
        estimated: false,
        costUsd: 0,
        latencyMs: 250,
        errorCode: 'overloaded',
        httpStatus: 503,
        stream: false,
        startedAt: T0,
        finishedAt: T0 + 250,
      },
      {
        requestId: 'u1',
        attempt: 2,
        operation: 'chat',
        status: 'success',
        groupName: 'coding',
        providerId: 'b',
        modelId: 'model-b',
        keyId: 'b1',
        promptTokens: 12,
        completionTokens: 3,
        totalTokens: 15,
        estimated: false,
        latencyMs: 400,
        stream: false,
        startedAt: T0 + 250,
        finishedAt: T0 + 650,
      },
    ]);
    expect(events).toEqual(usage);
    expect(res).toMatchObject({
      requestId: 'u1',
      model: { providerId: 'b', modelId: 'model-b' },
      groupName: 'coding',
      responseModel: 'model-b',
      message: { role: 'assistant', content: 'hello there' },
      finishReason: { unified: 'stop' },
      usage: { promptTokens: 12, completionTokens: 3, totalTokens: 15, estimated: false },
      latencyMs: 650,
    });
    expect(res.attempts.map((x) => [x.attempt, x.status, x.latencyMs])).toEqual([
      [1, 'error', 250],
      [2, 'success', 400],
    ]);
  });

  it('costUsd from the model prices', async () => {
    const { router, usage } = setup({
      catalog: pricedCatalog(),
      a: { fallback: { text: 'x', usage: { promptTokens: 1_000, completionTokens: 200 } } },
    });
    await router.complete({ model: 'a/model-a', messages: hi });
    expect(usage[0]!.costUsd).toBeCloseTo((3 * 1_000 + 15 * 200) / 1e6, 12);
    expect(usage[0]!.totalTokens).toBe(1_200);
  });

  it('estimated usage when the provider reports none', async () => {
    const { router, usage } = setup({ a: { fallback: { text: 'abcdefgh', usage: null } } });
    const res = await router.complete({
      model: 'a/model-a',
      messages: [{ role: 'user', content: 'x'.repeat(40) }],
    });
    // prompt: 40 chars / 4 + 4 per message; completion: 8 chars / 4
    expect(res.usage).toEqual({ promptTokens: 14, completionTokens: 2, totalTokens: 16, estimated: true });
    expect(usage[0]).toMatchObject({ promptTokens: 14, completionTokens: 2, estimated: true });
  });

  it('a custom estimateTokens is what the tpm window reserves', async () => {
    const { router } = setup({
      catalog: {
        providers: [{ id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 's', tpm: 1_000 }] }],
        models: [{ providerId: 'a', modelId: 'model-a' }],
      },
      a: { script: [{ hang: true }] },
      router: { estimateTokens: () => 300 },
    });
    const ac = new AbortController();
    const p = router.complete({ model: 'model-a', messages: hi, maxTokens: 100 }, { signal: ac.signal });
    await new Promise<void>((r) => setImmediate(r));
    expect(router.stats().keys[0]!.tokensInWindow).toBe(400);
    ac.abort();
    await p.catch(() => {});
    expect(router.stats().keys[0]!.tokensInWindow).toBe(0); // reconciled: nothing was used
  });
});
