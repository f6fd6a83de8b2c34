import { request as httpRequest } from 'node:http';
import { toNodeListener } from 'model-router/http';
import { describe, expect, it } from 'vitest';
import { serve, serveNode } from './harness.js';

/*
 * toNodeListener's web Request, as a handler sees it: a real `Request` for every method, with no
 * body stream for GET and HEAD, and a signal that aborts when the client goes away.
 */

describe('toNodeListener: the Request a handler receives', () => {
  it('a GET or HEAD is a real Request without a body; a POST has its body as a stream', async () => {
    const seen: Array<{
      method: string;
      isRequest: boolean;
      body: unknown;
      text: string;
      header: string | null;
    }> = [];
    const server = await serve(async (req) => {
      seen.push({
        method: req.method,
        isRequest: req instanceof Request,
        body: req.body === null ? null : req.body instanceof ReadableStream ? 'stream' : typeof req.body,
        text: await req.clone().text(),
        header: req.headers.get('x-probe'),
      });
      return new Response(req.method === 'HEAD' ? null : 'ok', { headers: { 'x-method': req.method } });
    });
    try {
      const got = await fetch(`${server.url}/a?b=1`, { headers: { 'x-probe': 'p' } });
      expect(await got.text()).toBe('ok');
      const head = await fetch(`${server.url}/a`, { method: 'HEAD' });
      expect(head.headers.get('x-method')).toBe('HEAD');
      const posted = await fetch(`${server.url}/a`, { method: 'POST', body: '{"x":1}' });
      expect(await posted.text()).toBe('ok');
      expect(seen).toEqual([
        { method: 'GET', isRequest: true, body: null, text: '', header: 'p' },
        { method: 'HEAD', isRequest: true, body: null, text: '', header: null },
        { method: 'POST', isRequest: true, body: 'stream', text: '{"x":1}', header: null },
      ]);
    } finally {
      await server.close();
    }
  });

  it("a GET's Request is usable as fetch's input and as new Request's, url and headers kept", async () => {
    const upstream = await serve(
      (req) =>
        new Response(JSON.stringify({ url: new URL(req.url).search, probe: req.headers.get('x-probe') })),
    );
    const server = await serve(async (req) => {
      const copy = new Request(req);
      expect(copy.url).toBe(req.url);
      expect(copy.body).toBeNull();
      const target = new URL(req.url);
      return fetch(new Request(`${upstream.url}${target.pathname}${target.search}`, req));
    });
    try {
      const res = await fetch(`${server.url}/x?q=2`, { headers: { 'x-probe': 'p' } });
      expect(await res.json()).toEqual({ url: '?q=2', probe: 'p' });
    } finally {
      await server.close();
      await upstream.close();
    }
  });

  it("a GET's signal aborts when the client disconnects, and the response body is cancelled", async () => {
    let aborted!: () => void;
    const abortSeen = new Promise<void>((resolve) => (aborted = resolve));
    let cancelled!: () => void;
    const cancelSeen = new Promise<void>((resolve) => (cancelled = resolve));
    const server = await serve((req) => {
      req.signal.addEventListener('abort', () => aborted(), { once: true });
      return new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode('data: first\n\n'));
          },
          cancel() {
            cancelled();
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      );
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(`${server.url}/events`);
        req.on('response', (res) => {
          res.once('data', () => {
            req.destroy(); // the client goes away after the first event
            resolve();
          });
        });
        req.on('error', (error) => {
          if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
        });
        req.end();
      });
      await Promise.all([abortSeen, cancelSeen]);
    } finally {
      await server.close();
    }
  });

  it('a body Express parsed is passed on for a POST and not for a GET', async () => {
    const bodies: Array<string | null> = [];
    const listener = toNodeListener(async (req) => {
      bodies.push(req.body === null ? null : await req.text());
      return new Response('ok');
    });
    const server = await serveNode((req, res) => {
      req.resume();
      req.on('end', () => {
        (req as { body?: unknown }).body = { parsed: true }; // what express.json() leaves behind
        listener(req, res);
      });
    });
    try {
      for (const method of ['POST', 'GET'])
        await (
          await fetch(`${server.url}/`, { method, ...(method === 'POST' ? { body: '{}' } : {}) })
        ).text();
      expect(bodies).toEqual(['{"parsed":true}', null]);
    } finally {
      await server.close();
    }
  });
});

/**
 * undici 6 (Node 20 and 22) keeps a `Response`'s state in symbol-keyed slots, where toNodeListener
 * finds the string or bytes a body was made from and writes it whole, with its length; undici 7
 * (Node 24) keeps it in private fields, and there such a body streams chunked, as any other does.
 */
const wholeBodies = Number(process.versions.undici?.split('.')[0]) < 7;

describe('toNodeListener: the Response written back', () => {
  /** One GET through a listener (after `before`, a middleware's part) as node:http's client sees it. */
  async function answer(
    handler: () => Response,
    before: (res: import('node:http').ServerResponse) => void = () => {},
  ): Promise<{ status: number; message: string; headers: Record<string, unknown>; body: string }> {
    const listener = toNodeListener(handler);
    const server = await serveNode((req, res) => {
      before(res);
      listener(req, res);
    });
    try {
      return await new Promise((resolve, reject) => {
        httpRequest(`${server.url}/`, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () =>
            resolve({ status: res.statusCode!, message: res.statusMessage!, headers: res.headers, body }),
          );
        })
          .on('error', reject)
          .end();
      });
    } finally {
      await server.close();
    }
  }

  it('a body made from a string goes out whole with its length in bytes, status text and cookies kept', async () => {
    const headers = new Headers();
    headers.append('set-cookie', 'a=1');
    headers.append('set-cookie', 'b=2');
    const got = await answer(
      () => new Response('héllo', { status: 418, statusText: 'Short and stout', headers }),
    );
    expect(got).toMatchObject({ status: 418, message: 'Short and stout', body: 'héllo' });
    expect(got.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(got.headers['content-length']).toBe(wholeBodies ? '6' : undefined);
    expect(got.headers['transfer-encoding']).toBe(wholeBodies ? undefined : 'chunked');
  });

  it('Response.json: its type, every set-cookie, and a middleware header it does not override', async () => {
    const headers = new Headers({ 'x-mine': 'handler' });
    headers.append('set-cookie', 'a=1');
    headers.append('set-cookie', 'b=2');
    const got = await answer(
      () => Response.json({ ok: true }, { status: 201, headers }),
      (res) => {
        res.setHeader('x-powered-by', 'middleware');
        res.setHeader('x-mine', 'middleware');
      },
    );
    expect(got).toMatchObject({ status: 201, body: '{"ok":true}' });
    expect(got.headers).toMatchObject({
      'content-type': 'application/json',
      'set-cookie': ['a=1', 'b=2'],
      'x-powered-by': 'middleware',
      'x-mine': 'handler',
    });
    expect(got.headers['content-length']).toBe(wholeBodies ? '11' : undefined);
  });

  it('an empty body, and a body of bytes with the length the handler declared', async () => {
    expect((await answer(() => new Response(''))).headers['content-length']).toBe(
      wholeBodies ? '0' : undefined,
    );
    const bytes = new Uint8Array([104, 105]);
    const got = await answer(() => new Response(bytes, { headers: { 'content-length': '2' } }));
    expect(got).toMatchObject({ body: 'hi', headers: { 'content-length': '2' } });
  });
});
