import { ChatOpenAI } from '@langchain/openai';
import { createRelayHandler } from 'model-router/http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TestServer, expectReleased, relayRouter, serve } from './harness.js';

/**
 * LangChain's ChatOpenAI at its defaults (`maxRetries` 6, exponential backoff from 1 s with jitter;
 * it retries every status but 400–407, 409 and 413, and reads no `x-should-retry`) against the relay
 * over node:http. Its backoff timers are faked (setTimeout only: the clock stays real, so the
 * router's circuits see the calls as back to back); the rest is real.
 */
const setup = relayRouter({
  a: { respond: () => ({ error: { status: 500 } }) },
  b: { respond: () => ({ error: { status: 503 } }) },
  router: { retry: { baseMs: 1, maxMs: 1 } },
});
let server: TestServer;
let relayRequests = 0;

beforeAll(async () => {
  const relay = createRelayHandler(setup.router);
  server = await serve((request: Request) => {
    relayRequests++;
    return relay(request);
  });
});
afterAll(async () => {
  await server.close();
  await setup.router.close();
});
afterEach(() => {
  vi.useRealTimers();
});

const upstreamCalls = () => setup.a.calls.length + setup.b.calls.length;

/** Run `fn` to its failure while LangChain's backoff timers are advanced; count what it caused. */
async function count(fn: () => Promise<unknown>) {
  const before = { relay: relayRequests, upstream: upstreamCalls() };
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  let settled = false;
  const outcome = fn().then(
    () => ({ error: undefined }),
    (error: unknown) => ({ error }),
  );
  void outcome.finally(() => {
    settled = true;
  });
  // Let real I/O run between steps of fake time, so each retry's request is served before the next.
  for (let step = 0; !settled && step < 10_000; step++) {
    await new Promise((resolve) => setImmediate(resolve));
    await vi.advanceTimersByTimeAsync(100);
  }
  const { error } = await outcome;
  vi.useRealTimers();
  expect(error, 'the call should fail').toBeDefined();
  return {
    error: error as { status?: number; lc_error_code?: string },
    relay: relayRequests - before.relay,
    upstream: upstreamCalls() - before.upstream,
  };
}

const chat = (model: string) =>
  new ChatOpenAI({ model, apiKey: 'client-key', configuration: { baseURL: `${server.url}/v1` } });

const counts: string[] = [];
afterAll(() => console.log(`LangChain relay requests / upstream calls:\n  ${counts.join('\n  ')}`));

describe('LangChain ChatOpenAI at its defaults against the relay', () => {
  it('a group whose every member fails: LangChain retries the 424 (it retries every 5xx-like status), but the open circuits keep the upstream calls bounded', async () => {
    const r = await count(() => chat('coding').invoke('hi'));
    counts.push(`all members fail: ${r.relay} relay requests, ${r.upstream} upstream calls`);
    expect(r.error.status).toBe(424);
    // 1 + maxRetries 6: LangChain has no status list that spares a failed dependency, and no
    // x-should-retry. README: give ChatOpenAI `maxRetries: 0` in front of the relay.
    expect(r.relay).toBe(7);
    // The router's circuits open after five consecutive failures per member: the later relay
    // requests fail at once without reaching an upstream (the probes are seconds away).
    expect(r.upstream).toBeLessThanOrEqual(10);
    expectReleased(setup.router);
  });

  it('with maxRetries: 0 (the README advice), one relay request', async () => {
    const before = relayRequests;
    const error = await new ChatOpenAI({
      model: 'coding',
      apiKey: 'client-key',
      maxRetries: 0,
      configuration: { baseURL: `${server.url}/v1` },
    })
      .invoke('hi')
      .catch((e: unknown) => e as { status?: number });
    expect((error as { status?: number }).status).toBe(424);
    expect(relayRequests - before).toBe(1);
  });

  it.each([
    { what: 'an ambiguous model name', model: 'model-x', status: 400 },
    { what: 'an unknown model name', model: 'codign', status: 404 },
    { what: 'a disabled group', model: 'retired', status: 400 },
  ])(
    '$what is a status LangChain does not retry: one relay request, no upstream call',
    async ({ what, model, status }) => {
      const r = await count(() => chat(model).invoke('hi'));
      counts.push(`${what}: ${r.relay} relay request, ${r.upstream} upstream calls`);
      expect(r.error.status).toBe(status);
      expect([r.relay, r.upstream]).toEqual([1, 0]);
    },
  );
});
