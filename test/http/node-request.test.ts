import { connect } from 'node:net';
import { Hono } from 'hono';
import { createRelayHandler, toNodeListener } from 'model-router/http';
import OpenAI from 'openai';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { expectReleased, relayRouter, serve, serveNode } from './harness.js';

/*
 * The Request toNodeListener hands a handler is built as far as the handler looks (fast json/text/
 * arrayBuffer straight from node:http). Whatever a handler does with it, it must behave as a real
 * `Request` with the same URL, method, headers and body would: each scenario below runs on both, in
 * the same handler, and the two outcomes must be equal.
 */

type Scenario = (r: Request) => Promise<unknown>;

const undiciMajor = Number(process.versions.undici?.split('.')[0]);

/** A `Headers`' or `FormData`'s pairs (the DOM iterable types are not in this project's lib). */
function entries(of: Headers | FormData): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  of.forEach((value, name) => {
    pairs.push([name, String(value)]);
  });
  return pairs;
}

/** A scenario's outcome as plain data: a value, or the class and message of what it threw. */
async function outcome(scenario: Scenario, r: Request): Promise<unknown> {
  try {
    return { value: await scenario(r) };
  } catch (error) {
    return { threw: (error as Error).constructor.name };
  }
}

const settle = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    (value) => ({ value }),
    (error: Error) => ({ threw: error.constructor.name }),
  );

const SCENARIOS: Record<string, Scenario> = {
  json: async (r) => [await r.json(), r.bodyUsed],
  'json twice': async (r) => [await settle(r.json()), await settle(r.json()), r.bodyUsed],
  text: async (r) => [await r.text(), r.bodyUsed],
  arrayBuffer: async (r) => [...new Uint8Array(await r.arrayBuffer())],
  'text then arrayBuffer': async (r) => [await r.text(), await settle(r.arrayBuffer())],
  bytes: async (r) => [...(await (r as Request & { bytes(): Promise<Uint8Array> }).bytes())],
  blob: async (r) => {
    const blob = await r.blob();
    return [blob.size, blob.type, await blob.text()];
  },
  formData: async (r) => [await settle(r.formData().then((f) => entries(f)))],
  'the body stream': async (r) => {
    if (!r.body) return null;
    const reader = r.body.getReader();
    const parts: number[] = [];
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      parts.push(...chunk.value);
    return [parts, r.bodyUsed];
  },
  clone: async (r) => {
    const copy = r.clone();
    return [await copy.text(), await r.text(), copy.method, copy.url, copy.headers.get('x-probe')];
  },
  'clone after json': async (r) => [await r.json(), await settle((async () => r.clone().url)())],
  'new Request(r)': async (r) => {
    const copy = new Request(r);
    return [copy.method, copy.url, copy.headers.get('x-probe'), await copy.text(), r.bodyUsed];
  },
  'new Request(r) after text': async (r) => [
    await r.text(),
    await settle((async () => new Request(r).method)()),
  ],
  'headers, kept and changed': async (r) => {
    const first = r.headers;
    const same = first === r.headers;
    r.headers.set('x-added', 'yes');
    const copy = new Request(r);
    return [same, r.headers.get('x-added'), copy.headers.get('x-added'), r.headers.get('content-type')];
  },
  members: async (r) => [
    r.method,
    r.url,
    r.cache,
    r.credentials,
    r.destination,
    r.integrity,
    r.keepalive,
    r.mode,
    r.redirect,
    r.referrer,
    r.referrerPolicy,
    (r as Request & { duplex?: string }).duplex,
    r.bodyUsed,
    r.signal.aborted,
    r instanceof Request,
    Object.prototype.toString.call(r),
    Object.keys(r),
  ],
};

/** The same request as a real `Request`: what the handler's must behave like. */
function reference(r: Request, body: Uint8Array<ArrayBuffer> | undefined): Request {
  return new Request(r.url, {
    method: r.method,
    headers: entries(r.headers),
    ...(body ? { body, duplex: 'half' } : {}),
  } as RequestInit);
}

const requests: Array<{ name: string; method: string; type?: string; body?: Uint8Array<ArrayBuffer> }> = [
  { name: 'a JSON POST', method: 'POST', type: 'application/json', body: Buffer.from('{"a":[1,"é"]}') },
  {
    name: 'a form POST',
    method: 'POST',
    type: 'application/x-www-form-urlencoded',
    body: Buffer.from('a=1&b=two+words'),
  },
  // A byte-order mark (dropped by text()) and bytes that are not UTF-8 (replaced).
  {
    name: 'a POST of odd bytes',
    method: 'PUT',
    body: Buffer.from([0xef, 0xbb, 0xbf, 0x22, 0xff, 0x41, 0x22]),
  },
  { name: 'an empty POST', method: 'POST', body: new Uint8Array(0) },
  { name: 'a GET', method: 'GET' },
];

describe('toNodeListener: the Request behaves as a real one', () => {
  for (const sent of requests) {
    it(`${sent.name}: every scenario ends as on a real Request`, async () => {
      const results: Array<{ scenario: string; got: unknown; want: unknown }> = [];
      let scenario = '';
      const server = await serve(async (r) => {
        const body = r.method === 'GET' ? undefined : sent.body;
        const want = await outcome(SCENARIOS[scenario]!, reference(r, body));
        const got = await outcome(SCENARIOS[scenario]!, r);
        results.push({ scenario, got, want });
        return new Response('ok');
      });
      try {
        for (scenario of Object.keys(SCENARIOS)) {
          const res = await fetch(`${server.url}/p?q=1`, {
            method: sent.method,
            headers: { 'x-probe': 'p', ...(sent.type ? { 'content-type': sent.type } : {}) },
            ...(sent.body ? { body: sent.body } : {}),
          });
          expect(await res.text()).toBe('ok');
        }
      } finally {
        await server.close();
      }
      expect(results.map((r) => r.scenario)).toEqual(Object.keys(SCENARIOS));
      for (const { scenario: name, got, want } of results) expect({ name, got }).toEqual({ name, got: want });
      // The scenarios do see the body (the comparison is not of two failures).
      if (sent.body && sent.body.byteLength > 0)
        expect(results.find((r) => r.scenario === 'arrayBuffer')!.got).toEqual({ value: [...sent.body] });
    });
  }

  it('is a Request to fetch: a POST forwarded upstream as the init of a new Request keeps its body', async () => {
    const upstream = await serve(
      async (r) =>
        new Response(
          JSON.stringify({ method: r.method, body: await r.text(), probe: r.headers.get('x-probe') }),
        ),
    );
    const server = await serve((r) => fetch(new Request(`${upstream.url}/echo`, r)));
    try {
      const res = await fetch(`${server.url}/x`, {
        method: 'POST',
        headers: { 'x-probe': 'p' },
        body: '{"n":1}',
      });
      expect(await res.json()).toEqual({ method: 'POST', body: '{"n":1}', probe: 'p' });
    } finally {
      await server.close();
      await upstream.close();
    }
  });

  // undici 6 (Node 20, 22) keeps a Request's state in symbol-keyed slots, which a lazy Request can
  // answer; undici 7 (Node 24) keeps it in private fields, and there the handler gets undici's own.
  it('is built lazily where the runtime allows (a regression guard: the tests above pass either way)', async () => {
    let kind = '';
    const server = await serve((r) => {
      kind = r.constructor === Request ? 'an eager Request' : 'a lazy Request';
      return new Response('ok');
    });
    try {
      await (await fetch(server.url)).text();
      expect(kind).toBe(undiciMajor < 7 ? 'a lazy Request' : 'an eager Request');
    } finally {
      await server.close();
    }
  });

  it('inspects as a Request', async () => {
    let shown = '';
    const server = await serve((r) => {
      shown = inspect(r);
      return new Response('ok');
    });
    try {
      await (await fetch(`${server.url}/i`, { method: 'POST', body: 'x' })).text();
      expect(shown).toMatch(/^Request \{/);
      expect(shown).toContain("method: 'POST'");
      expect(shown).toContain(`url: '${server.url}/i'`);
    } finally {
      await server.close();
    }
  });
});

describe('toNodeListener: a body the client cuts off', () => {
  /** A raw client that declares a body, sends part of it and disconnects. */
  async function cutOff(url: string): Promise<void> {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST /cut HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{"partial":');
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        socket.destroy();
        resolve();
      }),
    );
  }

  for (const read of ['json', 'text', 'arrayBuffer', 'body'] as const) {
    it(`${read}() rejects, and the signal aborts`, async () => {
      let settled!: (v: unknown) => void;
      const seen = new Promise<unknown>((resolve) => (settled = resolve));
      const server = await serve(async (r) => {
        const reading =
          read === 'body' ? new Response(r.body).text() : (r[read] as () => Promise<unknown>).call(r);
        const result = await reading.then(
          () => 'resolved',
          (error: Error) => error.constructor.name,
        );
        // The disconnect aborts the signal too (a signal that never aborts times the test out).
        if (!r.signal.aborted) await new Promise((resolve) => r.signal.addEventListener('abort', resolve));
        settled({ result, aborted: r.signal.aborted });
        return new Response('late');
      });
      try {
        await cutOff(server.url);
        const got = (await seen) as { result: string; aborted: boolean };
        expect(got.result).not.toBe('resolved');
        expect(got.aborted).toBe(true);
      } finally {
        await server.close();
      }
    });
  }
});

describe('toNodeListener: a body read the handler left behind', () => {
  it('never settles: the rest of the body is discarded, and no rejection goes unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    let finish!: () => void;
    const server = await serve((r) => {
      void r.json(); // started, never awaited
      // An answer that stays open while the client sends the rest of its body.
      return new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode('early'));
            finish = () => c.close();
          },
        }),
      );
    });
    try {
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      let answered = '';
      const first = new Promise<void>((resolve) =>
        socket.on('data', (d: Buffer) => {
          answered += d.toString('utf8');
          if (answered.includes('early')) resolve();
        }),
      );
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const rest = `1,"pad":"${'x'.repeat(200)}"}`;
      const start = '{"partial":';
      socket.write(
        `POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${start.length + rest.length}\r\n\r\n${start}`,
      );
      await first;
      // The rest arrives after the handler answered: read to its end, and dropped.
      await new Promise<void>((resolve) => socket.write(rest, () => resolve()));
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      finish();
      await closed;
      expect(answered).toMatch(/^HTTP\/1\.1 200/);
      expect(answered.toLowerCase()).toContain('connection: close');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await server.close();
    }
  });
});

describe('toNodeListener: a body a middleware paused', () => {
  it('is read all the same, by json() and through the body stream', async () => {
    const read: unknown[] = [];
    const listener = toNodeListener(async (r) => {
      read.push(r.headers.get('x-way') === 'stream' ? await new Response(r.body).json() : await r.json());
      return new Response('ok');
    });
    const server = await serveNode((req, res) => {
      req.pause();
      listener(req, res);
    });
    try {
      for (const way of ['json', 'stream']) {
        const res = await fetch(`${server.url}/`, {
          method: 'POST',
          headers: { 'x-way': way },
          body: '{"n":1}',
        });
        expect(await res.text()).toBe('ok');
      }
      expect(read).toEqual([{ n: 1 }, { n: 1 }]);
    } finally {
      await server.close();
    }
  });
});

describe('toNodeListener: a body another middleware read to its end', () => {
  it('reads as empty at once, by text() and through the body stream, instead of waiting forever', async () => {
    const read: string[] = [];
    const listener = toNodeListener(async (r) => {
      read.push(r.headers.get('x-way') === 'stream' ? await new Response(r.body).text() : await r.text());
      return new Response('ok');
    });
    // What a middleware that reads the stream and keeps nothing (no req.body) leaves behind.
    const server = await serveNode((req, res) => {
      req.resume();
      req.on('end', () => listener(req, res));
    });
    try {
      for (const way of ['text', 'stream']) {
        const res = await fetch(`${server.url}/`, {
          method: 'POST',
          headers: { 'x-way': way },
          body: 'gone',
        });
        expect(await res.text()).toBe('ok');
      }
      expect(read).toEqual(['', '']);
    } finally {
      await server.close();
    }
  });
});

describe('toNodeListener: a Hono app', () => {
  it("reads JSON, a form, headers and the query through Hono's request, and answers with c.json", async () => {
    const app = new Hono();
    app.post('/json', async (c) =>
      c.json({ body: await c.req.json(), probe: c.req.header('x-probe'), q: c.req.query('q') }, 201),
    );
    app.post('/form', async (c) => c.json({ form: await c.req.parseBody() }));
    app.put('/bytes', async (c) => c.json({ size: (await c.req.arrayBuffer()).byteLength }));
    app.get('/signal', (c) =>
      c.json({ aborted: c.req.raw.signal.aborted, isRequest: c.req.raw instanceof Request }),
    );
    const server = await serve((request) => app.fetch(request));
    try {
      const json = await fetch(`${server.url}/json?q=3`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-probe': 'p' },
        body: '{"a":[1,2]}',
      });
      expect(json.status).toBe(201);
      // Written whole with its length where the runtime lets toNodeListener see the body's source.
      const length = String((await json.clone().arrayBuffer()).byteLength);
      expect(json.headers.get('content-length')).toBe(undiciMajor < 7 ? length : null);
      expect(await json.json()).toEqual({ body: { a: [1, 2] }, probe: 'p', q: '3' });
      const form = await fetch(`${server.url}/form`, {
        method: 'POST',
        body: new URLSearchParams({ a: '1', b: 'x y' }),
      });
      expect(await form.json()).toEqual({ form: { a: '1', b: 'x y' } });
      const bytes = await fetch(`${server.url}/bytes`, { method: 'PUT', body: new Uint8Array(3000) });
      expect(await bytes.json()).toEqual({ size: 3000 });
      expect(await (await fetch(`${server.url}/signal`)).json()).toEqual({ aborted: false, isRequest: true });
    } finally {
      await server.close();
    }
  });
});

describe("the relay's node door: the Request authenticate and transformRequest receive", () => {
  it('is a body-less Request with the call’s method, URL and headers, as a real one would be', async () => {
    const setup = relayRouter({ a: { fallback: { text: 'fine' } } });
    const seen: Array<{ hook: string; got: unknown; want: unknown }> = [];
    const describeRequest = async (r: Request) => [
      r instanceof Request,
      r.method,
      r.url,
      r.headers.get('authorization'),
      r.body,
      r.bodyUsed,
      await r.text(),
      new Request(r).headers.get('x-tenant'),
      r.signal instanceof AbortSignal && !r.signal.aborted,
    ];
    const reference = (r: Request) => new Request(r.url, { method: r.method, headers: entries(r.headers) });
    const server = await serve(
      createRelayHandler(setup.router, {
        authenticate: async (r) => {
          seen.push({
            hook: 'authenticate',
            want: await describeRequest(reference(r)),
            got: await describeRequest(r),
          });
          return { id: 'acme' };
        },
        transformRequest: async (chat, { request }) => {
          seen.push({
            hook: 'transformRequest',
            want: await describeRequest(reference(request)),
            got: await describeRequest(request),
          });
          return chat;
        },
      }),
    );
    try {
      const client = new OpenAI({
        apiKey: 'sk-tenant',
        baseURL: `${server.url}/v1`,
        maxRetries: 0,
        defaultHeaders: { 'x-tenant': 'acme' },
      });
      const done = await client.chat.completions.create({
        model: 'coding',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(done.choices[0]!.message.content).toBe('fine');
      expect(seen.map((s) => s.hook)).toEqual(['authenticate', 'transformRequest']);
      for (const { hook, got, want } of seen) expect({ hook, got }).toEqual({ hook, got: want });
      expect(seen[0]!.got).toEqual([
        true,
        'POST',
        `${server.url}/v1/chat/completions`,
        'Bearer sk-tenant',
        null,
        false,
        '',
        'acme',
        true,
      ]);
      expectReleased(setup.router);
    } finally {
      await server.close();
      await setup.router.close();
    }
  });
});
