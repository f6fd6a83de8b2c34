import { describe, expect, it } from 'vitest';
import { expectReleased, hi, setup } from './helpers.js';

describe('smoke', () => {
  it('completes through the first candidate', async () => {
    const { router, a } = setup();
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.message.content).toBe('ok');
    expect(res.model).toEqual({ providerId: 'a', modelId: 'model-a' });
    expect(res.groupName).toBe('coding');
    expect(a.calls).toHaveLength(1);
    expectReleased(router);
  });

  it('fails over on 500 to the next candidate', async () => {
    const { router, a, b } = setup({ a: { script: [{ error: { status: 500 } }] } });
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.model.providerId).toBe('b');
    expect(res.attempts.map((x) => x.status)).toEqual(['error', 'success']);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(1);
    expectReleased(router);
  });

  it('streams', async () => {
    const { router } = setup({ a: { fallback: { text: 'hello big world' } } });
    const parts = [];
    const s = router.stream({ model: 'coding', messages: hi });
    for await (const p of s) parts.push(p);
    expect(parts.map((p) => p.type)).toEqual(['start', 'text-delta', 'text-delta', 'text-delta', 'finish']);
    const r = await s.result;
    expect(r.message.content).toBe('hello big world');
    expectReleased(router);
  });
});
