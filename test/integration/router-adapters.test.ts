import { http } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ModelRouter,
  ProviderError,
  RouterError,
  type StreamPart,
  type UsageRecord,
  anthropic,
  openaiCompatible,
} from '../../src/index.js';
import { manualClock } from '../../src/testing/manual-clock.js';
import { exchange, replay, sseFixture, sseResponse, useServer } from '../providers/helpers.js';
import { expectReleased } from '../router/helpers.js';

const OPENAI = 'https://api.openai.test/v1';
const ANTHROPIC = 'https://api.anthropic.test/v1';
const server = useServer();

type Handler = (info: { request: Request }) => Response | Promise<Response>;

/** Route each provider's endpoint to a queue of handlers (the last one repeats); records the keys used. */
function script(openai: Handler[], anth: Handler[] = []) {
  const seen = { openai: [] as string[], anthropic: [] as string[] };
  server.use(
    http.post(`${OPENAI}/chat/completions`, (info) => {
      seen.openai.push(info.request.headers.get('authorization')?.replace('Bearer ', '') ?? '');
      const h = openai.length > 1 ? openai.shift()! : openai[0]!;
      return h(info);
    }),
    http.post(`${ANTHROPIC}/messages`, (info) => {
      seen.anthropic.push(info.request.headers.get('x-api-key') ?? '');
      const h = anth.length > 1 ? anth.shift()! : anth[0]!;
      return h(info);
    }),
  );
  return seen;
}

const oa =
  (name: string): Handler =>
  () =>
    replay(exchange('openai', name));
const an =
  (name: string): Handler =>
  () =>
    replay(exchange('anthropic', name));
const oaSse =
  (name: string, opts?: Parameters<typeof sseResponse>[1]): Handler =>
  () =>
    sseResponse(sseFixture('openai', name), opts);
const anSse =
  (name: string, opts?: Parameters<typeof sseResponse>[1]): Handler =>
  () =>
    sseResponse(sseFixture('anthropic', name), opts);

function makeRouter(extra: { timeouts?: object; anthropicWindow?: number } = {}) {
  const clock = manualClock(1_750_000_000_000);
  const usage: UsageRecord[] = [];
  const router = new ModelRouter({
    clock,
    onUsage: (r) => void usage.push(r),
    ...(extra.timeouts ? { timeouts: extra.timeouts } : {}),
    catalog: {
      providers: [
        {
          id: 'anthropic',
          adapter: 'anthropic',
          baseUrl: ANTHROPIC,
          keys: [{ id: 'an1', secret: 'test-anthropic-key-1' }],
        },
        {
          id: 'openai',
          adapter: 'openai',
          keys: [
            { id: 'oa1', secret: 'test-openai-key-1' },
            { id: 'oa2', secret: 'test-openai-key-2' },
          ],
        },
      ],
      models: [
        {
          providerId: 'anthropic',
          modelId: 'claude-sonnet-4-5',
          contextWindow: extra.anthropicWindow ?? 200_000,
        },
        { providerId: 'openai', modelId: 'gpt-4o-mini', contextWindow: 128_000 },
      ],
      groups: [
        {
          name: 'chat',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'anthropic', modelId: 'claude-sonnet-4-5', priority: 0 },
            { providerId: 'openai', modelId: 'gpt-4o-mini', priority: 1 },
          ],
        },
        { name: 'gpt', members: [{ providerId: 'openai', modelId: 'gpt-4o-mini' }] },
      ],
    },
    adapters: { openai: openaiCompatible({ baseURL: OPENAI }), anthropic: anthropic() },
  });
  return { router, clock, usage };
}

const messages = [{ role: 'user' as const, content: 'Hello' }];

async function drain(stream: AsyncIterable<StreamPart>) {
  const parts: StreamPart[] = [];
  try {
    for await (const p of stream) parts.push(p);
  } catch (error) {
    return { parts, error };
  }
  return { parts, error: undefined };
}
const textOf = (parts: StreamPart[]) => parts.map((p) => (p.type === 'text-delta' ? p.text : '')).join('');

afterEach(() => vi.useRealTimers());

describe('router over the real adapters (msw replays of the wire formats)', () => {
  it('completes through anthropic and reports the provider model name as responseModel', async () => {
    const { router, usage } = makeRouter();
    script([oa('chat-plain')], [an('message-plain')]);
    const res = await router.complete({ model: 'chat', messages });
    expect(res.model).toEqual({ providerId: 'anthropic', modelId: 'claude-sonnet-4-5' });
    expect(res.usage.estimated).toBe(false);
    expect(usage).toHaveLength(1);
    expectReleased(router);
  });

  it('529 overloaded at anthropic fails over to openai', async () => {
    const { router, usage } = makeRouter();
    const seen = script([oa('chat-plain')], [an('error-529')]);
    const res = await router.complete({ model: 'chat', messages });
    expect(res.model.providerId).toBe('openai');
    expect(seen.anthropic).toHaveLength(1);
    expect(usage.map((u) => [u.status, u.errorCode, u.httpStatus])).toEqual([
      ['error', 'overloaded', 529],
      ['success', undefined, undefined],
    ]);
    expectReleased(router);
  });

  it('500 fails over to the next candidate; 400 does not fail over', async () => {
    const { router } = makeRouter();
    script([oa('chat-plain')], [an('error-500')]);
    expect((await router.complete({ model: 'chat', messages })).model.providerId).toBe('openai');

    const seen = script([oa('error-400-bad-request'), oa('chat-plain')]);
    const err = await router.complete({ model: 'gpt', messages }).catch((e: unknown) => e);
    expect(ProviderError.isProviderError(err) && err.kind).toBe('bad_request');
    expect(seen.openai).toHaveLength(1);
    expectReleased(router);
  });

  it('a context-length error falls back only to a candidate with a larger window', async () => {
    const small = makeRouter({ anthropicWindow: 8_000 });
    script([oa('chat-plain')], [an('error-400-prompt-too-long')]);
    const res = await small.router.complete({ model: 'chat', messages });
    expect(res.model.providerId).toBe('openai');

    const big = makeRouter({ anthropicWindow: 200_000 });
    const seen = script([oa('chat-plain')], [an('error-400-prompt-too-long')]);
    const err = await big.router.complete({ model: 'chat', messages }).catch((e: unknown) => e);
    expect(ProviderError.isProviderError(err) && err.kind).toBe('context_length');
    expect(seen.openai).toHaveLength(0);
  });

  it('401 quarantines the key and the next key serves', async () => {
    const { router } = makeRouter();
    const seen = script([oa('error-401'), oa('chat-plain')]);
    const res = await router.complete({ model: 'gpt', messages });
    expect(res.attempts.map((a) => a.keyId)).toEqual(['oa1', 'oa2']);
    expect(seen.openai).toEqual(['test-openai-key-1', 'test-openai-key-2']);
    const key = router.stats().keys.find((k) => k.keyId === 'oa1')!;
    expect(key.quarantinedUntil).toBeGreaterThan(0);
    expectReleased(router);
  });

  it('429 with Retry-After and x-ratelimit-remaining-requests: 0 keeps the router off that key until reset', async () => {
    const { router, clock } = makeRouter();
    const seen = script([oa('error-429'), oa('chat-plain')]);
    const first = await router.complete({ model: 'gpt', messages });
    expect(first.attempts.map((a) => [a.keyId, a.status])).toEqual([
      ['oa1', 'error'],
      ['oa2', 'success'],
    ]);
    // The headers said: no requests left on oa1 for 6m0s. Retry-After (120 ms) alone would allow it sooner.
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      await router.complete({ model: 'gpt', messages });
    }
    expect(seen.openai.slice(2)).toEqual(['test-openai-key-2', 'test-openai-key-2', 'test-openai-key-2']);
    clock.advance(3 * 60_000 + 1_000); // past the 6-minute reset
    const plan = await router.plan('gpt');
    expect(plan[0]!.usableKeys).toBe(2);
    seen.openai.length = 0;
    await router.complete({ model: 'gpt', messages });
    expect(seen.openai).toEqual(['test-openai-key-1']);
    expectReleased(router);
  });

  it('streams from openai with usage (stream_options.include_usage)', async () => {
    const { router, usage } = makeRouter();
    script([oaSse('stream-text')]);
    const s = router.stream({ model: 'gpt', messages });
    const { parts, error } = await drain(s);
    expect(error).toBeUndefined();
    expect(parts[0]).toMatchObject({ type: 'start', providerId: 'openai' });
    expect(textOf(parts).length).toBeGreaterThan(0);
    const result = await s.result;
    expect(result.usage.estimated).toBe(false);
    expect(usage[0]).toMatchObject({ status: 'success', stream: true, estimated: false });
    expectReleased(router);
  });

  it('an error event before the first token fails over invisibly', async () => {
    const { router } = makeRouter();
    script([oaSse('stream-text')], [anSse('stream-error-before-token')]);
    const { parts, error } = await drain(router.stream({ model: 'chat', messages }));
    expect(error).toBeUndefined();
    expect(parts.filter((p) => p.type === 'start')).toHaveLength(1);
    expect(parts[0]).toMatchObject({ providerId: 'openai' });
    expectReleased(router);
  });

  it('a malformed chunk before the first token fails over; a cut after it interrupts', async () => {
    const { router, usage } = makeRouter();
    script(
      [oaSse('stream-text')],
      [() => sseResponse('event: message_start\ndata: {"type":"message_start","message":{\n\n')],
    );
    const ok = await drain(router.stream({ model: 'chat', messages }));
    expect(ok.parts[0]).toMatchObject({ providerId: 'openai' });

    script([oaSse('stream-text')], [anSse('stream-cut-after-token')]);
    usage.length = 0;
    const cut = await drain(router.stream({ model: 'chat', messages }));
    expect(RouterError.isInstance(cut.error) && cut.error.code).toBe('STREAM_INTERRUPTED');
    expect(cut.parts[0]).toMatchObject({ providerId: 'anthropic' });
    expect(usage.map((u) => u.status)).toEqual(['interrupted']);
    expectReleased(router);
  });

  it('a stalled stream before content fails over after firstChunkMs', async () => {
    const { router } = makeRouter({ timeouts: { firstChunkMs: 50 } });
    script(
      [oaSse('stream-text')],
      [() => sseResponse('event: ping\ndata: {"type": "ping"}\n\n', { stall: true })],
    );
    const { parts, error } = await drain(router.stream({ model: 'chat', messages }));
    expect(error).toBeUndefined();
    expect(parts[0]).toMatchObject({ providerId: 'openai' });
    expectReleased(router);
  });

  it('never puts a key in a result, an error, an event or a usage record', async () => {
    const { router, usage } = makeRouter();
    const events: unknown[] = [];
    for (const e of ['attempt', 'failover', 'cooldown', 'failure', 'success', 'error'] as const)
      router.on(e, (p) => void events.push(p));
    script([oa('error-401')], [an('error-401')]);
    const err = await router.complete({ model: 'chat', messages }).catch((e: unknown) => e);
    expect((err as RouterError).code).toBe('ALL_CANDIDATES_FAILED');
    const { inspect } = await import('node:util');
    const dump =
      JSON.stringify([err, events, usage]) + inspect(err, { depth: 10 }) + inspect(events, { depth: 10 });
    expect(dump).not.toMatch(/test-(openai|anthropic)-key/);
  });
});
