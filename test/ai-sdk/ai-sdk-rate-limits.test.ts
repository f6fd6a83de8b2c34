import { APICallError, type LanguageModelV3GenerateResult } from '@ai-sdk/provider';
import { MockLanguageModelV3 } from 'ai/test';
import { aiSdkAdapter } from 'model-router/ai-sdk';
import { describe, expect, it } from 'vitest';
import { exchange, makeCall, rejection } from '../providers/helpers.js';

/*
 * The AI SDK escape hatch reads what the bundled adapters read: rate-limit headers on successes and
 * failures, and error kinds from the status and the body (content filters, out-of-credit, context
 * length, Google's RetryInfo), from the AI SDK's response headers and APICallErrors.
 */

const NOW = Date.parse('2025-01-01T00:00:00Z');
const clock = { now: () => NOW };
const call = () =>
  makeCall({ providerId: 'mistral', modelId: 'mistral-large-latest', apiKey: 'test-mistral-key' });

const generated: LanguageModelV3GenerateResult = {
  content: [{ type: 'text', text: 'ok' }],
  finishReason: { unified: 'stop', raw: 'stop' },
  usage: {
    inputTokens: { total: 3, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: 1, text: undefined, reasoning: undefined },
  },
  response: {
    id: 'r1',
    headers: {
      'x-ratelimit-limit-requests': '100',
      'x-ratelimit-remaining-requests': '7',
      'x-ratelimit-reset-requests': '20s',
    },
  },
  warnings: [],
};

const failing = (error: unknown) =>
  aiSdkAdapter(
    new MockLanguageModelV3({
      doGenerate: async () => {
        throw error;
      },
    }),
    { clock },
  );

const apiError = (statusCode: number, body: unknown, responseHeaders?: Record<string, string>) =>
  new APICallError({
    message: `HTTP ${statusCode}`,
    url: 'https://api.example/v1/chat',
    requestBodyValues: {},
    statusCode,
    responseBody: JSON.stringify(body),
    ...(responseHeaders ? { responseHeaders } : {}),
  });

describe('aiSdkAdapter: rate-limit headers and error kinds', () => {
  it('returns the rate-limit headers of a success (doGenerate and doStream)', async () => {
    const model = new MockLanguageModelV3({
      doGenerate: async () => generated,
      doStream: async () => ({
        stream: new ReadableStream({
          start(c) {
            c.enqueue({
              type: 'finish',
              finishReason: { unified: 'stop', raw: 'stop' },
              usage: generated.usage,
            });
            c.close();
          },
        }),
        response: { headers: { 'x-ratelimit-remaining-tokens': '900', 'retry-after-ms': '5' } },
      }),
    });
    const adapter = aiSdkAdapter(model, { clock });
    expect((await adapter.complete(call())).rateLimit).toEqual({
      limitRequests: 100,
      remainingRequests: 7,
      resetRequestsMs: 20_000,
    });
    expect((await adapter.stream(call())).rateLimit).toEqual({ remainingTokens: 900, retryAfterMs: 5 });
  });

  it('a 429 with spent-window headers: rate_limited, retry at the reset, rateLimit on the error', async () => {
    const err = await rejection(
      failing(
        apiError(
          429,
          { error: { message: 'slow down', type: 'rate_limit_error' } },
          {
            'x-ratelimit-remaining-requests': '0',
            'x-ratelimit-reset-requests': '45s',
          },
        ),
      ).complete(call()),
    );
    expect(err).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 45_000,
      rateLimit: { remainingRequests: 0, resetRequestsMs: 45_000 },
    });
  });

  it('reads the body like the bundled adapters: Google RetryInfo, content filters, out of credit, context length', async () => {
    const google = exchange('gemini', 'error-429').body;
    expect(await rejection(failing(apiError(429, google)).complete(call()))).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 32_000,
    });
    const filtered = exchange('azure', 'error-400-content-filter').body;
    expect(await rejection(failing(apiError(400, filtered)).complete(call()))).toMatchObject({
      kind: 'content_filter',
      isRetryable: false,
    });
    const credit = exchange('openai', 'error-429-insufficient-quota').body;
    expect(await rejection(failing(apiError(429, credit)).complete(call()))).toMatchObject({ kind: 'auth' });
    const context = exchange('gemini', 'error-400-context').body;
    expect(await rejection(failing(apiError(400, context)).complete(call()))).toMatchObject({
      kind: 'context_length',
    });
    expect(await rejection(failing(apiError(503, 'upstream busy')).complete(call()))).toMatchObject({
      kind: 'overloaded',
    });
  });
});
