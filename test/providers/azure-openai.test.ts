import { inspect } from 'node:util';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { azureOpenAI } from '../../src/providers/index.js';
import {
  type Captured,
  capture,
  collect,
  exchange,
  makeCall,
  rejection,
  replay,
  sseFixture,
  sseResponse,
  text,
  useServer,
} from './helpers.js';

const ENDPOINT = 'https://contoso-eastus.openai.azure.com';
const V1 = `${ENDPOINT}/openai/v1/chat/completions`;
const KEY = 'azure-test-key-0123456789abcdef';
const clock = { now: () => Date.parse('2025-01-01T00:00:00Z') };
const server = useServer();

const call = (spec: Partial<Parameters<typeof makeCall>[0]> = {}) =>
  makeCall({ providerId: 'azure', modelId: 'gpt-4o', apiKey: KEY, keyId: 'az-1', ...spec });

function answer(respond: () => Response, url = V1): Captured[] {
  const seen: Captured[] = [];
  server.use(
    http.post(url, async ({ request }) => {
      await capture(request, seen);
      return respond();
    }),
  );
  return seen;
}

describe('azureOpenAI()', () => {
  it('v1 URL shape: deployment name as model, key in api-key only, Azure rate-limit headers read', async () => {
    const seen = answer(() => replay(exchange('openai', 'chat-plain')));
    const adapter = azureOpenAI({
      resource: 'contoso-eastus',
      deployments: { 'gpt-4o': 'gpt4o-prod' },
      clock,
    });
    const res = await adapter.complete(call());
    expect(res.message.content.length).toBeGreaterThan(0);
    expect(seen[0]!.url).toBe(V1);
    expect(seen[0]!.body.model).toBe('gpt4o-prod');
    expect(seen[0]!.headers['api-key']).toBe(KEY);
    expect(seen[0]!.headers.authorization).toBeUndefined();
    expect(seen[0]!.url).not.toContain(KEY);
  });

  it('legacy deployment URLs with api-version; an Entra token as bearer', async () => {
    const legacy = `${ENDPOINT}/openai/deployments/gpt4o-prod/chat/completions`;
    const seen = answer(() => replay(exchange('openai', 'chat-plain')), legacy);
    const adapter = azureOpenAI({
      endpoint: ENDPOINT,
      apiVersion: '2024-10-21',
      deployments: { 'gpt-4o': 'gpt4o-prod' },
      auth: 'bearer',
      maxTokensField: 'max_completion_tokens',
      headers: { 'api-key': 'must-not-win' },
      clock,
    });
    await adapter.complete(call({ apiKey: 'eyJ0eXAiOiJKV1Q.entra-token', request: { maxTokens: 99 } }));
    expect(seen[0]!.url).toBe(`${legacy}?api-version=2024-10-21`);
    expect(seen[0]!.headers.authorization).toBe('Bearer eyJ0eXAiOiJKV1Q.entra-token');
    expect(seen[0]!.headers['api-key']).toBeUndefined();
    expect(seen[0]!.body.max_completion_tokens).toBe(99);
  });

  it('content filter refusals → content_filter (400 and finish_reason); 429 → rate_limited with retry-after-ms; 401 → auth', async () => {
    const adapter = azureOpenAI({ resource: 'contoso-eastus', clock });
    answer(() => replay(exchange('azure', 'error-400-content-filter')));
    expect(await rejection(adapter.complete(call()))).toMatchObject({
      kind: 'content_filter',
      isRetryable: false,
    });

    answer(() => replay(exchange('azure', 'chat-content-filter')));
    const filtered = await adapter.complete(call());
    expect(filtered.finishReason).toEqual({ unified: 'content_filter', raw: 'content_filter' });
    expect(filtered.rateLimit).toEqual({ remainingRequests: 899, remainingTokens: 149_000 });

    answer(() => replay(exchange('azure', 'error-429')));
    const limited = await rejection(adapter.complete(call()));
    expect(limited).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 5800,
      rateLimit: { remainingRequests: 0, remainingTokens: 0, retryAfterMs: 5800 },
    });

    answer(() => HttpResponse.json({ error: { code: '401', message: `bad key ${KEY}` } }, { status: 401 }));
    const denied = await rejection(adapter.complete(call()));
    expect(denied).toMatchObject({ kind: 'auth' });
    expect(inspect(denied, { showHidden: true, depth: 5 })).not.toContain(KEY);

    answer(() => replay(exchange('azure', 'error-404-deployment')));
    expect(await rejection(adapter.complete(call()))).toMatchObject({ kind: 'not_found' });
  });

  it('streams, skipping the prompt-filter chunk that has no choices', async () => {
    answer(() => sseResponse(sseFixture('azure', 'stream-text')));
    const parts = await collect(
      (await azureOpenAI({ resource: 'contoso-eastus', clock }).stream(call())).parts,
    );
    expect(text(parts)).toBe('Hello');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', usage: { promptTokens: 8, completionTokens: 1 } });
  });

  it('validates its options; a provider baseUrl wins over the endpoint', async () => {
    expect(() => azureOpenAI({ resource: 'bad/name' })).toThrow(/azureOpenAI.resource/);
    expect(() => azureOpenAI({ resource: 'ok', apiVersion: 'latest' })).toThrow(/azureOpenAI.apiVersion/);
    expect(() => azureOpenAI({ resource: 'ok', auth: 'basic' as 'bearer' })).toThrow(/azureOpenAI.auth/);
    const seen = answer(
      () => replay(exchange('openai', 'chat-plain')),
      'https://other.openai.azure.com/openai/v1/chat/completions',
    );
    await azureOpenAI({ resource: 'contoso-eastus', clock }).complete(
      call({ baseUrl: 'https://other.openai.azure.com/' }),
    );
    expect(seen).toHaveLength(1);
    const none = await rejection(azureOpenAI({}).complete(call()));
    expect(none).toMatchObject({ code: 'VALIDATION' });
  });
});
