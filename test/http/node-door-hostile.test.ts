import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { createRelayHandler } from 'model-router/http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TestServer, expectReleased, relayRouter, serve } from './harness.js';

/*
 * Hostile clients on the relay's node:http door (`toNodeListener(relay)` = `relay.node`): raw sockets
 * for what no SDK sends — a body that stalls half way, a body cut off by a disconnect.
 */
const setup = relayRouter({ a: { fallback: { text: 'fine' } } });
let server: TestServer;
let client: OpenAI;
const hi = [{ role: 'user' as const, content: 'hi' }];

beforeAll(async () => {
  server = await serve(createRelayHandler(setup.router, { maxBodyBytes: 4096 }));
  client = new OpenAI({ apiKey: 'k', baseURL: `${server.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  await setup.router.close();
});

/** A raw socket that sends `head` and the start of a body, and keeps the connection open. */
async function stalledUpload(body: string, declared: number) {
  const { port } = new URL(server.url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n${body}`,
  );
  return socket;
}

describe('relay node door: hostile request bodies', () => {
  it('a body that stalls half way holds nothing and blocks nobody; its disconnect routes nothing', async () => {
    setup.a.reset();
    const body = JSON.stringify({ model: 'coding', messages: hi });
    const socket = await stalledUpload(body.slice(0, 20), body.length);
    let answered = '';
    socket.on('data', (d: Buffer) => (answered += d.toString('utf8')));
    // Another client is served meanwhile.
    const ok = await client.chat.completions.create({ model: 'coding', messages: hi });
    expect(ok.choices[0]!.message.content).toBe('fine');
    expect(setup.a.calls).toHaveLength(1);
    expect(answered).toBe(''); // nothing routed, nothing answered before the body is complete
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.destroy();
    await closed;
    // The relay still serves, and the cut-off body was never routed.
    const again = await client.chat.completions.create({ model: 'coding', messages: hi });
    expect(again.choices[0]!.message.content).toBe('fine');
    expect(setup.a.calls).toHaveLength(2);
    expectReleased(setup.router);
  });

  it('a body sent a byte at a time is read whole and routed once', async () => {
    setup.a.reset();
    const body = JSON.stringify({ model: 'coding', messages: hi });
    const socket = await stalledUpload('', body.length);
    let answered = '';
    socket.on('data', (d: Buffer) => (answered += d.toString('utf8')));
    for (const ch of body) {
      await new Promise<void>((resolve) => socket.write(ch, () => resolve()));
    }
    await vi.waitFor(() => expect(answered).toContain('"fine"'));
    expect(answered).toMatch(/^HTTP\/1\.1 200/);
    expect(setup.a.calls).toHaveLength(1);
    socket.destroy();
    expectReleased(setup.router);
  });

  it('a declared body over the cap is refused at once (413), the connection closed, nothing routed', async () => {
    setup.a.reset();
    const socket = await stalledUpload('{"model":"coding",', 1_000_000);
    let answered = '';
    socket.on('data', (d: Buffer) => (answered += d.toString('utf8')));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(answered).toMatch(/^HTTP\/1\.1 413/);
    expect(answered.toLowerCase()).toContain('connection: close');
    expect(setup.a.calls).toHaveLength(0);
    expectReleased(setup.router);
  });
});

describe('relay node door: a body another handler consumed', () => {
  it('answers 500 BODY_CONSUMED at once instead of waiting forever for a body already read', async () => {
    setup.a.reset();
    const relay = createRelayHandler(setup.router);
    // What Fastify's own JSON parser leaves: the stream read to its end, no `req.body` on the raw request.
    const consumed = createServer((req, res) => {
      req.resume();
      req.on('end', () => relay.node(req, res));
    });
    await new Promise<void>((resolve) => consumed.listen(0, '127.0.0.1', resolve));
    const { port } = consumed.address() as AddressInfo;
    const error = await new OpenAI({
      apiKey: 'k',
      baseURL: `http://127.0.0.1:${port}/v1`,
      maxRetries: 0,
    }).chat.completions
      .create({ model: 'coding', messages: hi })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 500, code: 'BODY_CONSUMED' });
    expect(setup.a.calls).toHaveLength(0);
    expectReleased(setup.router);
    consumed.closeAllConnections();
    await new Promise<void>((resolve) => consumed.close(() => resolve()));
  });
});

describe('relay node door: a client that never reads its stream', () => {
  it('stops pulling the upstream once the socket is full (bounded), and its disconnect releases everything', async () => {
    // The router's own output cap (4 MiB by default) lifted, so that only backpressure can stop the pull.
    const own = relayRouter({ router: { limits: { maxOutputChars: 1_000_000_000 } } });
    const relay = await serve(createRelayHandler(own.router));
    // An endless upstream stream of 64 KiB parts that counts how many the relay pulled.
    const part = 'x'.repeat(64 * 1024);
    let pulled = 0;
    const endless: string[] = [];
    endless[Symbol.iterator] = function* () {
      for (;;) {
        pulled++;
        yield part;
      }
    };
    own.a.push({ chunks: endless });
    const { port } = new URL(relay.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const body = JSON.stringify({ model: 'a/model-a', messages: hi, stream: true });
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    // Read the first bytes (the stream began), then never read again.
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.pause();
    // Without backpressure the relay would pull without end; with it, the count stops growing.
    let last = -1;
    await vi.waitFor(
      () => {
        const now = pulled;
        const still = now === last;
        last = now;
        expect(still).toBe(true);
      },
      { timeout: 15_000, interval: 200 },
    );
    // What the socket buffers hold at most (kernel send and receive buffers, a few MiB each).
    expect(pulled * part.length).toBeLessThan(64 * 1024 * 1024);
    expect(own.a.calls.at(-1)).toMatchObject({ settled: false, aborted: false }); // still streaming
    expect(own.router.stats().inFlight).toBe(1);
    socket.destroy();
    await vi.waitFor(() => expect(own.a.calls.at(-1)).toMatchObject({ aborted: true, settled: true }));
    await vi.waitFor(() => expectReleased(own.router));
    await relay.close();
    await own.router.close();
  }, 20_000);
});
