import { afterEach, describe, expect, it, vi } from 'vitest';
import { RouterError, type StreamPart, type UsageRecord } from '../../src/index.js';
import { expectReleased, hi, setup } from './helpers.js';

async function collect(stream: AsyncIterable<StreamPart>): Promise<{ parts: StreamPart[]; error?: unknown }> {
  const parts: StreamPart[] = [];
  try {
    for await (const p of stream) parts.push(p);
    return { parts };
  } catch (error) {
    return { parts, error };
  }
}

const text = (parts: StreamPart[]) => parts.map((p) => (p.type === 'text-delta' ? p.text : '')).join('');

afterEach(() => {
  vi.useRealTimers();
});

describe('router.stream()', () => {
  it('yields start, content and finish, and result matches complete()', async () => {
    const usage: UsageRecord[] = [];
    const { router } = setup({
      a: { fallback: { text: 'one two three' } },
      router: { onUsage: (r) => void usage.push(r) },
    });
    const s = router.stream({ model: 'coding', messages: hi });
    const { parts } = await collect(s);
    expect(parts[0]).toEqual({ type: 'start', providerId: 'a', modelId: 'model-a', groupName: 'coding' });
    expect(text(parts)).toBe('one two three');
    const finish = parts.at(-1);
    expect(finish?.type).toBe('finish');
    const result = await s.result;
    expect(result.message.content).toBe('one two three');
    expect(result.model).toEqual({ providerId: 'a', modelId: 'model-a' });
    expect(result.attempts).toHaveLength(1);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ status: 'success', stream: true, estimated: false });
    expect(usage[0]!.ttftMs).toBeTypeOf('number');
    expectReleased(router);
  });

  it('fails over invisibly before the first content part', async () => {
    const { router, a, b } = setup({
      a: { script: [{ error: { status: 500 } }] },
      b: { fallback: { text: 'from b' } },
    });
    const s = router.stream({ model: 'coding', messages: hi });
    const { parts, error } = await collect(s);
    expect(error).toBeUndefined();
    expect(parts.filter((p) => p.type === 'start')).toEqual([
      { type: 'start', providerId: 'b', modelId: 'model-b', groupName: 'coding' },
    ]);
    expect(text(parts)).toBe('from b');
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(1);
    expect((await s.result).attempts.map((x) => x.status)).toEqual(['error', 'success']);
    expectReleased(router);
  });

  it('fails over when a stream breaks before its first token', async () => {
    const { router, b } = setup({
      a: { script: [{ text: 'never seen', failAfterChunks: 0, streamError: { status: 500 } }] },
      b: { fallback: { text: 'from b' } },
    });
    const { parts, error } = await collect(router.stream({ model: 'coding', messages: hi }));
    expect(error).toBeUndefined();
    expect(text(parts)).toBe('from b');
    expect(b.calls).toHaveLength(1);
    expectReleased(router);
  });

  it('ends with STREAM_INTERRUPTED after content, records partial usage, never duplicates content', async () => {
    const usage: UsageRecord[] = [];
    const { router, b } = setup({
      a: { script: [{ text: 'alpha beta gamma', failAfterChunks: 2, streamError: { status: 500 } }] },
      router: { onUsage: (r) => void usage.push(r) },
    });
    const s = router.stream({ model: 'coding', messages: hi });
    const { parts, error } = await collect(s);
    expect(RouterError.isInstance(error) && error.code).toBe('STREAM_INTERRUPTED');
    expect(text(parts)).toBe('alpha beta ');
    expect(parts.some((p) => p.type === 'finish')).toBe(false);
    expect(b.calls).toHaveLength(0);
    await expect(s.result).rejects.toMatchObject({ code: 'STREAM_INTERRUPTED' });
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ status: 'interrupted', estimated: true });
    expect(usage[0]!.completionTokens).toBeGreaterThan(0);
    expectReleased(router);
  });

  it('an interrupted stream counts at least one token per delivered delta', async () => {
    // Five one-character deltas are 2 tokens by characters / 4: the estimate must not undercount.
    const { router, usage } = setup({
      a: {
        script: [
          { chunks: ['a', 'b', 'c', 'd', 'e', 'f'], failAfterChunks: 5, streamError: { status: 500 } },
        ],
      },
    });
    const { parts, error } = await collect(router.stream({ model: 'coding', messages: hi }));
    expect(RouterError.isInstance(error) && error.code).toBe('STREAM_INTERRUPTED');
    expect(parts.filter((p) => p.type === 'text-delta')).toHaveLength(5);
    expect(usage[0]).toMatchObject({ status: 'interrupted', estimated: true });
    expect(usage[0]!.completionTokens).toBeGreaterThanOrEqual(5);
    expectReleased(router);
  });

  it('a finished stream without reported usage counts at least its deltas', async () => {
    const { router, usage } = setup({ a: { script: [{ chunks: ['x', 'y', 'z'], usage: null }] } });
    const result = await router.stream({ model: 'coding', messages: hi }).result;
    expect(result.usage).toMatchObject({ completionTokens: 3, estimated: true });
    expect(usage[0]!.completionTokens).toBe(3);
  });

  it('fails over when the first content does not arrive within firstChunkMs', async () => {
    vi.useFakeTimers();
    const { router, a, b } = setup({
      a: { script: [{ hang: true }] },
      b: { fallback: { text: 'quick' } },
      router: { timeouts: { firstChunkMs: 1000 } },
    });
    const s = router.stream({ model: 'coding', messages: hi });
    const done = collect(s);
    await vi.advanceTimersByTimeAsync(1001);
    const { parts, error } = await done;
    expect(error).toBeUndefined();
    expect(text(parts)).toBe('quick');
    expect(a.calls[0]!.aborted).toBe(true);
    expect(b.calls).toHaveLength(1);
    expectReleased(router);
  });

  it('interrupts when the gap between parts exceeds idleMs', async () => {
    vi.useFakeTimers();
    const { router } = setup({
      a: { script: [{ chunks: ['a', 'b', 'c'], chunkDelayMs: 5000 }] },
      router: { timeouts: { idleMs: 1000 } },
    });
    const s = router.stream({ model: 'coding', messages: hi });
    const done = collect(s);
    await vi.advanceTimersByTimeAsync(1001);
    const { parts, error } = await done;
    expect(text(parts)).toBe('a');
    expect(RouterError.isInstance(error) && error.code).toBe('STREAM_INTERRUPTED');
    expectReleased(router);
  });

  it('break cancels the upstream call and releases everything', async () => {
    vi.useFakeTimers();
    const usage: UsageRecord[] = [];
    const { router, a } = setup({
      a: { script: [{ chunks: ['1', '2', '3', '4'], chunkDelayMs: 10 }] },
      router: { onUsage: (r) => void usage.push(r) },
    });
    const s = router.stream({ model: 'coding', messages: hi });
    const seen: StreamPart[] = [];
    const run = (async () => {
      for await (const p of s) {
        seen.push(p);
        if (p.type === 'text-delta') break;
      }
    })();
    await vi.advanceTimersByTimeAsync(100);
    await run;
    await expect(s.result).rejects.toMatchObject({ code: 'ABORTED' });
    expect(a.calls[0]!.aborted).toBe(true);
    expect(usage).toHaveLength(1);
    expect(usage[0]!.status).toBe('aborted');
    expectReleased(router);
  });

  it('cancel() and the caller abort end the stream with ABORTED', async () => {
    vi.useFakeTimers();
    const { router } = setup({ a: { fallback: { chunks: ['x', 'y', 'z'], chunkDelayMs: 50 } } });
    const s1 = router.stream({ model: 'coding', messages: hi });
    const c1 = collect(s1);
    await vi.advanceTimersByTimeAsync(10);
    s1.cancel();
    await vi.advanceTimersByTimeAsync(10);
    expect(((await c1).error as RouterError).code).toBe('ABORTED');

    const controller = new AbortController();
    const s2 = router.stream({ model: 'coding', messages: hi }, { signal: controller.signal });
    const c2 = collect(s2);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    await vi.advanceTimersByTimeAsync(10);
    expect(((await c2).error as RouterError).code).toBe('ABORTED');
    expectReleased(router);
  });

  it('a consumer that never reads cannot hold a slot past totalMs', async () => {
    vi.useFakeTimers();
    const chunks = Array.from({ length: 2000 }, (_, i) => `${i} `);
    const { router } = setup({
      a: { fallback: { chunks } },
      router: { timeouts: { totalMs: 5000 } },
    });
    const s = router.stream({ model: 'coding', messages: hi });
    await vi.advanceTimersByTimeAsync(100);
    expect(router.stats().inFlight).toBe(1); // held: the buffer is full and nobody reads
    await vi.advanceTimersByTimeAsync(5000);
    await expect(s.result).rejects.toMatchObject({ code: 'STREAM_INTERRUPTED' });
    expectReleased(router);
  });

  it('flags usage as estimated when the provider reports none', async () => {
    const usage: UsageRecord[] = [];
    const { router } = setup({
      a: { fallback: { text: 'some words here', usage: null } },
      router: { onUsage: (r) => void usage.push(r) },
    });
    const { parts } = await collect(router.stream({ model: 'coding', messages: hi }));
    const finish = parts.at(-1);
    expect(finish?.type === 'finish' && finish.usage.estimated).toBe(true);
    expect(usage[0]!.estimated).toBe(true);
    expect(usage[0]!.completionTokens).toBeGreaterThan(0);
  });

  it('assembles tool calls from tool-call deltas', async () => {
    const { router } = setup({
      a: { fallback: { text: '', toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"x"}' }] } },
    });
    const s = router.stream({ model: 'coding', messages: hi });
    const { parts } = await collect(s);
    expect(parts.some((p) => p.type === 'tool-call-delta')).toBe(true);
    const result = await s.result;
    expect(result.message.toolCalls).toEqual([{ id: 'call_1', name: 'lookup', arguments: '{"q":"x"}' }]);
    expect(result.finishReason.unified).toBe('tool_calls');
  });

  it('surfaces resolution errors through the iterator and result', async () => {
    const { router } = setup();
    const s = router.stream({ model: 'nope', messages: hi });
    const { error } = await collect(s);
    expect((error as RouterError).code).toBe('UNKNOWN_MODEL');
    await expect(s.result).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
    expectReleased(router);
  });
});
