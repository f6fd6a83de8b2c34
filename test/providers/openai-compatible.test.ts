import { inspect } from 'node:util';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors/provider-error.js';
import { openaiCompatible } from '../../src/providers/index.js';
import {
  type Captured,
  capture,
  collect,
  collectUntilError,
  exchange,
  makeCall,
  rejection,
  replay,
  sseFixture,
  sseResponse,
  text,
  useServer,
} from './helpers.js';

const BASE = 'https://api.openai.test/v1';
const URL_ = `${BASE}/chat/completions`;
const KEY = 'test-openai-key';
const clock = { now: () => Date.parse('2025-01-01T00:00:00Z') };
// Made before msw starts listening: fetch must be read at call time for msw to see the calls.
const early = openaiCompatible({ baseURL: BASE });
const server = useServer();

const adapter = (options: Partial<Parameters<typeof openaiCompatible>[0]> = {}) =>
  openaiCompatible({ baseURL: `${BASE}/`, clock, ...options });
const call = (spec: Partial<Parameters<typeof makeCall>[0]> = {}) =>
  makeCall({ providerId: 'openai', modelId: 'gpt-4o-mini', apiKey: KEY, keyId: 'oa-1', ...spec });

function answer(respond: () => Response | Promise<Response>): Captured[] {
  const seen: Captured[] = [];
  server.use(
    http.post(URL_, async ({ request }) => {
      await capture(request, seen);
      return respond();
    }),
  );
  return seen;
}

describe('openaiCompatible().complete', () => {
  it('maps a plain reply, its usage and its rate-limit headers; sends the key only as a Bearer header', async () => {
    const seen = answer(() => replay(exchange('openai', 'chat-plain')));
    const result = await adapter().complete(
      call({ request: { maxTokens: 100, temperature: 0.2, topP: 0.9, stop: ['\n\n'], user: 'user-42' } }),
    );
    expect(result).toMatchObject({
      message: { role: 'assistant', content: 'Hello! How can I assist you today?' },
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: { promptTokens: 19, completionTokens: 10, totalTokens: 29 },
      id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      responseModel: 'gpt-4o-mini-2024-07-18',
    });
    expect(result.message.toolCalls).toBeUndefined();
    expect(result.rateLimit).toEqual({
      limitRequests: 10000,
      remainingRequests: 9999,
      resetRequestsMs: 6,
      limitTokens: 200000,
      remainingTokens: 199950,
      resetTokensMs: 15,
    });
    const [req] = seen;
    expect(req!.url).toBe(URL_);
    expect(req!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['\n\n'],
      user: 'user-42',
    });
    expect(req!.url).not.toContain(KEY);
    expect(req!.rawBody).not.toContain(KEY);
  });

  it('reads globalThis.fetch at call time, so an interceptor installed after the factory sees the call', async () => {
    const seen = answer(() => replay(exchange('openai', 'chat-plain')));
    await early.complete(call());
    expect(seen).toHaveLength(1);
  });

  it("uses the catalog provider's baseUrl over the factory's", async () => {
    const seen: Captured[] = [];
    server.use(
      http.post('https://groq.test/openai/v1/chat/completions', async ({ request }) => {
        await capture(request, seen);
        return replay(exchange('openai', 'chat-plain'));
      }),
    );
    await adapter().complete(call({ baseUrl: 'https://groq.test/openai/v1' }));
    expect(seen).toHaveLength(1);
  });

  it('maps a whole conversation: system, image parts, assistant tool calls, tool results, tools, formats', async () => {
    const seen = answer(() => replay(exchange('openai', 'chat-plain')));
    await adapter({ maxTokensField: 'max_completion_tokens' }).complete(
      call({
        request: {
          maxTokens: 50,
          temperature: 1,
          messages: [
            { role: 'system', content: 'Be brief.' },
            {
              role: 'user',
              name: 'ann',
              content: [
                { type: 'text', text: 'Weather here?' },
                { type: 'image', url: 'https://img.test/sky.png' },
              ],
            },
            {
              role: 'assistant',
              content: null,
              toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
            },
            { role: 'tool', toolCallId: 'call_1', content: '{"temp":21}' },
          ],
          tools: [
            {
              type: 'function',
              function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } },
            },
          ],
          toolChoice: { type: 'function', function: { name: 'get_weather' } },
          responseFormat: { type: 'json_object' },
          providerOptions: { openai: { temperature: 0.5, seed: 7 }, other: { seed: 1 } },
        },
      }),
    );
    expect(seen[0]!.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          name: 'ann',
          content: [
            { type: 'text', text: 'Weather here?' },
            { type: 'image_url', image_url: { url: 'https://img.test/sky.png' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
      ],
      max_completion_tokens: 50,
      temperature: 0.5,
      seed: 7,
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      response_format: { type: 'json_object' },
    });
  });

  it('maps tool calls in a reply', async () => {
    answer(() => replay(exchange('openai', 'chat-tool-call')));
    const result = await adapter().complete(call());
    expect(result.finishReason).toEqual({ unified: 'tool_calls', raw: 'tool_calls' });
    expect(result.message).toEqual({
      role: 'assistant',
      content: '',
      toolCalls: [
        { id: 'call_abc123', name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' },
        { id: 'call_def456', name: 'get_current_time', arguments: '{"timezone":"America/New_York"}' },
      ],
    });
    expect(result.usage).toEqual({ promptTokens: 82, completionTokens: 17, totalTokens: 99 });
  });

  it('leaves usage out when the server reports none (Ollama), and keeps non-ASCII text whole', async () => {
    answer(() => replay(exchange('openai', 'chat-no-usage')));
    const result = await adapter().complete(call({ apiKey: '' }));
    expect(result.usage).toBeUndefined();
    expect(result.rateLimit).toBeUndefined();
    expect(result.message.content).toBe('Bonjour à toi 👋');
  });

  it('sends no Authorization header without a key, and lets the key win over a configured one', async () => {
    const seen = answer(() => replay(exchange('openai', 'chat-plain')));
    const a = adapter({ headers: { Authorization: 'Bearer other', 'HTTP-Referer': 'https://app.test' } });
    await a.complete(call({ apiKey: '' }));
    await a.complete(call());
    expect(seen[0]!.headers.authorization).toBe('Bearer other');
    expect(seen[1]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(seen[1]!.headers['http-referer']).toBe('https://app.test');
  });
});

describe('openaiCompatible() errors', () => {
  const cases: [string, Partial<ProviderError>, boolean][] = [
    ['error-429', { kind: 'rate_limited', status: 429, retryAfterMs: 120 }, true],
    ['error-429-insufficient-quota', { kind: 'auth', status: 429 }, true],
    ['error-401', { kind: 'auth', status: 401 }, true],
    ['error-400-context-length', { kind: 'context_length', status: 400 }, false],
    ['error-400-content-filter', { kind: 'content_filter', status: 400 }, false],
    ['error-400-bad-request', { kind: 'bad_request', status: 400 }, false],
    ['error-503', { kind: 'overloaded', status: 503, retryAfterMs: 10_000 }, true],
    ['error-500', { kind: 'server', status: 500 }, true],
    ['vllm-400-context-length', { kind: 'context_length', status: 400 }, false],
    ['ollama-404', { kind: 'not_found', status: 404 }, true],
    ['openrouter-402', { kind: 'auth', status: 402 }, true],
  ];
  for (const [name, expected, retryable] of cases) {
    it(`${name} → ${expected.kind}`, async () => {
      const ex = exchange('openai', name);
      answer(() => replay(ex));
      const err = await rejection(adapter().complete(call()));
      expect(ProviderError.isProviderError(err)).toBe(true);
      expect(err).toMatchObject({
        ...expected,
        code: 'PROVIDER_ERROR',
        isRetryable: retryable,
        providerId: 'openai',
        modelId: 'gpt-4o-mini',
        keyId: 'oa-1',
      });
      const e = err as ProviderError;
      // Bodies and headers are there for debugging, but never enumerable.
      // The 401 fixture echoes the key's first 8 characters, masked ("test-ope*******-key"): a
      // recognisable fragment, so it is scrubbed (#11 item 9); everything else is kept as sent.
      expect(e.body).toEqual(JSON.parse(JSON.stringify(ex.body).replaceAll(KEY.slice(0, 8), '[redacted]')));
      expect(e.headers?.['content-type']).toContain('application/json');
      expect(Object.keys(e)).not.toContain('body');
      expect(Object.keys(e)).not.toContain('headers');
      expect(JSON.stringify(e)).not.toContain('"body"');
    });
  }

  it('reports the rate-limit headers of a 429, and falls back to the spent window reset', async () => {
    const ex = exchange('openai', 'error-429');
    answer(() => replay(ex));
    const err = (await rejection(adapter().complete(call()))) as ProviderError;
    expect(err.rateLimit).toEqual({
      limitRequests: 500,
      remainingRequests: 0,
      resetRequestsMs: 360_000,
      limitTokens: 200_000,
      remainingTokens: 150_000,
      resetTokensMs: 1500,
      retryAfterMs: 120,
    });
    const { 'retry-after': _, 'retry-after-ms': __, ...rest } = ex.headers;
    answer(() => replay({ ...ex, headers: rest }));
    const again = (await rejection(adapter().complete(call()))) as ProviderError;
    expect(again.retryAfterMs).toBe(360_000);
  });

  it('maps other statuses: 408 timeout, 502 with an HTML body server, 422 bad request', async () => {
    for (const [status, kind] of [
      [408, 'timeout'],
      [502, 'server'],
      [422, 'bad_request'],
    ] as const) {
      answer(
        () =>
          new HttpResponse('<html>Bad Gateway</html>', { status, headers: { 'content-type': 'text/html' } }),
      );
      expect(await rejection(adapter().complete(call()))).toMatchObject({ kind, status });
    }
  });

  it('never shows the key in a message, JSON or inspect output, even when the server echoes it', async () => {
    answer(() =>
      HttpResponse.json(
        {
          error: {
            message: `Incorrect API key provided: ${KEY}`,
            type: 'invalid_request_error',
            code: 'invalid_api_key',
          },
        },
        { status: 401 },
      ),
    );
    const err = (await rejection(adapter().complete(call()))) as ProviderError;
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('[redacted]');
    for (const shown of [
      err.message,
      err.stack ?? '',
      JSON.stringify(err),
      inspect(err),
      inspect(err, { showHidden: true, depth: 5 }),
    ]) {
      expect(shown).not.toContain(KEY);
    }
    expect(JSON.stringify(err.body)).not.toContain(KEY);
  });

  it('maps a network failure and a timeout from fetch', async () => {
    server.use(http.post(URL_, () => HttpResponse.error()));
    expect(await rejection(adapter().complete(call()))).toMatchObject({ kind: 'network', isRetryable: true });

    const reset = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    });
    const failing = adapter({ fetch: async () => Promise.reject(reset) });
    const err = (await rejection(failing.complete(call()))) as ProviderError;
    expect(err).toMatchObject({ kind: 'network', providerId: 'openai', keyId: 'oa-1' });
    expect(err.message).toContain('ECONNRESET');

    const slow = adapter({
      fetch: async () => Promise.reject(new DOMException('The operation timed out.', 'TimeoutError')),
    });
    expect(await rejection(slow.complete(call()))).toMatchObject({ kind: 'timeout' });
  });

  it('rethrows the caller’s abort reason as is, without calling fetch when already aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('caller gone');
    controller.abort(reason);
    let called = false;
    const a = adapter({
      fetch: async () => {
        called = true;
        return new Response('{}');
      },
    });
    expect(await rejection(a.complete(call({ signal: controller.signal })))).toBe(reason);
    expect(called).toBe(false);
  });

  it('rethrows the abort reason when the signal fires while waiting for response headers', async () => {
    const controller = new AbortController();
    const reason = new Error('attempt timeout');
    server.use(
      http.post(URL_, () => {
        controller.abort(reason);
        return new Promise<Response>(() => {}); // a server that never answers
      }),
    );
    expect(await rejection(adapter().complete(call({ signal: controller.signal })))).toBe(reason);
  });

  it('rethrows the abort reason when the signal fires while the body is read', async () => {
    const controller = new AbortController();
    const reason = new Error('deadline');
    answer(() => {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode('{"id":"x",'));
          queueMicrotask(() => controller.abort(reason));
        },
      });
      return new HttpResponse(body as unknown as null, { headers: { 'content-type': 'application/json' } });
    });
    expect(await rejection(adapter().complete(call({ signal: controller.signal })))).toBe(reason);
  });

  it('refuses an oversized or malformed body as a protocol error', async () => {
    answer(() => HttpResponse.json({ padding: 'x'.repeat(5000) }));
    const small = adapter({ limits: { maxBodyBytes: 1000 } });
    expect(await rejection(small.complete(call()))).toMatchObject({ kind: 'protocol', isRetryable: true });

    answer(
      () =>
        new HttpResponse('{"id": "chatcmpl-1", "choi', { headers: { 'content-type': 'application/json' } }),
    );
    expect(await rejection(adapter().complete(call()))).toMatchObject({ kind: 'protocol' });

    answer(() => HttpResponse.json({ id: 'x', choices: [] }));
    expect(await rejection(adapter().complete(call()))).toMatchObject({ kind: 'protocol' });
  });

  it('classifies an error body sent with status 200 (OpenRouter)', async () => {
    answer(() => HttpResponse.json({ error: { code: 502, message: 'Provider returned error' } }));
    expect(await rejection(adapter().complete(call()))).toMatchObject({ kind: 'server', status: undefined });
  });

  it('validates its options', () => {
    expect(() => openaiCompatible({ baseURL: '' })).toThrow(/baseURL/);
    expect(() => openaiCompatible({ baseURL: BASE, limits: { maxLineBytes: 0 } })).toThrow(/maxLineBytes/);
  });
});

describe('openaiCompatible().stream', () => {
  it('streams text deltas, then a finish with the usage chunk’s usage', async () => {
    const seen = answer(() =>
      sseResponse(sseFixture('openai', 'stream-text'), {
        headers: { 'x-ratelimit-remaining-requests': '41' },
      }),
    );
    const stream = await adapter().stream(call({ request: { maxTokens: 64 } }));
    expect(stream.rateLimit).toEqual({ remainingRequests: 41 });
    const parts = await collect(stream.parts);
    expect(parts).toEqual([
      { type: 'text-delta', text: 'Hello' },
      { type: 'text-delta', text: ' à toi 👋' },
      { type: 'text-delta', text: ' How can I help?' },
      {
        type: 'finish',
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: {
          promptTokens: 9,
          completionTokens: 5,
          totalTokens: 14,
          cachedPromptTokens: 0,
          reasoningTokens: 0,
        },
        responseModel: 'gpt-4o-mini-2024-07-18',
        id: 'chatcmpl-stream-1',
      },
    ]);
    expect(seen[0]!.body).toMatchObject({
      model: 'gpt-4o-mini',
      max_tokens: 64,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(seen[0]!.headers.accept).toBe('text/event-stream');
  });

  it('omits stream_options when streamUsage is off; keeps stream true over providerOptions', async () => {
    const seen = answer(() => sseResponse(sseFixture('openai', 'stream-no-usage')));
    const stream = await adapter({ streamUsage: false }).stream(
      call({ request: { providerOptions: { openai: { stream: false } } } }),
    );
    const parts = await collect(stream.parts);
    expect(seen[0]!.body.stream_options).toBeUndefined();
    expect(seen[0]!.body.stream).toBe(true);
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      finishReason: { unified: 'length', raw: 'length' },
      responseModel: 'gpt-4o-mini-2024-07-18',
      id: 'chatcmpl-stream-1',
    });
  });

  it('streams tool-call deltas with index, id and name, and argument fragments', async () => {
    answer(() => sseResponse(sseFixture('openai', 'stream-tool-call'), { chunkBytes: 11 }));
    const parts = await collect((await adapter().stream(call())).parts);
    const deltas = parts.filter((p) => p.type === 'tool-call-delta');
    expect(deltas[0]).toEqual({
      type: 'tool-call-delta',
      index: 0,
      id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA',
      name: 'get_weather',
      argumentsDelta: '',
    });
    const args = (i: number) =>
      deltas.map((p) => (p.type === 'tool-call-delta' && p.index === i ? p.argumentsDelta : '')).join('');
    expect(args(0)).toBe('{"location":"Paris"}');
    expect(args(1)).toBe('{}');
    expect(deltas.find((p) => p.type === 'tool-call-delta' && p.index === 1)).toMatchObject({
      id: 'call_2nd',
      name: 'get_time',
    });
    expect(parts.at(-1)).toMatchObject({
      type: 'finish',
      finishReason: { unified: 'tool_calls' },
      usage: { promptTokens: 85, completionTokens: 31, totalTokens: 116 },
    });
  });

  const failures: [string, string[], Partial<ProviderError>][] = [
    ['stream-malformed', ['Hel'], { kind: 'protocol' }],
    ['stream-error-event', ['Partial'], { kind: 'server', status: undefined }],
    ['stream-error-before-token', [], { kind: 'rate_limited' }],
    ['openrouter-stream-error', ['Hi'], { kind: 'server' }],
    ['stream-cut-before-token', [], { kind: 'protocol' }],
    ['stream-cut-after-token', ['Hello', ' wor'], { kind: 'protocol' }],
  ];
  for (const [name, before, expected] of failures) {
    it(`${name}: ${before.length} content parts, then ${expected.kind}`, async () => {
      answer(() => sseResponse(sseFixture('openai', name)));
      const { parts, error } = await collectUntilError((await adapter().stream(call())).parts);
      expect(parts.map((p) => (p.type === 'text-delta' ? p.text : p.type))).toEqual(before);
      expect(ProviderError.isProviderError(error)).toBe(true);
      expect(error).toMatchObject({
        ...expected,
        providerId: 'openai',
        modelId: 'gpt-4o-mini',
        keyId: 'oa-1',
      });
    });
  }

  it('says "ended early" for a body cut before the end', async () => {
    answer(() => sseResponse(sseFixture('openai', 'stream-cut-after-token')));
    const { error } = await collectUntilError((await adapter().stream(call())).parts);
    expect((error as Error).message).toMatch(/ended early/);
  });

  it('accepts a body that closes after finish_reason without [DONE]', async () => {
    answer(() => sseResponse(sseFixture('openai', 'stream-no-done')));
    const parts = await collect((await adapter().stream(call())).parts);
    expect(text(parts)).toBe('Done.');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' } });
    expect(parts.at(-1)).not.toHaveProperty('usage');
  });

  it('reads an `event: error` with a plain-text payload, and Groq’s x_groq.usage', async () => {
    answer(() => sseResponse('event: error\ndata: upstream overloaded, try later\n\n'));
    const { error } = await collectUntilError((await adapter().stream(call())).parts);
    expect(error).toMatchObject({ kind: 'server' });
    expect((error as Error).message).toContain('upstream overloaded');

    const chunk = (body: object) => `data: ${JSON.stringify(body)}\n\n`;
    answer(() =>
      sseResponse(
        chunk({
          id: 'g1',
          model: 'llama-3.3-70b-versatile',
          choices: [{ index: 0, delta: { content: 'Hi' } }],
        }) +
          chunk({
            id: 'g1',
            choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
            x_groq: { id: 'req_1', usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } },
          }) +
          'data: [DONE]\n\n',
      ),
    );
    const parts = await collect((await adapter().stream(call())).parts);
    expect(parts.at(-1)).toMatchObject({ usage: { promptTokens: 3, completionTokens: 1, totalTokens: 4 } });
  });

  it('throws HTTP errors from stream() itself, before any part', async () => {
    answer(() => replay(exchange('openai', 'error-429')));
    expect(await rejection(adapter().stream(call()))).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 120,
    });
  });

  it('classifies a JSON error body answering a streaming request', async () => {
    answer(() =>
      HttpResponse.json({ error: { message: 'Rate limit exceeded', type: 'rate_limit_exceeded' } }),
    );
    expect(await rejection(adapter().stream(call()))).toMatchObject({ kind: 'rate_limited' });
  });
});
