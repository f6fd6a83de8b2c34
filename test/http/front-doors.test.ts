import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRelayHandler, toNodeListener } from 'model-router/http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TestServer, expectReleased, relayRouter, serve } from './harness.js';

/*
 * The relay has one core and two front doors: node:http directly (`handler.node`, which
 * `toNodeListener(handler)` picks up) and the web `Request → Response` handler (Hono, Next.js, Bun).
 * The same behaviours hold through both.
 */

type Door = 'node' | 'web';

function raw(
  url: string,
  method: string,
  options: { headers?: Record<string, string>; chunks?: Array<string | Buffer> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: options.headers ?? {} });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const c of options.chunks ?? []) req.write(c);
    req.end();
  });
}

describe.each<Door>(['node', 'web'])('relay through the %s front door', (door) => {
  const setup = relayRouter({
    a: { fallback: { text: 'one two', usage: { promptTokens: 5, completionTokens: 2, totalTokens: 7 } } },
  });
  let server: TestServer;
  let client: OpenAI;
  const hi = [{ role: 'user' as const, content: 'hi' }];

  beforeAll(async () => {
    const handler = createRelayHandler(setup.router, { maxBodyBytes: 4096 });
    // An unmarked wrapper takes the generic web path of toNodeListener.
    server = await serve(door === 'node' ? handler : (request: Request) => handler(request));
    client = new OpenAI({ apiKey: 'k', baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
    await setup.router.close();
  });

  it('answers a completion and a stream with usage, naming the request', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'coding', messages: hi })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('one two');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);

    const stream = await client.chat.completions.create({
      model: 'coding',
      messages: hi,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe('one two');
    expect(usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 2 });
    expectReleased(setup.router);
  });

  it('errors keep their status and envelope; bodies are bounded', async () => {
    const unknown = await client.chat.completions.create({ model: 'nope', messages: hi }).catch((e) => e);
    expect(unknown).toMatchObject({ status: 404, code: 'UNKNOWN_MODEL' });

    const chunked = await raw(`${server.url}/v1/chat/completions`, 'POST', {
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: ['{"model":"coding","messages":[{"role":"user","content":"', 'y'.repeat(5000), '"}]}'],
    });
    expect(chunked.status).toBe(413);
    expect(chunked.headers.connection).toBe('close');

    const typed = await raw(`${server.url}/v1/chat/completions`, 'POST', {
      headers: { 'content-type': 'text/plain' },
      chunks: ['{}'],
    });
    expect(typed.status).toBe(415);
    const notUtf8 = await raw(`${server.url}/v1/chat/completions`, 'POST', {
      headers: { 'content-type': 'application/json' },
      chunks: [Buffer.from([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])], // {"m":"<0xff>"}
    });
    expect(notUtf8.status).toBe(400);
    expect(JSON.parse(notUtf8.body).error.message).toMatch(/UTF-8/);
    // The same with its length declared (read whole rather than through a reader).
    const bytes = Buffer.from([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]);
    const declaredNotUtf8 = await raw(`${server.url}/v1/chat/completions`, 'POST', {
      headers: { 'content-type': 'application/json', 'content-length': String(bytes.byteLength) },
      chunks: [bytes],
    });
    expect(declaredNotUtf8.status).toBe(400);
    expect(JSON.parse(declaredNotUtf8.body).error.message).toMatch(/UTF-8/);
    const method = await raw(`${server.url}/v1/chat/completions`, 'GET');
    expect(method.status).toBe(405);
    expect(method.headers.allow).toBe('POST');
    const models = await raw(`${server.url}/v1/models/a/model-a`, 'GET');
    expect(JSON.parse(models.body)).toMatchObject({ id: 'a/model-a', object: 'model' });
    expectReleased(setup.router);
  });

  it('a client that disconnects mid-stream cancels the upstream call and releases everything', async () => {
    setup.a.push({ chunks: ['first ', 'second'], chunkDelayMs: 3_600_000 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'a/model-a', messages: hi, stream: true },
      { signal: controller.signal },
    );
    for await (const c of stream) if (c.choices[0]?.delta.content === 'first ') controller.abort();
    await vi.waitFor(() => expect(setup.a.calls.at(-1)).toMatchObject({ aborted: true, settled: true }));
    await vi.waitFor(() => expectReleased(setup.router));
  });
});

describe('front doors: what only one of them sees', () => {
  it('the web handler answers a Request directly (no server), with the same envelope', async () => {
    const setup = relayRouter();
    const handler = createRelayHandler(setup.router);
    const res = await handler(
      new Request('http://relay.local/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] }),
      }),
    );
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_MODEL');
    // A Request made in process may declare less than it holds: its size over the cap is still refused.
    const lying = await createRelayHandler(setup.router, { maxBodyBytes: 1024 })(
      new Request('http://relay.local/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '10' },
        body: JSON.stringify({ model: 'coding', messages: [{ role: 'user', content: 'y'.repeat(5000) }] }),
      }),
    );
    expect(lying.status).toBe(413);
    expect(setup.a.calls).toHaveLength(0);
    await setup.router.close();
  });

  it('toNodeListener writes a body of declared length with its headers at once; others stream as they come', async () => {
    let release: () => void = () => {};
    const later = new Promise<void>((resolve) => (release = resolve));
    const bytes = (text: string) => new TextEncoder().encode(text);
    const handlers: Record<string, () => Response> = {
      '/known': () => new Response('{"a":1}', { headers: { 'content-length': '7' } }),
      // Declares 7 bytes, then sends more: the 7 are the reply, the rest is not read.
      '/lying': () =>
        new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(bytes('{"a":1}'));
              c.enqueue(bytes('garbage'));
              c.close();
            },
          }),
          { headers: { 'content-length': '7' } },
        ),
      '/chunked': () =>
        new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(bytes('one '));
              c.enqueue(bytes('two'));
              c.close();
            },
          }),
        ),
      // The first event waits until the client has the headers: they must not wait for it.
      '/events': () =>
        new Response(
          new ReadableStream({
            async start(c) {
              await later;
              c.enqueue(bytes('data: hi\n\n'));
              c.close();
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
    };
    const server = createServer(toNodeListener((r: Request) => handlers[new URL(r.url).pathname]!()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const known = await raw(`${base}/known`, 'GET');
      expect(known).toMatchObject({ status: 200, body: '{"a":1}' });
      expect(known.headers['content-length']).toBe('7');
      expect(known.headers['transfer-encoding']).toBeUndefined();
      expect((await raw(`${base}/lying`, 'GET')).body).toBe('{"a":1}');
      const chunked = await raw(`${base}/chunked`, 'GET');
      expect(chunked.body).toBe('one two');
      expect(chunked.headers['transfer-encoding']).toBe('chunked');
      const events = await new Promise<string>((resolve, reject) => {
        const req = httpRequest(`${base}/events`);
        req.on('response', (res) => {
          expect(res.headers['content-type']).toBe('text/event-stream');
          release(); // the headers came first
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve(body));
        });
        req.on('error', reject);
        req.end();
      });
      expect(events).toBe('data: hi\n\n');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("the web door's JSON reply declares its length, so a server writes it in one piece", async () => {
    const setup = relayRouter({ a: { fallback: { text: 'sized' } } });
    const relay = createRelayHandler(setup.router);
    const server = createServer(toNodeListener((r: Request) => relay(r)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const res = await raw(`http://127.0.0.1:${port}/v1/chat/completions`, 'POST', {
        headers: { 'content-type': 'application/json' },
        chunks: [JSON.stringify({ model: 'a/model-a', messages: [{ role: 'user', content: 'hi' }] })],
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).choices[0].message.content).toBe('sized');
      expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.body)));
      expect(res.headers['transfer-encoding']).toBeUndefined();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await setup.router.close();
    }
  });

  it('the node door serves a body that Express already parsed', async () => {
    const setup = relayRouter({ a: { fallback: { text: 'parsed ok' } } });
    const relay = createRelayHandler(setup.router);
    expect(toNodeListener(relay)).toBe(relay.node);
    const server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (text += d));
      req.on('end', () => {
        (req as { body?: unknown }).body = JSON.parse(text); // what express.json() leaves behind
        relay.node(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const res = await raw(`http://127.0.0.1:${port}/v1/chat/completions`, 'POST', {
      headers: { 'content-type': 'application/json' },
      chunks: [JSON.stringify({ model: 'a/model-a', messages: [{ role: 'user', content: 'hi' }] })],
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).choices[0].message.content).toBe('parsed ok');
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await setup.router.close();
  });
});
