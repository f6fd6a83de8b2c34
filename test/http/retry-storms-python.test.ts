import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { createRelayHandler } from 'model-router/http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, expectReleased, relayRouter, serve } from './harness.js';

/**
 * The official openai **Python** client at its defaults (max_retries 2 on 408/409/429/5xx unless
 * `x-should-retry` says otherwise) against the relay over node:http: the same counts as
 * retry-storms.test.ts asserts for the Node client. `.ci/run` installs the client into a venv and
 * exports OPENAI_PYTHON; else that venv is used if present, else `python3` if it can `import openai`.
 */
const venv = fileURLToPath(new URL('../../.tmp/openai-python/bin/python', import.meta.url));
const python = process.env.OPENAI_PYTHON ?? (existsSync(venv) ? venv : 'python3');
const probe = spawnSync(python, ['-c', 'import openai'], { stdio: 'ignore', timeout: 30_000 });
const available = probe.status === 0;
if (!available) {
  // A stated skip: the package index may be out of reach on a machine (see .ci/run).
  console.warn(`retry-storms-python: skipped — "${python}" cannot import openai (run .ci/run to install it)`);
}

interface Answer {
  ok: boolean;
  model?: string;
  text?: string;
  class?: string;
  status?: number;
  code?: string;
  headers?: Record<string, string>;
  message?: string;
}

describe.skipIf(!available)('the openai Python client through the relay, at its defaults', () => {
  const setup = relayRouter({
    router: { circuitBreaker: { failureThreshold: 1_000 }, retry: { baseMs: 1, maxMs: 1 } },
  });
  let server: TestServer;
  let relayRequests = 0;
  let child: ChildProcessWithoutNullStreams;
  let lines: AsyncIterator<string>;

  const ask = async (cmd: Record<string, unknown>): Promise<Answer> => {
    child.stdin.write(`${JSON.stringify(cmd)}\n`);
    const next = await lines.next();
    if (next.done) throw new Error('the Python driver exited');
    return JSON.parse(next.value) as Answer;
  };
  const upstreamCalls = () => setup.a.calls.length + setup.b.calls.length;
  const count = async (cmd: Record<string, unknown>) => {
    const before = { relay: relayRequests, upstream: upstreamCalls() };
    const answer = await ask(cmd);
    return { answer, relay: relayRequests - before.relay, upstream: upstreamCalls() - before.upstream };
  };
  const everyMemberFails = () => {
    setup.a.push({ error: { status: 500 } });
    for (let i = 0; i < 4; i++) setup.b.push({ error: { status: 503 } });
  };

  beforeAll(async () => {
    const relay = createRelayHandler(setup.router);
    server = await serve((request: Request) => {
      relayRequests++;
      return relay(request);
    });
    const driver = fileURLToPath(new URL('./openai-python/driver.py', import.meta.url));
    child = spawn(python, [driver, `${server.url}/v1`], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr.on('data', (d) => process.stderr.write(d));
    lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const ready = await lines.next();
    expect(JSON.parse(String(ready.value))).toHaveProperty('ready');
  }, 60_000);
  afterAll(async () => {
    child?.stdin.end();
    child?.kill();
    await server?.close();
    await setup.router.close();
  });
  afterEach(() => {
    setup.a.reset();
    setup.b.reset();
  });

  it('answers, plain and streamed, naming the model that served', async () => {
    const plain = await count({ model: 'coding' });
    expect(plain.answer).toMatchObject({ ok: true, model: 'model-a' });
    expect(plain.answer.text).toEqual(expect.any(String));
    setup.a.push({ error: { status: 500 } });
    const streamed = await count({ model: 'coding', stream: true });
    expect(streamed.answer).toMatchObject({ ok: true, model: 'model-b' });
    expect([streamed.relay, streamed.upstream]).toEqual([1, 2]); // failed over inside the router
    expectReleased(setup.router);
  });

  it.each([false, true])(
    'a group whose every member fails: one relay request (stream: %s)',
    async (stream) => {
      everyMemberFails();
      const r = await count({ model: 'coding', stream });
      expect(r.answer).toMatchObject({ ok: false, status: 424, headers: { 'x-should-retry': 'false' } });
      expect(r.relay).toBe(1);
      expect(r.upstream).toBe(5); // a once, b four times, all inside the router
      expectReleased(setup.router);
    },
  );

  it.each([
    { model: 'model-x', status: 400, code: 'AMBIGUOUS_MODEL', cls: 'BadRequestError' },
    { model: 'codign', status: 404, code: 'UNKNOWN_MODEL', cls: 'NotFoundError' },
    { model: 'retired', status: 400, code: 'NO_CANDIDATES', cls: 'BadRequestError' },
  ])('$code is a $status the client does not retry', async ({ model, status, code, cls }) => {
    const r = await count({ model });
    expect(r.answer).toMatchObject({ ok: false, status, code, class: cls });
    expect([r.relay, r.upstream]).toEqual([1, 0]);
  });

  it('a validation error is a 400 the client does not retry', async () => {
    const r = await count({ model: 'coding', messages: [] });
    expect(r.answer).toMatchObject({ ok: false, status: 400, class: 'BadRequestError' });
    expect([r.relay, r.upstream]).toEqual([1, 0]);
  });

  it('an upstream 429 on the only candidate is a 429 with its Retry-After, inviting a retry', async () => {
    setup.b.push({ error: { status: 429, retryAfterMs: 30_000 } });
    // max_retries 0: at the defaults the client would rightly wait 30 s and try again.
    const r = await count({ model: 'b/model-b', max_retries: 0 });
    expect(r.answer).toMatchObject({
      ok: false,
      status: 429,
      class: 'RateLimitError',
      headers: { 'retry-after': '30', 'x-should-retry': 'true' },
    });
    expect([r.relay, r.upstream]).toEqual([1, 1]);
  });
});
