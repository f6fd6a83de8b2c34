import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText } from 'ai';
import { createRelayHandler } from 'model-router/http';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, expectReleased, relayRouter, serve } from './harness.js';

/**
 * The real clients, at their default retry settings (openai: maxRetries 2 on 408/409/429/5xx unless
 * `x-should-retry` says otherwise; the AI SDK: maxRetries 2 on 408/409/429/5xx), against the relay
 * over node:http. Counted: requests the relay received, and calls that reached the upstreams.
 * LangChain's ChatOpenAI is in retry-storms-langchain.test.ts; the openai Python client in
 * retry-storms-python.test.ts.
 */
const setup = relayRouter({
  // One test's failures must not open a circuit for the next; short same-candidate backoffs.
  router: { circuitBreaker: { failureThreshold: 1_000 }, retry: { baseMs: 1, maxMs: 1 } },
});
let server: TestServer;
let relayRequests = 0;
let openai: OpenAI;
let aiSdk: ReturnType<typeof createOpenAI>;

beforeAll(async () => {
  const relay = createRelayHandler(setup.router);
  server = await serve((request: Request) => {
    relayRequests++;
    return relay(request);
  });
  openai = new OpenAI({ apiKey: 'client-key', baseURL: `${server.url}/v1` }); // defaults: maxRetries 2
  aiSdk = createOpenAI({ apiKey: 'client-key', baseURL: `${server.url}/v1` });
});
afterAll(async () => {
  await server.close();
  await setup.router.close();
});
afterEach(() => {
  setup.a.reset();
  setup.b.reset();
});

const hi = [{ role: 'user' as const, content: 'hi' }];
const upstreamCalls = () => setup.a.calls.length + setup.b.calls.length;

/** Run `fn` (expected to fail) and count relay requests and upstream calls it caused. */
async function count(fn: () => Promise<unknown>) {
  const before = { relay: relayRequests, upstream: upstreamCalls() };
  const error = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the call should fail').toBeDefined();
  return {
    error: error as { status?: number; statusCode?: number; headers?: Headers },
    relay: relayRequests - before.relay,
    upstream: upstreamCalls() - before.upstream,
  };
}

/** Every member of "coding" fails: a with 500, b (the last, retried by the router) with 503. */
function everyMemberFails(): void {
  setup.a.push({ error: { status: 500 } });
  for (let i = 0; i < 4; i++) setup.b.push({ error: { status: 503 } });
}

const counts: string[] = [];
afterAll(() => console.log(`relay requests / upstream calls per client:\n  ${counts.join('\n  ')}`));

describe('the relay does not invite retry storms (real clients at their defaults)', () => {
  it('a group whose every member fails: one relay request per client call (openai)', async () => {
    everyMemberFails();
    const r = await count(() => openai.chat.completions.create({ model: 'coding', messages: hi }));
    counts.push(`openai, all members fail: ${r.relay} request, ${r.upstream} upstream calls`);
    expect(r.error.status).toBe(424);
    expect(r.error.headers?.get('x-should-retry')).toBe('false');
    expect(r.relay).toBe(1);
    expect(r.upstream).toBe(5); // a once, b four times (maxAttempts 5), all inside the router
    expectReleased(setup.router);
  });

  it('the same, streamed (openai)', async () => {
    everyMemberFails();
    const r = await count(() =>
      openai.chat.completions.create({ model: 'coding', messages: hi, stream: true }),
    );
    counts.push(`openai stream, all members fail: ${r.relay} request, ${r.upstream} upstream calls`);
    expect(r.error.status).toBe(424);
    expect(r.relay).toBe(1);
    expect(r.upstream).toBe(5);
  });

  it('the same with the AI SDK (generateText and streamText through @ai-sdk/openai)', async () => {
    everyMemberFails();
    const g = await count(() => generateText({ model: aiSdk.chat('coding'), prompt: 'hi' }));
    counts.push(`AI SDK generateText, all members fail: ${g.relay} request, ${g.upstream} upstream calls`);
    expect(g.error.statusCode).toBe(424);
    expect(g.relay).toBe(1);
    expect(g.upstream).toBe(5);

    everyMemberFails();
    let streamError: unknown;
    const before = { relay: relayRequests, upstream: upstreamCalls() };
    const result = streamText({
      model: aiSdk.chat('coding'),
      prompt: 'hi',
      onError: ({ error }) => {
        streamError = error;
      },
    });
    for await (const _ of result.fullStream);
    const relay = relayRequests - before.relay;
    const upstream = upstreamCalls() - before.upstream;
    counts.push(`AI SDK streamText, all members fail: ${relay} request, ${upstream} upstream calls`);
    expect((streamError as { statusCode?: number }).statusCode).toBe(424);
    expect(relay).toBe(1);
    expect(upstream).toBe(5);
  });

  it.each([
    { what: 'an ambiguous model name', model: 'model-x', status: 400, code: 'AMBIGUOUS_MODEL' },
    { what: 'an unknown model name', model: 'codign', status: 404, code: 'UNKNOWN_MODEL' },
    { what: 'a disabled group', model: 'retired', status: 400, code: 'NO_CANDIDATES' },
  ])('$what is a 4xx that no client retries', async ({ what, model, status, code }) => {
    const o = await count(() => openai.chat.completions.create({ model, messages: hi }));
    const g = await count(() => generateText({ model: aiSdk.chat(model), prompt: 'hi' }));
    counts.push(
      `${what}: openai ${o.relay} request, AI SDK ${g.relay} request, ${o.upstream + g.upstream} upstream`,
    );
    expect(o.error.status).toBe(status);
    expect((o.error as { code?: string }).code).toBe(code);
    expect(g.error.statusCode).toBe(status);
    expect([o.relay, g.relay, o.upstream, g.upstream]).toEqual([1, 1, 0, 0]);
  });

  it('a validation error is a 400 that no client retries', async () => {
    const o = await count(() => openai.chat.completions.create({ model: 'coding', messages: [] }));
    const g = await count(() => generateText({ model: aiSdk.chat('coding'), prompt: 'hi', temperature: 9 }));
    expect([o.error.status, g.error.statusCode]).toEqual([400, 400]);
    expect([o.relay, g.relay, o.upstream, g.upstream]).toEqual([1, 1, 0, 0]);
  });

  it('an upstream 429 on the only candidate is a 429 with the upstream Retry-After, inviting a retry', async () => {
    // 30 s: longer than queueWaitMs, so the router does not wait it out itself.
    setup.b.push({ error: { status: 429, retryAfterMs: 30_000 } });
    // maxRetries 0 here: at the defaults the clients would rightly wait 30 s and try again.
    const client = new OpenAI({ apiKey: 'k', baseURL: `${server.url}/v1`, maxRetries: 0 });
    const r = await count(() => client.chat.completions.create({ model: 'b/model-b', messages: hi }));
    expect(r.error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(r.error.headers?.get('retry-after')).toBe('30');
    const ms = Number(r.error.headers?.get('retry-after-ms'));
    expect(ms).toBeGreaterThan(29_000); // the real clock moved a little since the 429
    expect(ms).toBeLessThanOrEqual(30_000);
    expect(r.error.headers?.get('x-should-retry')).toBe('true');
    expect(r.upstream).toBe(1);
    // The key is cooling now: the next request is refused up front, 429 QUOTA_EXHAUSTED, no upstream call.
    const g = await count(() =>
      generateText({ model: aiSdk.chat('b/model-b'), prompt: 'hi', maxRetries: 0 }),
    );
    expect(g.error.statusCode).toBe(429);
    expect(
      Number((g.error as { responseHeaders?: Record<string, string> }).responseHeaders?.['retry-after']),
    ).toBeGreaterThan(0);
    expect(g.upstream).toBe(0);
  });
});
