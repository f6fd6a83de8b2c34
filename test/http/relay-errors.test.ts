import { createRelayHandler } from 'model-router/http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, expectReleased, relayRouter, serve } from './harness.js';

// The tests share one router: one test's failures must not open a circuit for the next; short
// backoffs keep the same-candidate retries quick.
const setup = relayRouter({
  router: { circuitBreaker: { failureThreshold: 1_000 }, retry: { baseMs: 10, maxMs: 10 } },
});
let server: TestServer;
let client: OpenAI;

beforeAll(async () => {
  server = await serve(createRelayHandler(setup.router));
  client = new OpenAI({ apiKey: 'test-client-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  await setup.router.close();
});

const hi = [{ role: 'user' as const, content: 'hi' }];
type ApiError = InstanceType<typeof OpenAI.APIError>;

async function failure(model: string, extra: Record<string, unknown> = {}): Promise<ApiError> {
  try {
    await client.chat.completions.create({ model, messages: hi, ...extra });
  } catch (error) {
    expect(error).toBeInstanceOf(OpenAI.APIError);
    return error as ApiError;
  }
  throw new Error('expected the request to fail');
}

describe('relay: errors in OpenAI error format', () => {
  it('400 VALIDATION names the wire field', async () => {
    const error = await failure('coding', { messages: [] });
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({
      status: 400,
      code: 'VALIDATION',
      param: 'messages',
      type: 'invalid_request_error',
    });

    const badTemp = await failure('coding', { temperature: 9 });
    expect(badTemp.param).toBe('temperature');
    const n = await failure('coding', { n: 2 });
    expect(n.message).toContain('only n = 1 is supported');
  });

  it('404 UNKNOWN_MODEL with close names', async () => {
    const error = await failure('codign');
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ code: 'UNKNOWN_MODEL', param: 'model' });
    expect(error.message).toContain('"coding"');
  });

  it('400 AMBIGUOUS_MODEL (not 409, which clients retry) and 400 NO_CANDIDATES (not 422, which LangChain retries)', async () => {
    const ambiguous = await failure('model-x');
    expect(ambiguous).toBeInstanceOf(OpenAI.BadRequestError);
    expect(ambiguous.code).toBe('AMBIGUOUS_MODEL');
    expect(ambiguous.error).toMatchObject({ details: { candidates: ['a/model-x', 'b/model-x'] } });

    const none = await failure('retired');
    expect(none).toBeInstanceOf(OpenAI.BadRequestError);
    expect(none.code).toBe('NO_CANDIDATES');
  });

  it('424 ALL_CANDIDATES_FAILED, with x-should-retry: false; details say when the failures were timeouts', async () => {
    // b, the last candidate, is retried until maxAttempts (5): a once, b four times.
    setup.a.push({ error: { status: 500 } });
    for (let i = 0; i < 4; i++) setup.b.push({ error: { status: 503 } });
    const failed = await failure('coding');
    expect(failed).toMatchObject({ status: 424, code: 'ALL_CANDIDATES_FAILED', type: 'server_error' });
    expect(failed.headers?.get('x-should-retry')).toBe('false');
    expect(failed.error).toMatchObject({
      details: { reason: 'max_attempts', lastError: { kind: 'overloaded', upstreamStatus: 503 } },
    });

    setup.a.push({ error: { status: 504, message: 'upstream timed out' } });
    for (let i = 0; i < 4; i++) setup.b.push({ error: { kind: 'timeout', message: 'upstream timed out' } });
    const timedOut = await failure('coding');
    expect(timedOut).toMatchObject({ status: 424, code: 'ALL_CANDIDATES_FAILED' });
    expect(timedOut.error).toMatchObject({ details: { timeout: true, lastError: { kind: 'timeout' } } });
    expectReleased(setup.router);
  });

  it('429 QUOTA_EXHAUSTED with Retry-After when every key cools down', async () => {
    // b/model-b's only key is rate limited for 30 s: this request fails, the next one is refused up front.
    setup.b.push({ error: { status: 429, retryAfterMs: 30_000 } });
    const callsBefore = setup.b.calls.length;
    const first = await failure('b/model-b');
    // The upstream's 429 on the only candidate is a 429 with its Retry-After, not a 502.
    expect(first).toBeInstanceOf(OpenAI.RateLimitError);
    expect(first.headers?.get('retry-after')).toBe('30');
    expect(first.headers?.get('x-should-retry')).toBe('true');
    const refused = await failure('b/model-b');
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect(refused).toMatchObject({ code: 'QUOTA_EXHAUSTED', type: 'rate_limit_error' });
    const retryAfter = Number(refused.headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(Number(refused.headers?.get('retry-after-ms'))).toBeLessThanOrEqual(30_000);
    expect(setup.b.calls.length - callsBefore).toBe(1); // the refusal reached no provider
  });

  it('400 for a provider error that does not fail over; context overflow keeps OpenAI’s code', async () => {
    setup.a.push({ error: { status: 400, message: 'bad input' } });
    const bad = await failure('a/model-a');
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect(bad.code).toBe('PROVIDER_ERROR');

    setup.a.push({
      error: { kind: 'context_length', status: 400, message: 'maximum context length exceeded' },
    });
    const long = await failure('a/model-a');
    expect(long).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'messages' });
  });

  it('never shows a key-like string in an error message', async () => {
    setup.a.push({ error: { status: 400, message: 'Incorrect API key provided: sk-demo-0000-1111-2222' } });
    const error = await failure('a/model-a');
    expect(error.message).not.toContain('0000-1111-2222');
    expect(error.message).toContain('sk-[redacted]');
  });
});
