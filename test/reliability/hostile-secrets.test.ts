import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelRouter, RouterError, memoryStorage, openaiCompatible } from '../../src/index.js';
import {
  chunk,
  goodStream,
  hostileRouter,
  sseHead,
  startUpstream,
  type Upstream,
} from './hostile-upstream.js';

/*
 * Issue #11 item 9: an upstream that echoes the key — truncated, lower-cased, JSON-\u-escaped,
 * percent-encoded, in response headers, in a mid-stream error event. No recognisable fragment of
 * it (a run of 8 of its characters, any case, escaped or not) may reach anything the router
 * returns, emits or prints.
 */

const SECRET = 'sk-Proj-AbCdEf0123456789GhIjKlMnOpQrStUv';
const hi = (mode: string) => [{ role: 'user' as const, content: `mode:${mode}` }];

const unicodeEscaped = (s: string) =>
  [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
const percentEncoded = (s: string) =>
  [...s].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('');

/** Each mode of the hostile upstream, picked by the request's text. */
const MODES: Record<string, (res: import('node:http').ServerResponse) => void> = {
  truncated401: (res) => {
    res.writeHead(401, { 'content-type': 'application/json', 'x-echo-key': SECRET });
    res.end(
      JSON.stringify({
        error: {
          message: `Incorrect API key provided: ${SECRET.slice(0, -1)}`,
          type: 'invalid_request_error',
        },
      }),
    );
  },
  lower500: (res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(`upstream failed for ${SECRET.toLowerCase()} (see logs)`);
  },
  escaped400: (res) => {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(
      `{"error":{"message":"bad request for key ${unicodeEscaped(SECRET)}","type":"invalid_request_error"}}`,
    );
  },
  percent502: (res) => {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `proxy: GET /v1?key=${percentEncoded(SECRET)} failed` } }));
  },
  headers503: (res) => {
    res.writeHead(503, {
      'content-type': 'application/json',
      'x-debug-auth': `Bearer ${SECRET}`,
      'www-authenticate': `Bearer realm="${SECRET.slice(5).toUpperCase()}"`,
    });
    res.end('{"error":{"message":"overloaded"}}');
  },
  midStream: (res) => {
    sseHead(res);
    res.write(
      `data: ${JSON.stringify({ error: { message: `key ${SECRET.slice(2, 20)} was revoked`, key: SECRET } })}\n\n`,
    );
    res.end();
  },
  afterContent: (res) => {
    sseHead(res);
    res.write(chunk({ role: 'assistant', content: 'partial' }));
    res.write(`data: {"error":{"message":"lost ${unicodeEscaped(SECRET.slice(10, 30))}"}}\n\n`);
    res.end();
  },
};

/** Any window of 8 characters of the secret, in any case, after undoing \u and % escapes. */
function leaks(text: string): string[] {
  const decoded = text
    .replace(/\\+u([0-9a-fA-F]{4})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .toLowerCase();
  const found: string[] = [];
  const secret = SECRET.toLowerCase();
  for (let i = 0; i + 8 <= secret.length; i++) {
    const w = secret.slice(i, i + 8);
    if (decoded.includes(w) || text.toLowerCase().includes(w)) found.push(w);
  }
  return found;
}

const seen: string[] = [];
const print = (value: unknown) => {
  seen.push(inspect(value, { depth: 12, showHidden: true }));
  try {
    seen.push(JSON.stringify(value) ?? '');
  } catch {}
};

/** Everything an error exposes: message, stack, inspect, JSON, hidden body and headers, causes. */
function exposeError(error: unknown): void {
  print(error);
  for (let e: unknown = error, d = 0; e && d < 10; d++) {
    if (e instanceof Error) seen.push(e.message, String(e.stack));
    if (RouterError.isInstance(e)) {
      const pe = e as RouterError & { body?: unknown; headers?: unknown };
      print(pe.body);
      print(pe.headers);
      print(pe.attempts);
      if (pe.lastError) exposeError(pe.lastError);
    }
    e = (e as { cause?: unknown }).cause;
  }
}

let bad: Upstream;
let good: Upstream;
let router: ModelRouter;

const EVENTS = [
  'request',
  'attempt',
  'failover',
  'cooldown',
  'success',
  'failure',
  'usage',
  'error',
] as const;

/** A fresh router: a 401 quarantines the key, and failures open the circuit. */
function freshRouter(): ModelRouter {
  // Two attempts at most: the point is what an attempt exposes, not how many are made.
  const r = hostileRouter(bad, good, { maxAttempts: 2 }, SECRET);
  for (const event of EVENTS) r.on(event, (payload) => print(payload));
  return r;
}

beforeAll(async () => {
  bad = await startUpstream((_req, res, body) => {
    const mode = /mode:(\w+)/.exec(body)?.[1] ?? '';
    MODES[mode]!(res);
  });
  good = await startUpstream(goodStream);
});
beforeEach(() => {
  router = freshRouter();
});
afterEach(async () => {
  await router.close();
});
afterAll(async () => {
  await bad.close();
  await good.close();
});

/** The requests below reach the hostile upstream (at least `n` calls): count them to prove it. */
function expectReached(before: number, n: number): void {
  expect(bad.requests - before).toBeGreaterThanOrEqual(n);
}

describe('item 9: an upstream that echoes the key', () => {
  for (const mode of ['truncated401', 'lower500', 'escaped400', 'percent502', 'headers503', 'midStream']) {
    it(`${mode}: the direct request's error, its body, headers and events carry no fragment`, async () => {
      const before = bad.requests;
      const error = await router.complete({ model: 'bad/m', messages: hi(mode) }).catch((e: unknown) => e);
      expect(RouterError.isInstance(error)).toBe(true);
      expect((error as RouterError).lastError ?? error).toMatchObject({ code: 'PROVIDER_ERROR' });
      await router.close();
      router = freshRouter();
      exposeError(error);
      const stream = router.stream({ model: 'bad/m', messages: hi(mode) });
      const streamed = await (async () => {
        try {
          for await (const _ of stream) {
          }
        } catch (e) {
          return e;
        }
      })();
      exposeError(streamed);
      expect((streamed as RouterError).lastError ?? streamed).toMatchObject({ code: 'PROVIDER_ERROR' });
      expectReached(before, 2);
      for (const text of seen) expect(leaks(text), text.slice(0, 2000)).toEqual([]);
    });
  }

  it('the error still says what happened (the scrubbing keeps the rest)', async () => {
    const error = (await router
      .complete({ model: 'bad/m', messages: hi('truncated401') })
      .catch((e) => e)) as RouterError;
    const last = error.lastError as RouterError & {
      body?: { error?: { message?: string } };
      headers?: Record<string, string>;
    };
    expect(last.message).toMatch(/Incorrect API key provided: \[redacted\]/);
    expect(last.body?.error?.message).toBe('Incorrect API key provided: [redacted]');
    expect(last.headers?.['x-echo-key']).toBe('[redacted]');
    await router.close();
    router = freshRouter();
    const escaped = (await router
      .complete({ model: 'bad/m', messages: hi('escaped400') })
      .catch((e) => e)) as RouterError;
    expect(escaped.message).toMatch(/bad request for key \[redacted\]/);
  });

  it('failover through the group: failover events, attempts and the result are clean', async () => {
    for (const mode of ['truncated401', 'lower500', 'percent502', 'headers503', 'midStream']) {
      const before = bad.requests;
      await router.close();
      router = freshRouter();
      const result = await router.complete({ model: 'chat', messages: hi(mode) });
      expect(result.attempts[0]).toMatchObject({ providerId: 'bad', status: 'error' });
      expect(result.model.providerId).toBe('good');
      print(result);
      const s = router.stream({ model: 'chat', messages: hi(mode) });
      for await (const part of s) print(part);
      print(await s.result);
      expectReached(before, mode === 'truncated401' ? 1 : 2); // a 401 quarantines the key
    }
    for (const text of seen) expect(leaks(text), text.slice(0, 2000)).toEqual([]);
  });

  it('after content: STREAM_INTERRUPTED and its cause are clean', async () => {
    const s = router.stream({ model: 'chat', messages: hi('afterContent') });
    let error: unknown;
    try {
      for await (const _ of s) {
      }
    } catch (e) {
      error = e;
    }
    expect(RouterError.isInstance(error) && error.code).toBe('STREAM_INTERRUPTED');
    exposeError(error);
    for (const text of seen) expect(leaks(text), text.slice(0, 2000)).toEqual([]);
  });

  it('util.inspect(router, { depth: 6 }) and JSON.stringify(router) show no secret', async () => {
    await router.ready();
    for (const text of [
      inspect(router, { depth: 6 }),
      inspect(router, { depth: 30, showHidden: true }),
      JSON.stringify(router),
    ]) {
      expect(leaks(text)).toEqual([]);
      expect(text).not.toContain('sk-good-zyxwvutsrqponmlk');
    }
    expect(inspect(router, { breakLength: Number.POSITIVE_INFINITY })).toMatch(
      /ModelRouter \{ providers: 2, keys: 2, models: 2, groups: 1/,
    );
  });

  it('an adapter that logs its call (complete, embed, countTokens) prints no key, yet reads call.apiKey', async () => {
    const printed: string[] = [];
    const r = new ModelRouter({
      storage: memoryStorage({
        catalog: {
          providers: [{ id: 'p', adapter: 'logger', keys: [{ id: 'k', secret: SECRET }] }],
          models: [{ providerId: 'p', modelId: 'm' }],
        },
      }),
      adapters: {
        logger: {
          name: 'logger',
          complete: async (call) => {
            printed.push(inspect(call, { depth: 10 }), JSON.stringify({ ...call, signal: undefined }));
            return {
              message: { role: 'assistant', content: call.apiKey === SECRET ? 'key ok' : 'no key' },
              finishReason: { unified: 'stop' },
            };
          },
          stream: () => Promise.reject(new Error('unused')),
          embed: async (call) => {
            printed.push(inspect(call, { depth: 10 }), JSON.stringify({ ...call, signal: undefined }));
            // A call derived by spreading keeps its key and signal, and still prints no key.
            const derived = { ...call, request: { ...call.request, input: ['y'] } };
            printed.push(inspect(derived, { depth: 10 }), JSON.stringify(derived));
            const works = derived.apiKey === SECRET && derived.signal instanceof AbortSignal;
            return { embeddings: call.request.input.map(() => [works ? 1 : 0]) };
          },
          countTokens: async (call) => {
            printed.push(inspect(call, { depth: 10 }), JSON.stringify({ ...call, signal: undefined }));
            return { inputTokens: call.apiKey === SECRET ? 7 : 0 };
          },
        },
        unused: openaiCompatible({ baseURL: 'http://127.0.0.1:9/v1' }),
      },
    });
    const result = await r.complete({ model: 'p/m', messages: hi('x') });
    expect(result.message.content).toBe('key ok');
    const embedded = await r.embed({ model: 'p/m', input: ['x'] });
    expect(embedded.embeddings).toEqual([[1]]);
    const counted = await r.countTokens({ model: 'p/m', messages: hi('x') });
    expect(counted).toMatchObject({ inputTokens: 7, estimated: false });
    expect(printed).toHaveLength(8);
    for (const text of printed) expect(leaks(text)).toEqual([]);
    await r.close();
  });
});
