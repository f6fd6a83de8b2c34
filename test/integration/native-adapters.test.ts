import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import {
  ModelRouter,
  ProviderError,
  type ProviderAdapter,
  RouterError,
  type StreamPart,
  azureOpenAI,
  bedrock,
  gemini,
  openaiCompatible,
} from '../../src/index.js';
import { manualClock } from '../../src/testing/manual-clock.js';
import { encodeEvents, eventStreamResponse, streamFixture } from '../providers/event-stream-helpers.js';
import { exchange, replay, sseFixture, sseResponse, useServer } from '../providers/helpers.js';
import { expectReleased } from '../router/helpers.js';

/*
 * Every native adapter in the router's failover matrix, against replays of its own wire format:
 * each serves, cools a rate-limited key and moves to its next key, quarantines a refused key, fails
 * over on overload, refuses to fail over on a context-length error, fails over on a stream error
 * before the first token and interrupts after it — and every path releases what it took.
 */

const OPENAI = 'https://api.openai.test/v1';
const server = useServer();
type Reply = () => Response;

interface Spec {
  id: string;
  adapter: ProviderAdapter;
  modelId: string;
  secrets: [string, string];
  /** The URL pattern of a call, complete or stream. */
  url: (stream: boolean) => string;
  /** Which key a request used (the header its secret travels in). */
  keyOf: (request: Request) => string;
  ok: Reply;
  okStream: Reply;
  rateLimited: Reply;
  authFailed: Reply;
  overloaded: Reply;
  contextLength: Reply;
  streamErrorBeforeToken: Reply;
  streamCutAfterToken: Reply;
}

const gsse =
  (name: string): Reply =>
  () =>
    sseResponse(sseFixture('gemini', name));
const gjson =
  (name: string): Reply =>
  () =>
    replay(exchange('gemini', name));
const bjson =
  (name: string): Reply =>
  () =>
    replay(exchange('bedrock', name));
const bstream =
  (name: string): Reply =>
  () =>
    eventStreamResponse(encodeEvents(streamFixture(name)));
const ojson =
  (name: string): Reply =>
  () =>
    replay(exchange('openai', name));
const osse =
  (name: string): Reply =>
  () =>
    sseResponse(sseFixture('openai', name));

const VERTEX =
  'https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro';
const BEDROCK = `https://bedrock-runtime.us-east-1.amazonaws.com/model/${encodeURIComponent('amazon.nova-pro-v1:0')}`;

const geminiFamily = {
  ok: gjson('generate-plain'),
  okStream: gsse('stream-text'),
  rateLimited: gjson('error-429'),
  authFailed: gjson('error-403'),
  overloaded: gjson('error-503'),
  contextLength: gjson('error-400-context'),
  streamErrorBeforeToken: gsse('stream-error'),
  streamCutAfterToken: gsse('stream-cut'),
};

const SPECS: Spec[] = [
  {
    id: 'gemini',
    adapter: gemini(),
    modelId: 'gemini-2.5-flash',
    secrets: ['gem-key-1', 'gem-key-2'],
    url: (s) =>
      `https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:${s ? 'streamGenerateContent' : 'generateContent'}`,
    keyOf: (r) => r.headers.get('x-goog-api-key') ?? '',
    ...geminiFamily,
  },
  {
    id: 'vertex',
    adapter: gemini({ vertex: { project: 'p', location: 'us-central1' } }),
    modelId: 'gemini-2.5-pro',
    secrets: ['ya29.token-1', 'ya29.token-2'],
    url: (s) => `${VERTEX}:${s ? 'streamGenerateContent' : 'generateContent'}`,
    keyOf: (r) => r.headers.get('authorization')?.replace('Bearer ', '') ?? '',
    ...geminiFamily,
  },
  {
    id: 'bedrock',
    adapter: bedrock({ region: 'us-east-1' }),
    modelId: 'amazon.nova-pro-v1:0',
    secrets: [
      'ABSK-bedrock-1',
      JSON.stringify({ accessKeyId: 'AKIDTEST2', secretAccessKey: 'test-secret-2' }),
    ],
    url: (s) => `${BEDROCK}/${s ? 'converse-stream' : 'converse'}`,
    keyOf: (r) => {
      const auth = r.headers.get('authorization') ?? '';
      return auth.startsWith('Bearer ') ? auth.slice(7) : (/Credential=(\w+)/.exec(auth)?.[1] ?? '');
    },
    ok: bjson('converse-plain'),
    okStream: bstream('stream-text'),
    rateLimited: bjson('error-throttling'),
    authFailed: bjson('error-access-denied'),
    overloaded: bjson('error-unavailable'),
    contextLength: bjson('error-context'),
    streamErrorBeforeToken: bstream('stream-throttled'),
    streamCutAfterToken: bstream('stream-cut-after-token'),
  },
  {
    id: 'azure',
    adapter: azureOpenAI({ resource: 'contoso' }),
    modelId: 'gpt-4o',
    secrets: ['azure-key-1', 'azure-key-2'],
    url: () => 'https://contoso.openai.azure.com/openai/v1/chat/completions',
    keyOf: (r) => r.headers.get('api-key') ?? '',
    ok: ojson('chat-plain'),
    okStream: osse('stream-text'),
    rateLimited: () => replay(exchange('azure', 'error-429')),
    authFailed: () => replay(exchange('azure', 'error-401')),
    overloaded: ojson('error-503'),
    contextLength: ojson('error-400-context-length'),
    streamErrorBeforeToken: osse('stream-error-before-token'),
    streamCutAfterToken: osse('stream-cut-after-token'),
  },
  {
    id: 'groq',
    adapter: openaiCompatible({ preset: 'groq' }),
    modelId: 'llama-3.3-70b-versatile',
    secrets: ['gsk-key-1', 'gsk-key-2'],
    url: () => 'https://api.groq.com/openai/v1/chat/completions',
    keyOf: (r) => r.headers.get('authorization')?.replace('Bearer ', '') ?? '',
    ok: ojson('chat-plain'),
    okStream: osse('stream-text'),
    rateLimited: ojson('error-429'),
    authFailed: ojson('error-401'),
    overloaded: ojson('error-503'),
    contextLength: ojson('error-400-context-length'),
    streamErrorBeforeToken: osse('stream-error-before-token'),
    streamCutAfterToken: osse('stream-cut-after-token'),
  },
];

/** A router whose group tries `spec` first (two keys), then OpenAI; both have the same window. */
function setup(spec: Spec, native: Reply[], fallback: Reply[] = [ojson('chat-plain')]) {
  const clock = manualClock(1_750_000_000_000);
  const router = new ModelRouter({
    clock,
    catalog: {
      providers: [
        {
          id: spec.id,
          adapter: spec.id,
          keys: [
            { id: `${spec.id}-1`, secret: spec.secrets[0] },
            { id: `${spec.id}-2`, secret: spec.secrets[1] },
          ],
        },
        { id: 'openai', adapter: 'openai', keys: [{ id: 'oa1', secret: 'test-openai-key-1' }] },
      ],
      models: [
        { providerId: spec.id, modelId: spec.modelId, contextWindow: 128_000 },
        { providerId: 'openai', modelId: 'gpt-4o-mini', contextWindow: 128_000 },
      ],
      groups: [
        {
          name: 'chat',
          failoverStrategy: 'priority',
          members: [
            { providerId: spec.id, modelId: spec.modelId, priority: 0 },
            { providerId: 'openai', modelId: 'gpt-4o-mini', priority: 1 },
          ],
        },
      ],
    },
    adapters: { [spec.id]: spec.adapter, openai: openaiCompatible({ baseURL: OPENAI }) },
  });
  const seen: string[] = [];
  const next = (queue: Reply[]) => (queue.length > 1 ? queue.shift()! : queue[0]!);
  const nativeHandler = ({ request }: { request: Request }) => {
    seen.push(spec.keyOf(request));
    return next(native)();
  };
  server.use(
    http.post(spec.url(false), nativeHandler),
    http.post(spec.url(true), nativeHandler),
    http.post(`${OPENAI}/chat/completions`, () => {
      seen.push('openai');
      return next(fallback)();
    }),
  );
  return { router, seen, clock };
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

for (const spec of SPECS) {
  describe(`${spec.id} in the failover matrix`, () => {
    it('serves a completion and a stream with reported usage', async () => {
      const { router } = setup(spec, [spec.ok]);
      const res = await router.complete({ model: 'chat', messages });
      expect(res.model.providerId).toBe(spec.id);
      expect(res.usage.estimated).toBe(false);
      server.use(http.post(spec.url(true), () => spec.okStream()));
      const { parts, error } = await drain(router.stream({ model: 'chat', messages }));
      expect(error).toBeUndefined();
      expect(parts[0]).toMatchObject({ type: 'start', providerId: spec.id });
      expect(parts.at(-1)).toMatchObject({ type: 'finish', usage: { estimated: false } });
      expectReleased(router);
    });

    it('a rate-limited key cools down and the next key of the same provider serves', async () => {
      const { router, seen } = setup(spec, [spec.rateLimited, spec.ok]);
      const res = await router.complete({ model: 'chat', messages });
      expect(res.model.providerId).toBe(spec.id);
      expect(res.attempts.map((a) => [a.keyId, a.errorKind])).toEqual([
        [`${spec.id}-1`, 'rate_limited'],
        [`${spec.id}-2`, undefined],
      ]);
      expect(seen).toHaveLength(2);
      const cooled = router.stats().keys.find((k) => k.keyId === `${spec.id}-1`)!;
      expect(cooled.coolingUntil).toBeGreaterThan(0);
      expectReleased(router);
    });

    it('a refused key is quarantined and the next key serves', async () => {
      const { router } = setup(spec, [spec.authFailed, spec.ok]);
      const res = await router.complete({ model: 'chat', messages });
      expect(res.attempts.map((a) => a.errorKind)).toEqual(['auth', undefined]);
      expect(router.stats().keys.find((k) => k.keyId === `${spec.id}-1`)!.quarantinedUntil).toBeGreaterThan(
        0,
      );
      expectReleased(router);
    });

    it('overloaded fails over to the next candidate; context length does not', async () => {
      const over = setup(spec, [spec.overloaded]);
      const res = await over.router.complete({ model: 'chat', messages });
      expect(res.model.providerId).toBe('openai');
      expect(res.attempts[0]).toMatchObject({ providerId: spec.id, errorKind: 'overloaded' });
      expectReleased(over.router);

      const ctx = setup(spec, [spec.contextLength]);
      const err = await ctx.router.complete({ model: 'chat', messages }).catch((e: unknown) => e);
      expect(ProviderError.isProviderError(err) && err.kind).toBe('context_length');
      expect(ctx.seen).not.toContain('openai');
      expectReleased(ctx.router);
    });

    it('a stream error before the first token fails over invisibly; a cut after it interrupts', async () => {
      const before = setup(spec, [spec.streamErrorBeforeToken], [osse('stream-text')]);
      const ok = await drain(before.router.stream({ model: 'chat', messages }));
      expect(ok.error).toBeUndefined();
      expect(ok.parts.filter((p) => p.type === 'start')).toHaveLength(1);
      expectReleased(before.router);

      const after = setup(spec, [spec.streamCutAfterToken], [osse('stream-text')]);
      const cut = await drain(after.router.stream({ model: 'chat', messages }));
      expect(RouterError.isInstance(cut.error) && cut.error.code).toBe('STREAM_INTERRUPTED');
      expect(cut.parts[0]).toMatchObject({ type: 'start', providerId: spec.id });
      expect(after.seen).not.toContain('openai');
      expectReleased(after.router);
    });
  });
}

describe('the native adapters keep secrets out of everything the router reports', () => {
  it('no secret in errors, results or usage', async () => {
    const dump: unknown[] = [];
    for (const spec of SPECS) {
      const { router } = setup(spec, [spec.authFailed], [() => HttpResponse.json({}, { status: 401 })]);
      router.on('usage', (u) => void dump.push(u));
      dump.push(await router.complete({ model: 'chat', messages }).catch((e: unknown) => e));
    }
    const { inspect } = await import('node:util');
    const text = JSON.stringify(dump) + inspect(dump, { depth: 10 });
    for (const spec of SPECS) for (const s of spec.secrets) expect(text).not.toContain(s);
  });
});
