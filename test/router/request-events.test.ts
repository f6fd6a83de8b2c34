import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RouterEvents } from '../../src/index.js';
import { expectReleased, hi, oneProviderCatalog, rejectsWith, setup, tick } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

/*
 * `success` and `failure` name the model the request resolved to and the time it waited for
 * capacity, so that metrics and the dashboard need no requestId → model map of their own.
 */
describe('success and failure events: model, group, latency, queue wait', () => {
  it('a failure after resolution names the group; one before it names no model', async () => {
    const { router, a, b, clock } = setup({
      a: { fallback: { error: { status: 500 } } },
      b: { fallback: { error: { status: 400, message: 'bad' } } },
    });
    const failures: RouterEvents['failure'][] = [];
    router.on('failure', (e) => void failures.push(e));
    a.push({ error: { status: 500 }, delayMs: 0 });
    const p = router.complete({ model: 'coding', messages: hi }, { requestId: 'r1' });
    clock.advance(250);
    await rejectsWith(p, 'PROVIDER_ERROR');
    await rejectsWith(router.complete({ model: 'no-such-model', messages: hi }), 'UNKNOWN_MODEL');
    await rejectsWith(
      router.complete({ model: 'model-b', messages: hi }, { requestId: 'r3' }),
      'PROVIDER_ERROR',
    );

    expect(failures).toHaveLength(3);
    expect(failures[0]).toMatchObject({
      requestId: 'r1',
      model: 'coding',
      groupName: 'coding',
      latencyMs: 250,
      queueWaitMs: 0,
    });
    expect(failures[1]!.error.code).toBe('UNKNOWN_MODEL');
    expect(failures[1]).not.toHaveProperty('model'); // a hostile name never becomes a label
    expect(failures[1]).not.toHaveProperty('groupName');
    expect(failures[2]).toMatchObject({ requestId: 'r3', model: 'model-b' });
    expect(failures[2]).not.toHaveProperty('groupName');
    expect(b.calls.length).toBeGreaterThan(0);
    expectReleased(router);
  });

  it('a stream that fails names its model too, and a streamed success names it', async () => {
    const { router, a, b } = setup({ b: { fallback: { error: { status: 400, message: 'bad' } } } });
    const seen: Array<[string, string | undefined]> = [];
    router.on('failure', (e) => void seen.push(['failure', e.model]));
    router.on('success', (e) => void seen.push(['success', e.model]));
    a.push({ error: { status: 400, message: 'no' } });
    const failed = router.stream({ model: 'coding', messages: hi });
    await rejectsWith(failed.result, 'PROVIDER_ERROR');
    a.push({ chunks: ['x'] });
    for await (const _ of router.stream({ model: 'a/model-a', messages: hi })) {
      // drain
    }
    expect(seen).toEqual([
      ['failure', 'coding'],
      ['success', 'a/model-a'],
    ]);
    expect(b.calls).toHaveLength(0); // a 400 does not fail over
    expectReleased(router);
  });

  it('queueWaitMs: the time a request waited for a slot, on success and on QUEUE_TIMEOUT', async () => {
    vi.useFakeTimers();
    const { router } = setup({
      time: 'fake',
      catalog: oneProviderCatalog([{ id: 'a1', secret: 's', maxConcurrent: 1 }]),
      a: { script: [{ text: 'held', delayMs: 1_500 }, { text: 'second' }, { hang: true }] },
      router: { timeouts: { queueWaitMs: 3_000 } },
    });
    const successes: RouterEvents['success'][] = [];
    const failures: RouterEvents['failure'][] = [];
    router.on('success', (e) => void successes.push(e));
    router.on('failure', (e) => void failures.push(e));

    const first = router.complete({ model: 'model-a', messages: hi });
    await tick();
    const second = router.complete({ model: 'model-a', messages: hi }); // waits for first's slot
    await tick();
    expect(router.stats().queued).toBe(1);
    await vi.advanceTimersByTimeAsync(1_500);
    await first;
    expect((await second).message.content).toBe('second');
    expect(successes.map((e) => e.queueWaitMs)).toEqual([0, 1_500]);

    const holder = new AbortController();
    const third = router.complete({ model: 'model-a', messages: hi }, { signal: holder.signal });
    await tick();
    const fourth = router.complete({ model: 'model-a', messages: hi });
    fourth.catch(() => {});
    await vi.advanceTimersByTimeAsync(3_000);
    await rejectsWith(fourth, 'QUEUE_TIMEOUT');
    expect(failures.at(-1)).toMatchObject({ model: 'model-a', queueWaitMs: 3_000 });
    holder.abort();
    await rejectsWith(third, 'ABORTED');
    expect(failures.at(-1)).toMatchObject({ model: 'model-a', queueWaitMs: 0 });
    expectReleased(router);
  });

  it('countTokens() announces no request: no success or failure would ever close it', async () => {
    const { router } = setup();
    const seen: string[] = [];
    for (const event of ['request', 'success', 'failure'] as const)
      router.on(event, () => void seen.push(event));
    const count = await router.countTokens({ model: 'coding', messages: hi });
    expect(count.estimated).toBe(true);
    expect(count.inputTokens).toBeGreaterThan(0);
    expect(seen).toEqual([]);
    await router.complete({ model: 'coding', messages: hi });
    expect(seen).toEqual(['request', 'success']);
    expectReleased(router);
  });
});
