import { inspect } from 'node:util';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors/provider-error.js';
import { anthropic } from '../../src/providers/index.js';
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

const URL_ = 'https://api.anthropic.com/v1/messages';
// Random-looking, as real keys are: a key spelling "anthropic" would be scrubbed from every message naming it.
const KEY = 'test-an-key-5e1d9c7b';
const clock = { now: () => Date.parse('2025-01-01T00:00:00Z') };
const server = useServer();

const adapter = (options: Parameters<typeof anthropic>[0] = {}) => anthropic({ clock, ...options });
const call = (spec: Partial<Parameters<typeof makeCall>[0]> = {}) =>
  makeCall({ providerId: 'anthropic', modelId: 'claude-sonnet-4-5', apiKey: KEY, keyId: 'an-1', ...spec });

function answer(respond: () => Response | Promise<Response>, url = URL_): Captured[] {
  const seen: Captured[] = [];
  server.use(
    http.post(url, async ({ request }) => {
      await capture(request, seen);
      return respond();
    }),
  );
  return seen;
}

describe('anthropic().complete', () => {
  it('maps a plain reply; usage counts cache reads and writes as prompt tokens; headers → rateLimit', async () => {
    const seen = answer(() => replay(exchange('anthropic', 'message-plain')));
    const result = await adapter().complete(call());
    expect(result).toMatchObject({
      message: { role: 'assistant', content: 'Hi! My name is Claude.' },
      finishReason: { unified: 'stop', raw: 'end_turn' },
      usage: { promptTokens: 2112, completionTokens: 503, totalTokens: 2615 },
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      responseModel: 'claude-sonnet-4-5-20250929',
    });
    // Of the tokens, input-tokens and output-tokens windows, the tightest (output: half spent) is reported.
    expect(result.rateLimit).toEqual({
      limitRequests: 4000,
      remainingRequests: 3999,
      resetRequestsMs: 1000,
      limitTokens: 80000,
      remainingTokens: 40000,
      resetTokensMs: 30000,
    });
    const [req] = seen;
    expect(req!.headers['x-api-key']).toBe(KEY);
    expect(req!.headers['anthropic-version']).toBe('2023-06-01');
    expect(req!.headers.authorization).toBeUndefined();
    expect(req!.url).not.toContain(KEY);
    expect(req!.rawBody).not.toContain(KEY);
    expect(req!.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    });
  });

  it('takes max_tokens from the request, else the model, else defaultMaxTokens', async () => {
    const seen = answer(() => replay(exchange('anthropic', 'message-plain')));
    await adapter().complete(call({ request: { maxTokens: 10 }, maxOutputTokens: 8192 }));
    await adapter().complete(call({ maxOutputTokens: 8192 }));
    await adapter({ defaultMaxTokens: 1000 }).complete(call());
    expect(seen.map((r) => r.body.max_tokens)).toEqual([10, 8192, 1000]);
  });

  it('maps a conversation: top-level system, tool_use and merged tool_result turns, tools, tool_choice', async () => {
    const seen = answer(
      () => replay(exchange('anthropic', 'message-plain')),
      'https://proxy.test/anthropic/v1/messages',
    );
    await adapter({
      baseURL: 'https://unused.test/v1',
      version: '2024-01-01',
      headers: { 'anthropic-beta': 'tools-x', 'X-Api-Key': 'other' },
    }).complete(
      call({
        baseUrl: 'https://proxy.test/anthropic/v1/',
        request: {
          temperature: 0.3,
          topP: 0.8,
          stop: 'END',
          user: 'user-42',
          messages: [
            { role: 'system', content: 'You are terse.' },
            {
              role: 'user',
              content: [
                { type: 'text', text: 'Weather in both?' },
                { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' },
                { type: 'image', url: 'https://img.test/map.png' },
              ],
            },
            {
              role: 'assistant',
              content: 'Checking.',
              toolCalls: [
                { id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
                { id: 'toolu_2', name: 'get_time', arguments: '' },
              ],
            },
            { role: 'tool', toolCallId: 'toolu_1', content: '21C' },
            { role: 'tool', toolCallId: 'toolu_2', content: '12:00' },
            { role: 'system', content: 'Answer in French.' },
            { role: 'user', content: 'Thanks' },
          ],
          tools: [
            {
              type: 'function',
              function: {
                name: 'get_weather',
                description: 'Weather',
                parameters: { type: 'object', properties: { city: { type: 'string' } } },
              },
            },
            { type: 'function', function: { name: 'get_time' } },
          ],
          toolChoice: 'required',
          responseFormat: { type: 'json_object' },
          providerOptions: { anthropic: { top_k: 5 } },
        },
      }),
    );
    const [req] = seen;
    expect(req!.headers['anthropic-version']).toBe('2024-01-01');
    expect(req!.headers['anthropic-beta']).toBe('tools-x');
    expect(req!.headers['x-api-key']).toBe(KEY);
    expect(req!.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'You are terse.\n\nAnswer in French.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather in both?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://img.test/map.png' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '21C' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: '12:00' },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ],
      temperature: 0.3,
      top_p: 0.8,
      stop_sequences: ['END'],
      tools: [
        {
          name: 'get_weather',
          description: 'Weather',
          input_schema: { type: 'object', properties: { city: { type: 'string' } } },
        },
        { name: 'get_time', input_schema: { type: 'object', properties: {} } },
      ],
      tool_choice: { type: 'any' },
      metadata: { user_id: 'user-42' },
      top_k: 5,
    });
  });

  it('maps every toolChoice', async () => {
    const seen = answer(() => replay(exchange('anthropic', 'message-plain')));
    for (const toolChoice of ['auto', 'none', { type: 'function', function: { name: 'f' } }] as const) {
      await adapter().complete(call({ request: { toolChoice } }));
    }
    expect(seen.map((r) => r.body.tool_choice)).toEqual([
      { type: 'auto' },
      { type: 'none' },
      { type: 'tool', name: 'f' },
    ]);
  });

  it('refuses history tool arguments that are not a JSON object, without calling the API', async () => {
    const err = await rejection(
      adapter().complete(
        call({
          request: {
            messages: [
              { role: 'assistant', content: null, toolCalls: [{ id: 't', name: 'f', arguments: '{oops' }] },
            ],
          },
        }),
      ),
    );
    expect(err).toMatchObject({ kind: 'bad_request', providerId: 'anthropic', keyId: 'an-1' });
  });

  it('maps tool_use blocks to tool calls', async () => {
    answer(() => replay(exchange('anthropic', 'message-tool-use')));
    const result = await adapter().complete(call());
    expect(result.finishReason).toEqual({ unified: 'tool_calls', raw: 'tool_use' });
    expect(result.message).toEqual({
      role: 'assistant',
      content: "I'll check the current weather in San Francisco for you.",
      toolCalls: [
        {
          id: 'toolu_01A09q90qw90lq917835lq9',
          name: 'get_weather',
          arguments: '{"location":"San Francisco, CA","unit":"celsius"}',
        },
      ],
    });
    expect(result.usage).toEqual({ promptTokens: 384, completionTokens: 92, totalTokens: 476 });
  });

  it('leaves usage out when the body has none', async () => {
    answer(() => replay(exchange('anthropic', 'message-no-usage')));
    const result = await adapter().complete(call());
    expect(result.usage).toBeUndefined();
    expect(result.finishReason).toEqual({ unified: 'length', raw: 'max_tokens' });
  });
});

describe('anthropic() errors', () => {
  const cases: [string, Partial<ProviderError>][] = [
    ['error-429', { kind: 'rate_limited', status: 429, retryAfterMs: 30_000 }],
    ['error-529', { kind: 'overloaded', status: 529 }],
    ['error-401', { kind: 'auth', status: 401 }],
    ['error-403', { kind: 'auth', status: 403 }],
    ['error-400-prompt-too-long', { kind: 'context_length', status: 400, isRetryable: false }],
    ['error-400-credit', { kind: 'auth', status: 400 }],
    ['error-404', { kind: 'not_found', status: 404 }],
    ['error-500', { kind: 'server', status: 500 }],
  ];
  for (const [name, expected] of cases) {
    it(`${name} → ${expected.kind}`, async () => {
      const ex = exchange('anthropic', name);
      answer(() => replay(ex));
      const err = await rejection(adapter().complete(call()));
      expect(ProviderError.isProviderError(err)).toBe(true);
      expect(err).toMatchObject({
        ...expected,
        providerId: 'anthropic',
        modelId: 'claude-sonnet-4-5',
        keyId: 'an-1',
      });
      expect((err as ProviderError).body).toEqual(ex.body);
      expect(Object.keys(err as object)).not.toContain('body');
    });
  }

  it('turns anthropic-ratelimit-* timestamps into durations from now; the tightest token window wins', async () => {
    answer(() => replay(exchange('anthropic', 'error-429')));
    const err = (await rejection(adapter().complete(call()))) as ProviderError;
    expect(err.rateLimit).toEqual({
      limitRequests: 50,
      remainingRequests: 0,
      resetRequestsMs: 30_000,
      limitTokens: 40_000,
      remainingTokens: 0,
      resetTokensMs: 45_000,
      retryAfterMs: 30_000,
    });
  });

  it('keeps the key out of errors', async () => {
    answer(() =>
      HttpResponse.json(
        { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${KEY}` } },
        { status: 401 },
      ),
    );
    const err = await rejection(adapter().complete(call()));
    for (const shown of [JSON.stringify(err), inspect(err), inspect(err, { showHidden: true, depth: 5 })]) {
      expect(shown).not.toContain(KEY);
    }
  });
});

describe('anthropic().stream', () => {
  it('streams the documented event sequence: text deltas, then finish with usage from message_start and message_delta', async () => {
    const seen = answer(() =>
      sseResponse(sseFixture('anthropic', 'stream-text'), {
        headers: { 'anthropic-ratelimit-requests-remaining': '7' },
      }),
    );
    const stream = await adapter().stream(call({ request: { maxTokens: 256 } }));
    expect(stream.rateLimit).toEqual({ remainingRequests: 7 });
    const parts = await collect(stream.parts);
    expect(parts).toEqual([
      { type: 'text-delta', text: 'Hello' },
      { type: 'text-delta', text: ' à toi 👋' },
      { type: 'text-delta', text: '!' },
      {
        type: 'finish',
        finishReason: { unified: 'stop', raw: 'end_turn' },
        // Cache reads and writes are part of the prompt, and reported apart too.
        usage: {
          promptTokens: 35,
          completionTokens: 15,
          totalTokens: 50,
          cachedPromptTokens: 10,
          cacheWriteTokens: 0,
        },
        responseModel: 'claude-sonnet-4-5-20250929',
        id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY',
      },
    ]);
    expect(seen[0]!.body).toMatchObject({ stream: true, max_tokens: 256 });
    expect(seen[0]!.body.stream_options).toBeUndefined();
  });

  it('streams a tool_use block: id and name first, then input_json_delta fragments', async () => {
    answer(() => sseResponse(sseFixture('anthropic', 'stream-tool-use'), { chunkBytes: 13 }));
    const parts = await collect((await adapter().stream(call())).parts);
    expect(text(parts)).toBe("Okay, let's check the weather for San Francisco, CA:");
    const deltas = parts.filter((p) => p.type === 'tool-call-delta');
    expect(deltas[0]).toEqual({
      type: 'tool-call-delta',
      index: 0,
      id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
      name: 'get_weather',
      argumentsDelta: '',
    });
    const args = deltas.map((p) => (p.type === 'tool-call-delta' ? p.argumentsDelta : '')).join('');
    expect(JSON.parse(args)).toEqual({ location: 'San Francisco, CA', unit: 'fahrenheit' });
    expect(deltas.every((p) => p.type === 'tool-call-delta' && p.index === 0)).toBe(true);
    expect(parts.at(-1)).toMatchObject({
      type: 'finish',
      finishReason: { unified: 'tool_calls', raw: 'tool_use' },
      usage: { promptTokens: 472, completionTokens: 89, totalTokens: 561 },
    });
  });

  it('finishes without usage when the stream reports none', async () => {
    answer(() => sseResponse(sseFixture('anthropic', 'stream-no-usage')));
    const parts = await collect((await adapter().stream(call())).parts);
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'end_turn' },
      responseModel: 'claude-haiku-4-5',
      id: 'msg_x',
    });
  });

  it('accepts a body cut after message_delta (only message_stop is missing)', async () => {
    answer(() => sseResponse(sseFixture('anthropic', 'stream-no-stop')));
    const parts = await collect((await adapter().stream(call())).parts);
    expect(parts.at(-1)).toMatchObject({
      type: 'finish',
      finishReason: { unified: 'length' },
      usage: { completionTokens: 3 },
    });
  });

  const failures: [string, string[], Partial<ProviderError>][] = [
    ['stream-error-event', ['Partial'], { kind: 'overloaded', status: undefined }],
    ['stream-error-before-token', [], { kind: 'rate_limited' }],
    ['stream-malformed', ['Hel'], { kind: 'protocol' }],
    ['stream-cut-before-token', [], { kind: 'protocol' }],
    ['stream-cut-after-token', ['Hello', ' wor'], { kind: 'protocol' }],
  ];
  for (const [name, before, expected] of failures) {
    it(`${name}: ${before.length} content parts, then ${expected.kind}`, async () => {
      answer(() => sseResponse(sseFixture('anthropic', name)));
      const { parts, error } = await collectUntilError((await adapter().stream(call())).parts);
      expect(parts.map((p) => (p.type === 'text-delta' ? p.text : p.type))).toEqual(before);
      expect(error).toMatchObject({
        ...expected,
        providerId: 'anthropic',
        modelId: 'claude-sonnet-4-5',
        keyId: 'an-1',
      });
    });
  }

  it('throws a 529 from stream() itself', async () => {
    answer(() => replay(exchange('anthropic', 'error-529')));
    expect(await rejection(adapter().stream(call()))).toMatchObject({ kind: 'overloaded', status: 529 });
  });
});
