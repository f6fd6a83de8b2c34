import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StreamPart } from '../../src/index.js';
import { expectReleased, hi, rejectsWith, setup } from './helpers.js';

/*
 * Issue #11 item 14: a stream nobody reads must not hold `close()` (and its slot) for `totalMs`
 * (300 s by default). close() cancels streams not read for `timeouts.closeMs`; streams being read
 * run on to their end.
 */

afterEach(() => vi.useRealTimers());

const many = Array.from({ length: 2_000 }, (_, i) => `w${i} `);

describe('close() and streams nobody reads', () => {
  it('cancels an abandoned stream after closeMs, releasing its slot; usage says aborted', async () => {
    vi.useFakeTimers();
    const { router, a, usage } = setup({
      time: 'fake',
      a: { fallback: { chunks: many } },
      router: { timeouts: { closeMs: 1_000 } },
    });
    const abandoned = router.stream({ model: 'coding', messages: hi });
    const never = router.stream({ model: 'coding', messages: hi }); // not even iterated once
    await vi.advanceTimersByTimeAsync(0);
    expect(router.stats().inFlight).toBe(2); // both pumps wait on full buffers

    const closed = vi.fn();
    const closing = router.close().then(closed);
    await vi.advanceTimersByTimeAsync(999);
    expect(closed).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await closing;
    expect(closed).toHaveBeenCalledTimes(1);

    const error = await rejectsWith(abandoned.result, 'ABORTED');
    expect(error.message).toMatch(/close\(\).*closeMs \(1000 ms\)/);
    await rejectsWith(never.result, 'ABORTED');
    expect(a.calls.every((c) => c.aborted && c.settled)).toBe(true);
    expect(usage.map((u) => u.status)).toEqual(['aborted', 'aborted']);
    expectReleased(router);
  });

  it('a stream being read (slow upstream, consumer waiting) is not cancelled: close() waits for it', async () => {
    vi.useFakeTimers();
    const { router } = setup({
      time: 'fake',
      a: { fallback: { chunks: ['a', 'b', 'c', 'd', 'e'], chunkDelayMs: 700 } },
      router: { timeouts: { closeMs: 1_000 } },
    });
    const s = router.stream({ model: 'coding', messages: hi });
    const parts: StreamPart[] = [];
    const reading = (async () => {
      for await (const p of s) parts.push(p);
    })();
    await vi.advanceTimersByTimeAsync(0);
    const closing = router.close();
    await vi.advanceTimersByTimeAsync(5_000);
    await closing;
    await reading;
    expect(parts.filter((p) => p.type === 'text-delta').map((p) => (p as { text: string }).text)).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
    ]);
    expect((await s.result).message.content).toBe('abcde');
  });

  it('a consumer that stops reading half way is cancelled at the next check', async () => {
    vi.useFakeTimers();
    const { router } = setup({
      time: 'fake',
      a: { fallback: { chunks: many } },
      router: { timeouts: { closeMs: 1_000 } },
    });
    const s = router.stream({ model: 'coding', messages: hi });
    const it = s[Symbol.asyncIterator]();
    for (let i = 0; i < 10; i++) await it.next();
    const closing = router.close();
    await it.next(); // one read during the first period: kept for now
    await vi.advanceTimersByTimeAsync(1_000);
    expect(router.stats().inFlight).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000); // no read in the second period: cancelled
    await closing;
    await rejectsWith(s.result, 'ABORTED');
    expectReleased(router);
  });
});
