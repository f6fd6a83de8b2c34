import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo, type Socket, createServer as createTcpServer } from 'node:net';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelRouter, ProviderError, type ProviderCall, openaiCompatible } from '../../src/index.js';
import { defaultFetch } from '../../src/providers/shared/context.js';
import { nodeFetch } from '../../src/providers/shared/node-transport.js';

/*
 * The adapters' default transport (fetch's own dispatcher without the web objects, used while
 * `globalThis.fetch` is the one Node started with) against a real server on 127.0.0.1 — no msw here: status, headers, body caps, compressed
 * bodies, aborts and connection failures must look to the router exactly as they did through fetch.
 */

const execFileAsync = promisify(execFile);

/** A POST of `{}` through the default transport, nothing else set. */
const postEmpty = (url: string) =>
  nodeFetch(url, { method: 'POST', headers: {}, body: '{}', signal: new AbortController().signal });

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  closedEarly: Promise<boolean>;
}

async function serve(
  handle: (res: ServerResponse, seen: Seen) => void,
  host = '127.0.0.1',
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const closedEarly = new Promise<boolean>((resolve) =>
        res.on('close', () => resolve(!res.writableFinished)),
      );
      const s = {
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        closedEarly,
      };
      seen.push(s);
      handle(res, s);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const authority = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${authority}:${(server.address() as AddressInfo).port}/v1`, seen };
}

const STAMP = '2025-01-01T00:00:00.000Z';
function call(signal: AbortSignal = new AbortController().signal, content = 'héllo ✓'): ProviderCall {
  return {
    provider: { id: 'p', adapter: 'openai', enabled: true, keys: [], createdAt: STAMP, updatedAt: STAMP },
    model: { id: 'p/m', providerId: 'p', modelId: 'm', enabled: true, createdAt: STAMP, updatedAt: STAMP },
    key: { id: 'k1' },
    apiKey: 'sk-transport-test',
    request: { model: 'm', messages: [{ role: 'user', content }] },
    signal,
  };
}

const completion = (content: string) =>
  JSON.stringify({
    id: 'c1',
    object: 'chat.completion',
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  });

describe('default transport', () => {
  it('sends the JSON body and key, reads the reply, its usage and its rate-limit headers', async () => {
    const { url, seen } = await serve((res) => {
      const body = completion('bonjour ✓');
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-ratelimit-limit-requests': '500',
        'x-ratelimit-remaining-requests': '499',
        'x-ratelimit-reset-requests': '120ms',
      });
      res.end(body);
    });
    const result = await openaiCompatible({ baseURL: url }).complete(call());
    expect(result.message.content).toBe('bonjour ✓');
    expect(result.usage).toMatchObject({ promptTokens: 3, completionTokens: 2, totalTokens: 5 });
    expect(result.rateLimit).toMatchObject({
      limitRequests: 500,
      remainingRequests: 499,
      resetRequestsMs: 120,
    });
    expect(seen[0]!.headers.authorization).toBe('Bearer sk-transport-test');
    expect(seen[0]!.headers['content-length']).toBe(String(Buffer.byteLength(seen[0]!.body)));
    expect(JSON.parse(seen[0]!.body).messages[0].content).toBe('héllo ✓');
  });

  it('decodes a gzip-encoded reply and a chunked one without content-length', async () => {
    const { url } = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      const zipped = gzipSync(completion('zipped'));
      res.write(zipped.subarray(0, 10));
      res.end(zipped.subarray(10));
    });
    const result = await openaiCompatible({ baseURL: url }).complete(call());
    expect(result.message.content).toBe('zipped');
  });

  it('refuses a body over limits.maxBodyBytes (declared or not) as a protocol error', async () => {
    const big = completion('x'.repeat(5_000));
    for (const declared of [true, false]) {
      const { url } = await serve((res) => {
        res.writeHead(200, {
          'content-type': 'application/json',
          ...(declared ? { 'content-length': Buffer.byteLength(big) } : {}),
        });
        res.end(big);
      });
      const adapter = openaiCompatible({ baseURL: url, limits: { maxBodyBytes: 1_000 } });
      const error = await adapter.complete(call()).catch((e: unknown) => e);
      expect(ProviderError.isProviderError(error) && error.kind).toBe('protocol');
    }
  });

  it('a compressed body is held to limits.maxBodyBytes as it decodes, whatever length it declares', async () => {
    // 1 KB on the wire, 1 MB decoded: the declared length bounds the compressed bytes only.
    const zipped = gzipSync(completion('x'.repeat(1_000_000)));
    const { url } = await serve((res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'content-length': zipped.byteLength,
      });
      res.end(zipped);
    });
    const adapter = openaiCompatible({ baseURL: url, limits: { maxBodyBytes: 100_000 } });
    const error = await adapter.complete(call()).catch((e: unknown) => e);
    expect(ProviderError.isProviderError(error) && error.kind).toBe('protocol');
    expect(zipped.byteLength).toBeLessThan(100_000);
  });

  it('classifies an error status by its status and body, with retry-after', async () => {
    const { url } = await serve((res) => {
      const body = JSON.stringify({ error: { message: 'slow down', type: 'rate_limit_error' } });
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': '1500' });
      res.end(body);
    });
    const error = await openaiCompatible({ baseURL: url })
      .complete(call())
      .catch((e: unknown) => e);
    expect(ProviderError.isProviderError(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 1500 });
  });

  it('a refused connection is a network error', async () => {
    const { url } = await serve(() => {});
    const port = new URL(url).port;
    servers.pop()!.close();
    const error = await openaiCompatible({ baseURL: `http://127.0.0.1:${port}/v1` })
      .complete(call())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'network' });
  });

  it('the abort before headers rejects with its reason and closes the connection', async () => {
    const { url, seen } = await serve(() => {}); // never answers
    const controller = new AbortController();
    const pending = openaiCompatible({ baseURL: url }).complete(call(controller.signal));
    while (seen.length === 0) await new Promise((r) => setImmediate(r));
    const reason = new Error('caller left');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(await seen[0]!.closedEarly).toBe(true);
  });

  it('streams SSE parts; an abort mid-stream rejects the read and closes the connection', async () => {
    const { url, seen } = await serve((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (text: string) =>
        `data: ${JSON.stringify({ id: 's', choices: [{ index: 0, delta: { content: text } }] })}\n\n`;
      res.write(chunk('one '));
      res.write(chunk('two'));
      // …and then nothing more: the reader waits until the caller gives up.
    });
    const controller = new AbortController();
    const stream = await openaiCompatible({ baseURL: url }).stream(call(controller.signal));
    const texts: string[] = [];
    const reason = new Error('enough');
    await expect(
      (async () => {
        for await (const part of stream.parts) {
          if (part.type === 'text-delta') texts.push(part.text);
          if (texts.length === 2) controller.abort(reason);
        }
      })(),
    ).rejects.toBe(reason);
    expect(texts).toEqual(['one ', 'two']);
    expect(await seen[0]!.closedEarly).toBe(true);
  });

  it('a stream whose consumer stops early closes the connection', async () => {
    const { url, seen } = await serve((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ id: 's', choices: [{ index: 0, delta: { content: 'a' } }] })}\n\n`);
    });
    const stream = await openaiCompatible({ baseURL: url }).stream(call());
    for await (const part of stream.parts) if (part.type === 'text-delta') break;
    expect(await seen[0]!.closedEarly).toBe(true);
  });

  it('a server that goes away mid-body is a transport failure, not a truncated reply', async () => {
    const { url } = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"id":"c1",');
      setImmediate(() => res.socket?.destroy());
    });
    const error = await openaiCompatible({ baseURL: url })
      .complete(call())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'network' });
  });

  it('uses globalThis.fetch instead once it was replaced (an interceptor installed later)', async () => {
    const { url, seen } = await serve((res) => res.end(completion('from the server')));
    const original = globalThis.fetch;
    const urls: string[] = [];
    globalThis.fetch = (input, init) => {
      urls.push(String(input));
      return original(input, init);
    };
    try {
      const result = await openaiCompatible({ baseURL: url }).complete(call());
      expect(result.message.content).toBe('from the server');
      expect(urls).toEqual([`${url}/chat/completions`]);
      expect(seen).toHaveLength(1);
    } finally {
      globalThis.fetch = original;
    }
  });

  it('sends each URL where it points: two servers, a query string, userinfo as Basic auth, an IPv6 host', async () => {
    const one = await serve((res) => res.end('one'));
    const two = await serve((res) => res.end('two'));
    const six = await serve((res) => res.end('six'), '::1');
    const post = async (url: string, headers: Record<string, string> = {}) => {
      const res = await nodeFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{}',
        signal: new AbortController().signal,
      });
      return res.text();
    };
    // Each URL twice, interleaved: the second call of each reads what the first one parsed.
    for (let round = 0; round < 2; round++) {
      expect(await post(`${one.url}/chat/completions`)).toBe('one');
      expect(await post(`${two.url}/embeddings?api-version=2024-10-21&x=%20y`)).toBe('two');
      expect(await post(`${six.url}/chat/completions`)).toBe('six');
    }
    expect(one.seen.map((s) => s.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
    expect(two.seen.map((s) => s.path)).toEqual(
      Array(2).fill('/v1/embeddings?api-version=2024-10-21&x=%20y'),
    );
    expect(six.seen.map((s) => s.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
    expect(six.seen[0]!.headers.host).toBe(new URL(six.url).host); // [::1]:port
    expect(one.seen[0]!.headers.host).toBe(new URL(one.url).host);
    expect(one.seen[0]!.headers.authorization).toBeUndefined();

    // Userinfo is percent-decoded into Basic auth; an Authorization header the caller sends wins.
    const withUser = one.url.replace('http://', 'http://us%40er:p%3Ass@');
    expect(await post(`${withUser}/chat/completions`)).toBe('one');
    expect(await post(`${withUser}/chat/completions`, { authorization: 'Bearer sk-mine' })).toBe('one');
    expect(one.seen[2]!.headers.authorization).toBe(`Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
    expect(one.seen[3]!.headers.authorization).toBe('Bearer sk-mine');
    expect(one.seen[2]!.headers.host).toBe(new URL(one.url).host);

    // Unparsable and non-HTTP URLs reject as fetch does, each time.
    for (let round = 0; round < 2; round++) {
      await expect(post('not a url')).rejects.toThrow(TypeError);
      await expect(post(`ftp://127.0.0.1:${new URL(one.url).port}/v1`)).rejects.toThrow(
        /unsupported protocol/,
      );
    }
  });

  it('an https URL is sent over TLS (a TLS handshake reaches the server)', async () => {
    let first: number | undefined;
    const tcp = createTcpServer((socket) => {
      socket.once('data', (d: Buffer) => {
        first = d[0];
        socket.destroy();
      });
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(tcp.address() as AddressInfo).port}/v1/chat/completions`;
      const error = await postEmpty(url).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as TypeError).cause).toBeDefined();
      expect(first).toBe(0x16); // a TLS handshake record, not "POST …"
    } finally {
      await new Promise((resolve) => tcp.close(resolve));
    }
  });

  it('through the router: the attempt timeout and a caller abort mid-body close the connection', async () => {
    const { url, seen } = await serve((res, s) => {
      if (JSON.parse(s.body).messages[0].content === 'stall') return; // no headers, ever
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"id":"c1",'); // …and the rest never comes
    });
    const router = new ModelRouter({
      catalog: {
        providers: [{ id: 'p', adapter: 'openai', baseUrl: url, keys: [{ id: 'k', secret: 'sk-router' }] }],
        models: [{ providerId: 'p', modelId: 'm' }],
      },
      adapters: { openai: openaiCompatible({ baseURL: url }) },
      timeouts: { attemptMs: 200 },
      maxAttempts: 1,
    });
    try {
      const timedOut = await router
        .complete({ model: 'p/m', messages: [{ role: 'user', content: 'stall' }] })
        .catch((e: unknown) => e);
      expect(timedOut).toMatchObject({
        code: 'ALL_CANDIDATES_FAILED',
        attempts: [{ errorKind: 'timeout', message: 'Attempt exceeded attemptMs (200 ms)' }],
      });
      expect(await seen[0]!.closedEarly).toBe(true);

      const controller = new AbortController();
      const pending = router.complete(
        { model: 'p/m', messages: [{ role: 'user', content: 'half a body' }] },
        { signal: controller.signal },
      );
      while (seen.length < 2) await new Promise((r) => setImmediate(r));
      controller.abort(new Error('caller left'));
      await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
      expect(await seen[1]!.closedEarly).toBe(true);
    } finally {
      await router.close();
    }
  });

  it('an adapter that spreads its call into a new one still has the attempt abort its request', async () => {
    const { url, seen } = await serve(() => {}); // no headers, ever
    const inner = openaiCompatible({ baseURL: url });
    const router = new ModelRouter({
      catalog: {
        providers: [{ id: 'p', adapter: 'wrapped', baseUrl: url, keys: [{ id: 'k', secret: 'sk-router' }] }],
        models: [{ providerId: 'p', modelId: 'm' }],
      },
      // The copy carries the call's signal (read by the spread), not the attempt's own view of it.
      adapters: {
        wrapped: { ...inner, complete: (c) => inner.complete({ ...c, request: { ...c.request } }) },
      },
      timeouts: { attemptMs: 200 },
      maxAttempts: 1,
    });
    try {
      const timedOut = await router
        .complete({ model: 'p/m', messages: [{ role: 'user', content: 'stall' }] })
        .catch((e: unknown) => e);
      expect(timedOut).toMatchObject({ attempts: [{ errorKind: 'timeout' }] });
      expect(await seen[0]!.closedEarly).toBe(true);
    } finally {
      await router.close();
    }
  });
});

describe('default transport: the dispatcher', () => {
  const GLOBAL = Symbol.for('undici.globalDispatcher.1');
  const holder = globalThis as unknown as Record<symbol, unknown>;

  it('sends through a dispatcher installed as the global one (undici’s setGlobalDispatcher: a proxy, TLS)', async () => {
    const { url, seen } = await serve((res) => res.end(completion('through yours')));
    defaultFetch(); // Node's own dispatcher exists by now
    const original = holder[GLOBAL] as { dispatch(o: { origin: string; path: string }, h: unknown): boolean };
    const dispatched: string[] = [];
    holder[GLOBAL] = {
      dispatch(options: { origin: string; path: string }, handler: unknown) {
        dispatched.push(`${options.origin}${options.path}`);
        return original.dispatch(options, handler);
      },
    };
    try {
      const result = await openaiCompatible({ baseURL: url }).complete(call());
      expect(result.message.content).toBe('through yours');
      expect(dispatched).toEqual([`${url}/chat/completions`]);
      expect(seen).toHaveLength(1);
    } finally {
      holder[GLOBAL] = original;
    }
  });

  it('in a fresh process that never used fetch, the first call loads Node’s dispatcher and goes through it', async () => {
    const { url, seen } = await serve((res) => res.end(completion('first call')));
    const script = [
      `const slot = Symbol.for('undici.globalDispatcher.1');`,
      `const before = globalThis[slot] === undefined;`,
      `const { openaiCompatible } = await import(${JSON.stringify(new URL('../../src/index.ts', import.meta.url).href)});`,
      `const { defaultFetch } = await import(${JSON.stringify(new URL('../../src/providers/shared/context.ts', import.meta.url).href)});`,
      `const { nodeFetch } = await import(${JSON.stringify(new URL('../../src/providers/shared/node-transport.ts', import.meta.url).href)});`,
      `const uses = defaultFetch() === nodeFetch;`,
      `const call = { ...${JSON.stringify(call())}, signal: new AbortController().signal };`,
      `const r = await openaiCompatible({ baseURL: ${JSON.stringify(url)} }).complete(call);`,
      `console.log(JSON.stringify({ before, after: typeof globalThis[slot]?.dispatch, uses, content: r.message.content }));`,
    ].join('\n');
    const { stdout } = await execFileAsync(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ]);
    expect(JSON.parse(stdout.trim())).toEqual({
      before: true,
      after: 'function',
      uses: true,
      content: 'first call',
    });
    expect(seen).toHaveLength(1);
  });

  it('without a dispatcher (Bun, Deno) the adapters use fetch', async () => {
    expect(defaultFetch()).toBe(nodeFetch);
    const original = holder[GLOBAL];
    holder[GLOBAL] = undefined;
    try {
      expect(defaultFetch()).toBe(globalThis.fetch);
      // Called as it is, the transport itself says why it cannot send.
      const sent = postEmpty('http://127.0.0.1:9/v1');
      await expect(sent).rejects.toThrow(/no HTTP dispatcher/);
    } finally {
      holder[GLOBAL] = original;
    }
    expect(defaultFetch()).toBe(nodeFetch);
  });

  // Random bytes: a gzip body is as large on the wire as decoded, so the server blocks either way.
  // The gzip body is one member written over and over (members decode one after another). Its stall
  // check cannot tell "stopped" from "slowed by decompression" (the server also waits on the
  // decoder's thread-pool work); what it proves is that the body, paused and resumed through the
  // decoder, arrives whole. The identity case proves the bound.
  it.each(['identity', 'gzip'])(
    'a %s body nobody reads stalls the upstream; reading resumes it to the end',
    async (encoding) => {
      const CHUNK = randomBytes(65_536);
      const WIRE = encoding === 'gzip' ? gzipSync(CHUNK) : CHUNK;
      const TOTAL = 1_200; // 75 MiB: far more than the kernel's socket buffers hold
      let written = 0;
      let blocked = false;
      let finished = false;
      const { url } = await serve(async (res) => {
        res.writeHead(200, encoding === 'gzip' ? { 'content-encoding': 'gzip' } : {});
        for (let i = 0; i < TOTAL && !res.destroyed; i++) {
          written += WIRE.length;
          if (!res.write(WIRE)) {
            blocked = true;
            await new Promise((resolve) => res.once('drain', resolve));
            blocked = false;
          }
        }
        res.end();
        finished = true;
      });
      const res = await postEmpty(`${url}/stream`);
      // The server stalls: blocked and no more written, several turns in a row (without
      // backpressure it writes everything into the client's memory and finishes).
      let quiet = 0;
      for (let last = -1; quiet < 50 && !finished; last = written) {
        await new Promise((resolve) => setImmediate(resolve));
        quiet = blocked && written === last ? quiet + 1 : 0;
      }
      expect(written).toBeLessThan((TOTAL * WIRE.length) / 4);
      const reader = res.body!.getReader();
      let read = 0;
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        read += chunk.value.byteLength;
      }
      expect(read).toBe(TOTAL * CHUNK.length);
    },
  );
});

describe('default transport: the request head', () => {
  /** A TCP server that records each request's head (the bytes up to the blank line) and answers `{}`. */
  async function rawServer(host: string): Promise<{ port: number; heads: string[]; close(): Promise<void> }> {
    const heads: string[] = [];
    const sockets = new Set<Socket>();
    const server = createTcpServer((socket) => {
      sockets.add(socket);
      let buffered = '';
      socket.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('latin1');
        for (;;) {
          const end = buffered.indexOf('\r\n\r\n');
          if (end === -1) return;
          const head = buffered.slice(0, end);
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
          if (buffered.length < end + 4 + length) return;
          heads.push(head);
          buffered = buffered.slice(end + 4 + length);
          socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return {
      port: (server.address() as AddressInfo).port,
      heads,
      close: () =>
        new Promise((resolve) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        }),
    };
  }

  /** A head's request line and its fields, names lower-cased, in order. */
  function parse(head: string): { line: string; fields: Array<[string, string]> } {
    const [line, ...rest] = head.split('\r\n');
    return {
      line: line!,
      fields: rest.map((f) => {
        const colon = f.indexOf(':');
        return [f.slice(0, colon).toLowerCase(), f.slice(colon + 1).trim()];
      }),
    };
  }

  it('carries host, user-agent, the caller’s headers, the body’s true length and userinfo as Basic auth', async () => {
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'héllo ✓' }] });
    const length = String(Buffer.byteLength(body));
    const basic = `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`;
    // [host, path, the caller's headers, the fields the server must see besides host and length]
    const cases: Array<[string, string, Record<string, string>, Array<[string, string]>]> = [
      [
        '127.0.0.1',
        '/v1/chat/completions',
        { 'content-type': 'application/json', authorization: 'Bearer k' },
        [
          ['user-agent', 'node'],
          ['content-type', 'application/json'],
          ['authorization', 'Bearer k'],
        ],
      ],
      // A caller's user-agent wins; a wrong content-length is replaced by the body's.
      [
        '127.0.0.1',
        '/v1/x?q=1',
        { 'user-agent': 'mine', accept: 'text/event-stream', 'content-length': '9' },
        [
          ['user-agent', 'mine'],
          ['accept', 'text/event-stream'],
        ],
      ],
      ['127.0.0.1', '/v1/x', {}, [['user-agent', 'node']]],
      // Names in any case are sent as given, twins and all.
      [
        '127.0.0.1',
        '/v1/x',
        { 'User-Agent': 'Mixed', 'X-Key': 'v', 'x-key': 'w' },
        [
          ['user-agent', 'Mixed'],
          ['x-key', 'v'],
          ['x-key', 'w'],
        ],
      ],
      [
        '::1',
        '/v1/x',
        { 'x-a': '1' },
        [
          ['user-agent', 'node'],
          ['x-a', '1'],
        ],
      ],
    ];
    for (const [host, path, headers, expected] of cases) {
      const server = await rawServer(host);
      try {
        const authority = `${host.includes(':') ? `[${host}]` : host}:${server.port}`;
        for (const userinfo of ['', 'us%40er:p%3Ass@']) {
          const url = `http://${userinfo}${authority}${path}`;
          const res = await nodeFetch(url, {
            method: 'POST',
            headers,
            body,
            signal: new AbortController().signal,
          });
          expect(await res.text()).toBe('{}');
          const { line, fields } = parse(server.heads.splice(0)[0]!);
          expect(line).toBe(`POST ${path} HTTP/1.1`);
          const named = (name: string) => fields.filter(([n]) => n === name).map(([, v]) => v);
          expect(named('host')).toEqual([authority]);
          expect(named('content-length')).toEqual([length]);
          const authorization = headers.authorization ?? (userinfo ? basic : undefined);
          expect(named('authorization')).toEqual(authorization ? [authorization] : []);
          const rest = fields.filter(
            ([n]) => !['host', 'content-length', 'connection', 'authorization'].includes(n),
          );
          expect(rest).toEqual(expected.filter(([n]) => n !== 'authorization'));
        }
      } finally {
        await server.close();
      }
    }
  });

  it('skips informational heads (103 Early Hints, 102) and reads the response after them', async () => {
    const sockets = new Set<Socket>();
    const server = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('data', (chunk: Buffer) => {
        if (!chunk.includes('\r\n\r\n')) return;
        socket.write('HTTP/1.1 102 Processing\r\n\r\n');
        socket.write('HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n');
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nx-a: 1\r\n\r\n{"ok":true}',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await postEmpty(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`);
      expect([res.status, res.headers.get('x-a'), res.headers.get('link')]).toEqual([200, '1', null]);
      expect(await res.text()).toBe('{"ok":true}');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a caller’s Host header is sent in place of the URL’s', async () => {
    const server = await rawServer('127.0.0.1');
    try {
      const res = await nodeFetch(`http://127.0.0.1:${server.port}/v1/x`, {
        method: 'POST',
        headers: { host: 'example.test', 'x-a': '1' },
        body: '{}',
        signal: new AbortController().signal,
      });
      expect(await res.text()).toBe('{}');
      const fields = parse(server.heads[0]!).fields;
      expect(fields.filter(([n]) => n === 'host')).toEqual([['host', 'example.test']]);
    } finally {
      await server.close();
    }
  });
});

describe('default transport: response headers', () => {
  it('reads each header as a fetch Headers has it (repeats joined, any case, set-cookie apart)', async () => {
    const fields: Array<[string, string]> = [
      ['Content-Type', 'application/json'],
      ['content-length', '2'],
      ['X-RateLimit-Limit-Requests', '100'],
      ['x-ratelimit-remaining-requests', '99'],
      ['x-ratelimit-remaining-requests', '98'],
      ['Retry-After', '7'],
      ['retry-after', '9'],
      ['Set-Cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['Cookie', 'c=3'],
      ['cookie', 'd=4'],
      ['X-Empty', ''],
      ['Age', '1'],
    ];
    const head = ['HTTP/1.1 200 OK', ...fields.map(([n, v]) => `${n}: ${v}`)].join('\r\n');
    const sockets = new Set<Socket>();
    const server = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('data', (chunk: Buffer) => {
        if (chunk.includes('\r\n\r\n')) socket.write(`${head}\r\n\r\n{}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    try {
      const fetchHeaders = new Headers();
      for (const [name, value] of fields) fetchHeaders.append(name, value);
      const res = await postEmpty(url);
      expect(await res.text()).toBe('{}');
      const names = [...fields.map(([n]) => n), 'X-EMPTY', 'absent'];
      for (const name of names) expect([name, res.headers.get(name)]).toEqual([name, fetchHeaders.get(name)]);
      const seen: Array<[string, string]> = [];
      res.headers.forEach((value, name) => {
        seen.push([name, value]);
      });
      const expected: Array<[string, string]> = [];
      fetchHeaders.forEach((value, name) => {
        expected.push([name, value]);
      });
      expect(seen).toEqual(expected);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
