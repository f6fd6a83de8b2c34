import { describe, expect, it, vi } from 'vitest';
import { memoryQuota } from '../../src/index.js';
import { expectReleased, hi, setup } from '../router/helpers.js';

// The router reserves and settles on the memory store without a promise; a store whose methods
// were replaced (a wrapper, a spy) is called as replaced, a promise awaited.
describe('sync quota path', () => {
  it('the memory store reserves and settles once per attempt, everything released', async () => {
    const quota = memoryQuota();
    const { router } = setup({ router: { quota } });
    await router.complete({ model: 'coding', messages: hi });
    expect(quota.accounting?.()).toEqual({ acquired: 1, released: 1, outstanding: 0, doubleReleases: 0 });
    expectReleased(router);
  });

  it('a spied reserve and settle are called, and what they return is used', async () => {
    const quota = memoryQuota();
    const reserve = vi.spyOn(quota, 'reserve');
    const settle = vi.spyOn(quota, 'settle');
    const { router } = setup({ router: { quota } });
    await router.complete({ model: 'coding', messages: hi });
    expect(reserve).toHaveBeenCalledTimes(1);
    expect(settle).toHaveBeenCalledTimes(1);
    expect(await reserve.mock.results[0]!.value).toMatchObject({ ok: true });
    expectReleased(router);
  });

  it('a copy of the store with its own reserve and settle is called as written', async () => {
    const inner = memoryQuota();
    const calls: string[] = [];
    const quota = {
      ...inner,
      reserve: (input: Parameters<typeof inner.reserve>[0]) => {
        calls.push('reserve');
        return inner.reserve(input);
      },
      settle: async (...args: Parameters<typeof inner.settle>) => {
        calls.push('settle');
        await inner.settle(...args);
      },
    };
    const { router } = setup({ router: { quota } });
    await router.complete({ model: 'coding', messages: hi });
    expect(calls).toEqual(['reserve', 'settle']);
    expect(inner.accounting?.()).toMatchObject({ acquired: 1, released: 1, doubleReleases: 0 });
  });

  it('a settle that throws at once is reported, and the request still succeeds', async () => {
    const quota = memoryQuota();
    const { router } = setup({ router: { quota } });
    quota.settle = () => {
      throw new Error('store down');
    };
    const errors: unknown[] = [];
    router.on('error', (e) => void errors.push(e));
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.message.content).toBeDefined();
    expect(errors).toHaveLength(1);
  });
});
