import { APICallError } from '@ai-sdk/provider';
import { generateText, jsonSchema, streamText, tool } from 'ai';
import { RouterError } from 'model-router';
import { createRouterProvider } from 'model-router/ai-sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectReleased, relayRouter } from '../http/harness.js';

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

let setup = relayRouter();
afterEach(async () => {
  await setup.router.close();
  setup = relayRouter();
});

const provider = () => createRouterProvider(setup.router);
const weather = tool({
  description: 'Weather by city',
  inputSchema: jsonSchema<{ city: string }>({
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  }),
});

describe('createRouterProvider: generateText', () => {
  it('is a LanguageModelV3 and fails over between two providers', async () => {
    setup.a.push({ error: { status: 500 } });
    setup.b.push({ text: 'from b', usage: { promptTokens: 8, completionTokens: 2, totalTokens: 10 } });
    const model = provider()('coding');
    expect(model).toMatchObject({ specificationVersion: 'v3', provider: 'model-router', modelId: 'coding' });
    const result = await generateText({ model, prompt: 'hi' });
    expect(result.text).toBe('from b');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({ inputTokens: 8, outputTokens: 2, totalTokens: 10 });
    expect(result.providerMetadata?.modelRouter).toMatchObject({
      providerId: 'b',
      modelId: 'model-b',
      groupName: 'coding',
      attempts: 2,
    });
    expect(result.response.modelId).toBe('model-b'); // the model that answered
    expect(setup.a.calls).toHaveLength(1);
    expectReleased(setup.router);
  });

  it('maps the prompt, settings, tools and providerOptions.modelRouter', async () => {
    setup.a.push({ toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' }] });
    const result = await generateText({
      model: provider().languageModel('coding'),
      system: 'Be brief.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look:' },
            { type: 'image', image: new URL('https://example.com/cat.png') },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'tool-call', toolCallId: 'call_0', toolName: 'weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'call_0',
              toolName: 'weather',
              output: { type: 'json', value: { sky: 'clear' } },
            },
          ],
        },
      ],
      tools: { weather },
      toolChoice: 'required',
      maxOutputTokens: 50,
      temperature: 0.3,
      stopSequences: ['END'],
      seed: 1,
      providerOptions: { modelRouter: { requestId: 'req-fixed', user: 'u-1', metadata: { tenant: 'acme' } } },
    });
    expect(result.toolCalls).toEqual([
      expect.objectContaining({ toolCallId: 'call_1', toolName: 'weather', input: { city: 'Paris' } }),
    ]);
    expect(result.finishReason).toBe('tool-calls');
    expect(result.warnings).toEqual([expect.objectContaining({ type: 'unsupported', feature: 'seed' })]);
    expect(result.providerMetadata?.modelRouter?.requestId).toBe('req-fixed');

    const request = setup.a.calls[0]!.request;
    expect(request.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image', url: 'https://example.com/cat.png', mediaType: 'image/*' },
        ],
      },
      {
        role: 'assistant',
        content: null,
        toolCalls: [{ id: 'call_0', name: 'weather', arguments: '{"city":"Rome"}' }],
      },
      { role: 'tool', toolCallId: 'call_0', content: '{"sky":"clear"}' },
    ]);
    expect(request).toMatchObject({
      model: 'coding',
      maxTokens: 50,
      temperature: 0.3,
      stop: ['END'],
      toolChoice: 'required',
      user: 'u-1',
      metadata: { tenant: 'acme' },
      tools: [
        {
          type: 'function',
          function: {
            name: 'weather',
            description: 'Weather by city',
            parameters: expect.objectContaining({ required: ['city'] }),
          },
        },
      ],
    });
  });

  it('surfaces router errors as non-retryable APICallErrors: the SDK does not multiply attempts', async () => {
    // b, the last candidate, is retried by the router until maxAttempts (5): a once, b four times.
    setup.a.push({ error: { status: 500 } });
    for (let i = 0; i < 4; i++) setup.b.push({ error: { status: 503 } });
    const error = await generateText({ model: provider()('coding'), prompt: 'hi', maxRetries: 2 }).catch(
      (e: unknown) => e,
    );
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 424, isRetryable: false });
    expect(RouterError.isInstance((error as APICallError).cause)).toBe(true);
    expect(((error as APICallError).cause as RouterError).code).toBe('ALL_CANDIDATES_FAILED');
    expect(setup.a.calls).toHaveLength(1);
    expect(setup.b.calls).toHaveLength(4);

    const unknown = await generateText({ model: provider()('nope'), prompt: 'hi' }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ statusCode: 404, isRetryable: false, data: { code: 'UNKNOWN_MODEL' } });
  });

  it('quota exhaustion carries retry-after headers', async () => {
    setup.b.push({ error: { status: 429, retryAfterMs: 20_000 } });
    await generateText({ model: provider()('b/model-b'), prompt: 'hi', maxRetries: 0 }).catch(() => {});
    const error = (await generateText({ model: provider()('b/model-b'), prompt: 'hi' }).catch(
      (e: unknown) => e,
    )) as APICallError;
    expect(error).toMatchObject({ statusCode: 429, isRetryable: false, data: { code: 'QUOTA_EXHAUSTED' } });
    expect(Number(error.responseHeaders?.['retry-after'])).toBeGreaterThan(0);
  });

  it('an abort cancels the upstream call and rejects as an abort', async () => {
    setup.a.push({ hang: true });
    const controller = new AbortController();
    // Abort once the adapter is waiting on its (hanging) reply.
    setup.router.once('attempt', () => setImmediate(() => controller.abort()));
    const error = await generateText({
      model: provider()('coding'),
      prompt: 'hi',
      abortSignal: controller.signal,
    }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    await vi.waitFor(() => expectReleased(setup.router));
    expect(setup.a.calls[0]!.aborted).toBe(true);
  });

  it('serves language models only', () => {
    const p = provider();
    expect(() => p.embeddingModel('x')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => p.imageModel('x')).toThrow(/language models only/);
  });
});

describe('createRouterProvider: streamText', () => {
  it('streams text with failover before the first token, then usage and metadata', async () => {
    setup.a.push({ error: { status: 500 } });
    setup.b.push({
      chunks: ['Hel', 'lo ', 'there'],
      usage: { promptTokens: 5, completionTokens: 3, totalTokens: 8 },
    });
    const result = streamText({ model: provider()('coding'), prompt: 'hi' });
    const deltas: string[] = [];
    for await (const d of result.textStream) deltas.push(d);
    expect(deltas.join('')).toBe('Hello there');
    expect(await result.finishReason).toBe('stop');
    expect(await result.usage).toMatchObject({ inputTokens: 5, outputTokens: 3, totalTokens: 8 });
    expect((await result.providerMetadata)?.modelRouter).toMatchObject({
      providerId: 'b',
      groupName: 'coding',
    });
    expect((await result.response).modelId).toBe('model-b');
    expectReleased(setup.router);
  });

  it('streams tool calls', async () => {
    setup.a.push({ toolCalls: [{ id: 'call_9', name: 'weather', arguments: '{"city":"Oslo"}' }] });
    const result = streamText({ model: provider()('coding'), prompt: 'weather?', tools: { weather } });
    const parts: string[] = [];
    for await (const p of result.fullStream) parts.push(p.type);
    expect(parts).toEqual(
      expect.arrayContaining([
        'tool-input-start',
        'tool-input-delta',
        'tool-input-end',
        'tool-call',
        'finish',
      ]),
    );
    expect(await result.toolCalls).toEqual([
      expect.objectContaining({ toolCallId: 'call_9', input: { city: 'Oslo' } }),
    ]);
    expect(await result.finishReason).toBe('tool-calls');
  });

  it('reports a failure before the stream commits, and one after content, as error parts', async () => {
    const errors: unknown[] = [];
    const early = streamText({
      model: provider()('nope'),
      prompt: 'hi',
      onError: ({ error }) => void errors.push(error),
    });
    for await (const _ of early.fullStream) {
      // drain
    }
    expect(errors[0]).toMatchObject({ statusCode: 404, data: { code: 'UNKNOWN_MODEL' } });

    setup.a.push({ text: 'partial answer here', failAfterChunks: 1 });
    const late = streamText({
      model: provider()('a/model-a'),
      prompt: 'hi',
      onError: ({ error }) => void errors.push(error),
    });
    let text = '';
    for await (const p of late.fullStream) if (p.type === 'text-delta') text += p.text;
    expect(text).toBe('partial ');
    expect(errors[1]).toMatchObject({
      statusCode: 502,
      isRetryable: false,
      data: { code: 'STREAM_INTERRUPTED' },
    });
    expectReleased(setup.router);
  });
});
