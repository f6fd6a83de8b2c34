import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelRouter, ProviderError, RouterError, openaiCompatible } from '../../src/index.js';
import type { StreamPart } from '../../src/types/stream.js';
import {
  type Upstream,
  chunk,
  goodStream,
  hostileRouter,
  sseHead,
  startUpstream,
  writeForever,
} from './hostile-upstream.js';

/*
 * Issue #11, items 1–3: an upstream stream that is hostile in size. Real node:http servers on
 * 127.0.0.1, the bundled OpenAI-compatible adapter, the public router API.
 */

const hi = [{ role: 'user' as const, content: 'hi' }];
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

async function servers(bad: Parameters<typeof startUpstream>[0]): Promise<{ bad: Upstream; good: Upstream }> {
  const b = await startUpstream(bad);
  const g = await startUpstream(goodStream);
  open.push(b, g);
  return { bad: b, good: g };
}

function expectReleased(router: ModelRouter): void {
  const s = router.stats();
  expect(s.inFlight).toBe(0);
  expect(s.keys.every((k) => k.inFlight === 0)).toBe(true);
}

async function drain(stream: AsyncIterable<StreamPart>): Promise<{ parts: StreamPart[]; error: unknown }> {
  const parts: StreamPart[] = [];
  try {
    for await (const p of stream) parts.push(p);
  } catch (error) {
    return { parts, error };
  }
  return { parts, error: undefined };
}

const HUGE_INDEX = 4_294_967_294;

describe('item 1: a tool-call index of 4294967294', () => {
  it('before any content: a protocol error, and the router fails over', async () => {
    const { bad, good } = await servers((_req, res) => {
      sseHead(res);
      res.write(
        chunk({
          tool_calls: [
            { index: HUGE_INDEX, id: 'x', type: 'function', function: { name: 'f', arguments: '{}' } },
          ],
        }),
      );
      res.write(chunk({}, 'tool_calls'));
      res.end('data: [DONE]\n\n');
    });
    const router = hostileRouter(bad, good);
    open.push(router);
    const s = router.stream({ model: 'chat', messages: hi });
    const { parts, error } = await drain(s);
    expect(error).toBeUndefined();
    expect(parts.find((p) => p.type === 'start')).toMatchObject({ providerId: 'good' });
    const result = await s.result;
    expect(result.message.content).toBe('fine');
    expect(result.attempts[0]).toMatchObject({ providerId: 'bad', status: 'error', errorKind: 'protocol' });
    expect(String(result.attempts[0]!.message)).toMatch(/limits\.maxToolCalls/);
    expectReleased(router);
  });

  it('after content: STREAM_INTERRUPTED carrying the protocol error, content never repeated', async () => {
    const { bad, good } = await servers((_req, res) => {
      sseHead(res);
      res.write(chunk({ role: 'assistant', content: 'partial ' }));
      res.write(
        chunk({
          tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '' } }],
        }),
      );
      res.write(chunk({ tool_calls: [{ index: HUGE_INDEX, function: { arguments: '{}' } }] }));
      res.write(chunk({}, 'tool_calls'));
      res.end('data: [DONE]\n\n');
    });
    const router = hostileRouter(bad, good);
    open.push(router);
    const s = router.stream({ model: 'chat', messages: hi });
    const { parts, error } = await drain(s);
    expect(RouterError.isInstance(error) && error.code).toBe('STREAM_INTERRUPTED');
    const last = (error as RouterError).lastError;
    expect(ProviderError.isProviderError(last) && last.kind).toBe('protocol');
    expect(parts.filter((p) => p.type === 'text-delta').map((p) => (p as { text: string }).text)).toEqual([
      'partial ',
    ]);
    expect(good.requests).toBe(0);
    await expect(s.result).rejects.toMatchObject({ code: 'STREAM_INTERRUPTED' });
    expectReleased(router);
  });

  it('the same bound holds for any adapter (a custom one yielding the index directly)', async () => {
    const router = new ModelRouter({
      catalog: {
        providers: [{ id: 'p', adapter: 'custom', keys: [{ id: 'k', secret: 'sk-custom-secret-1234' }] }],
        models: [{ providerId: 'p', modelId: 'm' }],
      },
      adapters: {
        custom: {
          name: 'custom',
          complete: () => Promise.reject(new Error('unused')),
          stream: async () => ({
            parts: (async function* () {
              yield { type: 'text-delta' as const, text: 'a' };
              yield { type: 'tool-call-delta' as const, index: 2 ** 31, argumentsDelta: '{}' };
            })(),
          }),
        },
      },
      limits: { maxToolCalls: 8 },
    });
    open.push(router);
    const { error } = await drain(router.stream({ model: 'p/m', messages: hi }));
    expect(RouterError.isInstance(error) && error.code).toBe('STREAM_INTERRUPTED');
    expect(String((error as RouterError).message)).toMatch(/outside \[0, 8\)/);
    expectReleased(router);
  });

  it('a reasoning-block index of 4294967294 is bounded the same way', async () => {
    const router = new ModelRouter({
      catalog: {
        providers: [{ id: 'p', adapter: 'custom', keys: [{ id: 'k', secret: 'sk-custom-secret-1234' }] }],
        models: [{ providerId: 'p', modelId: 'm' }],
      },
      adapters: {
        custom: {
          name: 'custom',
          complete: () => Promise.reject(new Error('unused')),
          stream: async () => ({
            parts: (async function* () {
              yield { type: 'text-delta' as const, text: 'a' };
              yield { type: 'reasoning-delta' as const, family: 'x', index: HUGE_INDEX, text: 'hm' };
            })(),
          }),
        },
      },
    });
    open.push(router);
    const { error } = await drain(router.stream({ model: 'p/m', messages: hi }));
    expect(RouterError.isInstance(error) && error.code).toBe('STREAM_INTERRUPTED');
    expect(String((error as RouterError).message)).toMatch(/reasoning index 4294967294/);
    expectReleased(router);
  });

  it('tool calls at indexes below the bound still come back in order, gaps closed', async () => {
    const { bad, good } = await servers((_req, res) => {
      sseHead(res);
      res.write(
        chunk({
          tool_calls: [{ index: 127, id: 'z', type: 'function', function: { name: 'g', arguments: '{}' } }],
        }),
      );
      res.write(
        chunk({
          tool_calls: [{ index: 3, id: 'y', type: 'function', function: { name: 'f', arguments: '{' } }],
        }),
      );
      res.write(chunk({ tool_calls: [{ index: 3, function: { arguments: '}' } }] }));
      res.write(chunk({}, 'tool_calls'));
      res.end('data: [DONE]\n\n');
    });
    const router = hostileRouter(bad, good);
    open.push(router);
    const s = router.stream({ model: 'chat', messages: hi });
    await drain(s);
    const result = await s.result;
    expect(result.model.providerId).toBe('bad');
    expect(result.message.toolCalls).toEqual([
      { id: 'y', name: 'f', arguments: '{}' },
      { id: 'z', name: 'g', arguments: '{}' },
    ]);
  });
});

describe('item 2: an endless upstream stream read by its consumer', () => {
  const endless = (text: string) => async (_req: unknown, res: import('node:http').ServerResponse) => {
    sseHead(res);
    await writeForever(res, () => chunk({ content: text }));
  };

  it('ends at limits.maxOutputChars (default) with STREAM_INTERRUPTED; upstream cancelled, slots released', async () => {
    const { bad, good } = await servers(endless('y'.repeat(16_384)));
    const router = hostileRouter(bad, good);
    open.push(router);
    const usage: Array<{ status: string }> = [];
    router.on('usage', (r) => usage.push(r));
    const s = router.stream({ model: 'chat', messages: hi });
    let chars = 0;
    let error: unknown;
    try {
      for await (const p of s) if (p.type === 'text-delta') chars += p.text.length;
    } catch (e) {
      error = e;
    }
    expect(RouterError.isInstance(error) && error.code).toBe('STREAM_INTERRUPTED');
    const last = (error as RouterError).lastError as ProviderError;
    expect(last.kind).toBe('protocol');
    expect(last.message).toMatch(/limits\.maxOutputChars \(4194304 characters\)/);
    expect(chars).toBeLessThanOrEqual(4_194_304);
    expect(chars).toBeGreaterThan(4_194_304 - 16_384 - 1);
    expect(usage).toEqual([expect.objectContaining({ status: 'interrupted' })]);
    expectReleased(router);
    await vi.waitFor(() => expect(bad.closedByClient).toBe(1));
  });

  it('a smaller configured limit, with tool-call arguments counted too', async () => {
    let n = 0;
    const { bad, good } = await servers(async (_req, res) => {
      sseHead(res);
      res.write(
        chunk({
          tool_calls: [{ index: 0, id: 't', type: 'function', function: { name: 'f', arguments: '' } }],
        }),
      );
      await writeForever(res, () =>
        n++ % 2 === 0
          ? chunk({ content: 'x'.repeat(1000) })
          : chunk({ tool_calls: [{ index: 0, function: { arguments: 'a'.repeat(1000) } }] }),
      );
    });
    const router = hostileRouter(bad, good, { limits: { maxOutputChars: 100_000 } });
    open.push(router);
    const { parts, error } = await drain(router.stream({ model: 'chat', messages: hi }));
    expect(RouterError.isInstance(error) && error.code).toBe('STREAM_INTERRUPTED');
    const delivered = parts.reduce(
      (sum, p) =>
        sum +
        (p.type === 'text-delta'
          ? p.text.length
          : p.type === 'tool-call-delta'
            ? p.argumentsDelta.length + (p.name?.length ?? 0)
            : 0),
      0,
    );
    expect(delivered).toBeLessThanOrEqual(100_000);
    expect(delivered).toBeGreaterThan(98_000);
    expectReleased(router);
  });

  it('rejects a bad limits option naming the field', () => {
    expect(() => new ModelRouter({ adapters: {}, limits: { maxOutputChars: 0 } })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION',
        details: expect.objectContaining({ field: 'options.limits.maxOutputChars' }),
      }),
    );
  });
});

/** A fetch that forwards the real response body pull by pull, counting what the router reads. */
function countingFetch(): { fetch: typeof fetch; state: { pulled: number; pending: number } } {
  const state = { pulled: 0, pending: 0 };
  const counting: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (!res.body) return res;
    const reader = res.body.getReader();
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          state.pending++;
          try {
            const { done, value } = await reader.read();
            if (done) controller.close();
            else {
              state.pulled += value.byteLength;
              controller.enqueue(value);
            }
          } finally {
            state.pending--;
          }
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: res.status, headers: res.headers });
  };
  return { fetch: counting, state };
}

/**
 * Wait until the router has stopped asking for upstream bytes: at a macrotask boundary no pull is
 * pending (every step of the pump between two network reads is a microtask), twice in a row.
 */
async function untilStalled(state: { pulled: number; pending: number }): Promise<void> {
  let quiet = 0;
  let seen = -1;
  while (quiet < 3) {
    await new Promise((resolve) => setImmediate(resolve));
    if (state.pending === 0 && state.pulled > 0 && state.pulled === seen) quiet++;
    else quiet = 0;
    seen = state.pulled;
  }
}

describe('item 3: 1 MB parts nobody reads', () => {
  const PART = 1_000_000; // text characters per event: just under the adapter's 1 MiB event cap
  it('the router stops reading the upstream once limits.streamBufferBytes are buffered', async () => {
    const { bad, good } = await servers(async (_req, res) => {
      sseHead(res);
      await writeForever(res, () => chunk({ content: 'z'.repeat(PART) }));
    });
    const counting = countingFetch();
    const router = hostileRouter(bad, good, {
      adapters: { openai: openaiCompatible({ baseURL: 'http://127.0.0.1:9/v1', fetch: counting.fetch }) },
    });
    open.push(router);
    const streams = Array.from({ length: 5 }, () => router.stream({ model: 'chat', messages: hi }));
    await untilStalled(counting.state);
    // Five unread streams: each holds at most the 1 MiB buffer + one part + the event being parsed.
    expect(counting.state.pulled).toBeLessThan(5 * (1_048_576 + 3 * PART));
    expect(router.stats().inFlight).toBe(5);
    for (const s of streams) s.cancel();
    await Promise.allSettled(streams.map((s) => s.result));
    expectReleased(router);
    await vi.waitFor(() => expect(bad.closedByClient).toBe(5));
  });

  it('a reader that comes back later still gets every part, in order', async () => {
    let sent = 0;
    const { bad, good } = await servers(async (_req, res) => {
      sseHead(res);
      for (; sent < 12; sent++) {
        if (!res.write(chunk({ content: String(sent % 10).repeat(PART) })))
          await new Promise((resolve) => res.once('drain', resolve));
      }
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    });
    const counting = countingFetch();
    const router = hostileRouter(bad, good, {
      adapters: { openai: openaiCompatible({ baseURL: 'http://127.0.0.1:9/v1', fetch: counting.fetch }) },
      limits: { maxOutputChars: 16_000_000 },
    });
    open.push(router);
    const s = router.stream({ model: 'chat', messages: hi });
    await untilStalled(counting.state);
    expect(counting.state.pulled).toBeLessThan(1_048_576 + 3 * PART);
    const { parts, error } = await drain(s);
    expect(error).toBeUndefined();
    const texts = parts.filter((p) => p.type === 'text-delta').map((p) => (p as { text: string }).text[0]);
    expect(texts).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '1']);
    expect((await s.result).message.content.length).toBe(12 * PART);
  });
});
