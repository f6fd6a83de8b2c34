import {
  APICallError,
  type LanguageModelV3CallOptions,
  type LanguageModelV3GenerateResult,
  type LanguageModelV3StreamPart,
} from '@ai-sdk/provider';
import { MockLanguageModelV3 } from 'ai/test';
import { ModelRouter, type ModelRouterOptions, type StreamPart } from 'model-router';
import { aiSdkAdapter } from 'model-router/ai-sdk';
import { mockProvider } from 'model-router/testing';
import { describe, expect, it } from 'vitest';
import { expectReleased } from '../http/harness.js';

const usage = (input: number, output: number) => ({
  inputTokens: { total: input, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: undefined, reasoning: undefined },
});

const generated = (over: Partial<LanguageModelV3GenerateResult> = {}): LanguageModelV3GenerateResult => ({
  content: [{ type: 'text', text: 'Hello from Gemini' }],
  finishReason: { unified: 'stop', raw: 'STOP' },
  usage: usage(9, 4),
  response: { id: 'resp-1', modelId: 'gemini-2.5-flash-001' },
  warnings: [],
  ...over,
});

const streamOf = (parts: LanguageModelV3StreamPart[]) => ({
  stream: new ReadableStream<LanguageModelV3StreamPart>({
    start(controller) {
      for (const p of parts) controller.enqueue(p);
      controller.close();
    },
  }),
});

const apiError = (
  statusCode: number | undefined,
  message: string,
  responseHeaders?: Record<string, string>,
) =>
  new APICallError({
    message,
    url: 'https://llm.example/v1/generate',
    requestBodyValues: {},
    ...(statusCode === undefined ? {} : { statusCode }),
    ...(responseHeaders ? { responseHeaders } : {}),
  });

/** `gemini` (an AI SDK model behind aiSdkAdapter, two keys) fails over to `backup` (a mock provider). */
function setup(gemini: ReturnType<typeof aiSdkAdapter>, router: Partial<ModelRouterOptions> = {}) {
  const backup = mockProvider({ name: 'backup', fallback: { text: 'from backup' } });
  const r = new ModelRouter({
    catalog: {
      providers: [
        {
          id: 'gemini',
          adapter: 'gemini',
          keys: [
            { id: 'g1', secret: 'demo-gemini-key-1' },
            { id: 'g2', secret: 'demo-gemini-key-2' },
          ],
        },
        { id: 'backup', adapter: 'backup', keys: [{ id: 'b1', secret: 'demo-backup-key' }] },
      ],
      models: [
        { providerId: 'gemini', modelId: 'gemini-2.5-flash', contextWindow: 100_000 },
        { providerId: 'backup', modelId: 'backup-model', contextWindow: 50_000 },
      ],
      groups: [
        {
          name: 'chat',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'gemini', modelId: 'gemini-2.5-flash', priority: 0 },
            { providerId: 'backup', modelId: 'backup-model', priority: 1 },
          ],
        },
      ],
    },
    adapters: { gemini, backup },
    ...router,
  });
  return { router: r, backup };
}

const hi = [{ role: 'user' as const, content: 'hi' }];

describe('aiSdkAdapter: complete via doGenerate', () => {
  it('maps the request to v3 call options and the result back', async () => {
    const model = new MockLanguageModelV3({ doGenerate: async () => generated() });
    const { router } = setup(aiSdkAdapter(model));
    const result = await router.complete({
      model: 'chat',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look' },
            { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' },
          ],
        },
        {
          role: 'assistant',
          content: null,
          toolCalls: [{ id: 't1', name: 'lookup', arguments: '{"q":"x"}' }],
        },
        { role: 'tool', toolCallId: 't1', content: 'found' },
      ],
      maxTokens: 100,
      temperature: 0.5,
      topP: 0.8,
      stop: 'END',
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
      toolChoice: { type: 'function', function: { name: 'lookup' } },
      responseFormat: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' } } },
      providerOptions: { gemini: { google: { safetySettings: [] } } },
    });
    expect(result).toMatchObject({
      message: { role: 'assistant', content: 'Hello from Gemini' },
      finishReason: { unified: 'stop', raw: 'STOP' },
      usage: { promptTokens: 9, completionTokens: 4, totalTokens: 13, estimated: false },
      model: { providerId: 'gemini', modelId: 'gemini-2.5-flash' },
      responseModel: 'gemini-2.5-flash-001',
    });
    const options = model.doGenerateCalls[0] as LanguageModelV3CallOptions;
    expect(options.prompt).toEqual([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look' },
          { type: 'file', mediaType: 'image/png', data: 'iVBORw0KGgo=' },
        ],
      },
      {
        role: 'assistant',
        content: [{ type: 'tool-call', toolCallId: 't1', toolName: 'lookup', input: { q: 'x' } }],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 't1',
            toolName: 'lookup',
            output: { type: 'text', value: 'found' },
          },
        ],
      },
    ]);
    expect(options).toMatchObject({
      maxOutputTokens: 100,
      temperature: 0.5,
      topP: 0.8,
      stopSequences: ['END'],
      tools: [{ type: 'function', name: 'lookup', inputSchema: { type: 'object' } }],
      toolChoice: { type: 'tool', toolName: 'lookup' },
      responseFormat: { type: 'json', name: 'out', schema: { type: 'object' } },
      providerOptions: { google: { safetySettings: [] } },
    });
    expect(options.abortSignal).toBeInstanceOf(AbortSignal);
    expectReleased(router);
  });

  it('returns tool calls', async () => {
    const model = new MockLanguageModelV3({
      doGenerate: async () =>
        generated({
          content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'lookup', input: '{"q":"y"}' }],
          finishReason: { unified: 'tool-calls', raw: 'TOOL_USE' },
        }),
    });
    const { router } = setup(aiSdkAdapter(model));
    const result = await router.complete({ model: 'chat', messages: hi });
    expect(result.message.toolCalls).toEqual([{ id: 'c1', name: 'lookup', arguments: '{"q":"y"}' }]);
    expect(result.finishReason.unified).toBe('tool_calls');
  });

  it('a factory gets the model id and the key the router picked, per attempt', async () => {
    const seen: Array<{ modelId: string; apiKey: string; keyId: string }> = [];
    const adapter = aiSdkAdapter((modelId, { apiKey, keyId }) => {
      seen.push({ modelId, apiKey, keyId });
      return new MockLanguageModelV3({
        doGenerate: async () => {
          if (keyId === 'g1') throw apiError(401, 'Invalid API key');
          return generated();
        },
      });
    });
    const { router } = setup(adapter);
    const events: string[] = [];
    router.on('cooldown', (e) => events.push(`${e.keyId}:${e.reason}`));
    const result = await router.complete({ model: 'chat', messages: hi });
    expect(result.message.content).toBe('Hello from Gemini');
    expect(seen).toEqual([
      { modelId: 'gemini-2.5-flash', apiKey: 'demo-gemini-key-1', keyId: 'g1' },
      { modelId: 'gemini-2.5-flash', apiKey: 'demo-gemini-key-2', keyId: 'g2' },
    ]);
    expect(events).toEqual(['g1:auth']);
  });
});

describe('aiSdkAdapter: stream via doStream', () => {
  it('streams text and tool-call inputs, then finish with usage', async () => {
    const model = new MockLanguageModelV3({
      doStream: async () =>
        streamOf([
          { type: 'stream-start', warnings: [] },
          { type: 'response-metadata', id: 'resp-2', modelId: 'gemini-2.5-flash-001' },
          { type: 'text-start', id: 't' },
          { type: 'text-delta', id: 't', delta: 'Let me ' },
          { type: 'text-delta', id: 't', delta: 'check.' },
          { type: 'text-end', id: 't' },
          { type: 'tool-input-start', id: 'c1', toolName: 'lookup' },
          { type: 'tool-input-delta', id: 'c1', delta: '{"q":' },
          { type: 'tool-input-delta', id: 'c1', delta: '"z"}' },
          { type: 'tool-input-end', id: 'c1' },
          { type: 'tool-call', toolCallId: 'c1', toolName: 'lookup', input: '{"q":"z"}' },
          { type: 'tool-call', toolCallId: 'c2', toolName: 'other', input: '{}' },
          { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'TOOL_USE' }, usage: usage(20, 6) },
        ]),
    });
    const { router } = setup(aiSdkAdapter(model));
    const stream = router.stream({ model: 'chat', messages: hi });
    const parts: StreamPart[] = [];
    for await (const p of stream) parts.push(p);
    expect(parts.filter((p) => p.type !== 'finish' && p.type !== 'start')).toEqual([
      { type: 'text-delta', text: 'Let me ' },
      { type: 'text-delta', text: 'check.' },
      { type: 'tool-call-delta', index: 0, id: 'c1', name: 'lookup', argumentsDelta: '' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"q":' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '"z"}' },
      { type: 'tool-call-delta', index: 1, id: 'c2', name: 'other', argumentsDelta: '{}' },
    ]);
    const result = await stream.result;
    expect(result.message).toEqual({
      role: 'assistant',
      content: 'Let me check.',
      toolCalls: [
        { id: 'c1', name: 'lookup', arguments: '{"q":"z"}' },
        { id: 'c2', name: 'other', arguments: '{}' },
      ],
    });
    expect(result.usage).toMatchObject({
      promptTokens: 20,
      completionTokens: 6,
      totalTokens: 26,
      estimated: false,
    });
    expect(result.finishReason).toEqual({ unified: 'tool_calls', raw: 'TOOL_USE' });
    expectReleased(router);
  });

  it('an error part before content fails over; a stream without finish is a protocol error', async () => {
    let call = 0;
    const model = new MockLanguageModelV3({
      doStream: async () =>
        ++call === 1
          ? streamOf([
              { type: 'stream-start', warnings: [] },
              { type: 'error', error: apiError(500, 'upstream broke') },
            ])
          : streamOf([{ type: 'text-delta', id: 't', delta: 'never finished' }]),
    });
    const { router, backup } = setup(aiSdkAdapter(model));
    const first = router.stream({ model: 'chat', messages: hi });
    let text = '';
    for await (const p of first) if (p.type === 'text-delta') text += p.text;
    expect(text).toBe('from backup');
    expect((await first.result).attempts.map((a) => a.errorKind ?? a.status)).toEqual(['server', 'success']);

    const second = router.stream({ model: 'gemini/gemini-2.5-flash', messages: hi });
    const error = await (async () => {
      for await (const _ of second) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STREAM_INTERRUPTED' });
    expect(
      (await second.result.catch((e: { attempts: Array<{ errorKind?: string }> }) => e)).attempts[0]
        ?.errorKind,
    ).toBe('protocol');
    expect(backup.calls).toHaveLength(1);
    expectReleased(router);
  });
});

describe('aiSdkAdapter: APICallError → ProviderError kinds', () => {
  it('429 cools the key for its retry-after, then fails over', async () => {
    const model = new MockLanguageModelV3({
      doGenerate: async () => {
        throw apiError(429, 'Too many requests', { 'retry-after': '42' });
      },
    });
    const { router } = setup(aiSdkAdapter(model), {
      cooldown: { defaultMs: 1000, minMs: 1000, maxMs: 600_000, quarantineMs: 900_000 },
    });
    const cooled: Array<{ keyId: string; ms: number }> = [];
    router.on('cooldown', (e) => cooled.push({ keyId: e.keyId, ms: e.until - Date.now() }));
    const result = await router.complete({ model: 'chat', messages: hi });
    expect(result.model.providerId).toBe('backup');
    expect(cooled.map((c) => c.keyId)).toEqual(['g1', 'g2']);
    expect(cooled[0]!.ms).toBeGreaterThan(30_000);
    expect(result.attempts.slice(0, 2).map((a) => [a.errorKind, a.httpStatus])).toEqual([
      ['rate_limited', 429],
      ['rate_limited', 429],
    ]);
  });

  it.each([
    [401, 'Invalid key', 'auth'],
    [403, 'Forbidden', 'auth'],
    [404, 'No such model', 'not_found'],
    [500, 'Internal error', 'server'],
    [502, 'Bad gateway', 'server'],
    [503, 'Unavailable', 'overloaded'],
    [529, 'Overloaded', 'overloaded'],
    [undefined, 'Cannot connect to API', 'network'],
  ])('status %s → %s, and the router fails over', async (status, message, kind) => {
    const model = new MockLanguageModelV3({
      doGenerate: async () => {
        throw apiError(status, message);
      },
    });
    const { router } = setup(aiSdkAdapter(model));
    const result = await router.complete({ model: 'chat', messages: hi });
    expect(result.model.providerId).toBe('backup');
    expect(result.attempts[0]).toMatchObject({ status: 'error', errorKind: kind });
  });

  it('400 is bad_request (no failover); a context-length message is context_length', async () => {
    const messages = ['Invalid value for temperature', "This model's maximum context length is 8192 tokens"];
    const model = new MockLanguageModelV3({
      doGenerate: async () => {
        throw apiError(400, messages.shift()!);
      },
    });
    const { router } = setup(aiSdkAdapter(model));
    await expect(router.complete({ model: 'chat', messages: hi })).rejects.toMatchObject({
      code: 'PROVIDER_ERROR',
      kind: 'bad_request',
    });
    // The only other candidate has a smaller context window: nothing to fall back to.
    await expect(router.complete({ model: 'chat', messages: hi })).rejects.toMatchObject({
      kind: 'context_length',
      status: 400,
    });
    expectReleased(router);
  });
});
