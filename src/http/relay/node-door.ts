import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { failNodeResponse } from '../internal-error.js';
import { bodilessRequest } from '../node-request.js';
import { type BodyState, readNodeJson } from './node-body.js';
import { ClientSignal } from './client-signal.js';
import type { RelayCore } from './core.js';
import type { HeaderReader, JsonReply, RelayInput, SseReply } from './types.js';

/**
 * The relay straight on node:http (and Express/Fastify's raw `(req, res)`): the body is read from the
 * socket and the reply written to `res` with no web `Request`/`Response` in between. A client that
 * disconnects aborts the input's signal, which cancels the routed call; an SSE reply is written as its
 * chunks come (those ready in the same tick in one write), waiting for `drain`, so a slow client
 * slows the upstream read.
 */
export function serveNode(core: RelayCore, req: IncomingMessage, res: ServerResponse): void {
  const client = new ClientSignal();
  const onClose = () => {
    if (!res.writableFinished) client.abort(new Error('client disconnected'));
  };
  res.on('close', onClose);
  const body: BodyState = { started: false, ended: false };
  let web: Request | undefined;
  const input: RelayInput = {
    method: req.method ?? 'GET',
    pathname: pathOf(req.url),
    headers: nodeHeaders(req.headers),
    signal: client.asAbortSignal(),
    readJson: (maxBytes) => readNodeJson(req, maxBytes, body),
    webRequest: () => {
      web ??= bodilessRequest(req, () => client.signal);
      return web;
    },
  };
  const detach = () => res.off('close', onClose);
  core
    .serve(input)
    .then((reply) => {
      // A body left half read, or refused by its Content-Length before a byte was read (413): not
      // worth reading to keep the connection, so close it after the answer.
      if ((body.started && !body.ended) || (reply.status === 413 && !req.complete)) {
        res.setHeader('connection', 'close');
        req.resume();
      }
      // A JSON reply is written at once: no promise for it.
      if (reply.kind === 'json') writeJson(reply, res);
      else return writeSse(reply, res, client.asAbortSignal());
    })
    .then(detach, () => {
      try {
        failNodeResponse(res);
      } finally {
        detach();
      }
    });
}

function writeJson(reply: JsonReply, res: ServerResponse): void {
  const text = reply.text ?? JSON.stringify(reply.body);
  // The reply's own headers object (made for this request), completed in place rather than copied.
  const headers: Record<string, string | number> = reply.headers;
  headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = Buffer.byteLength(text);
  res.writeHead(reply.status, headers);
  res.end(text);
}

/**
 * Chunks that are ready in the same tick go out in one write: each `res.write` is a chunked-encoding
 * frame and, on its own, a syscall. What one upstream read produced is framed in microtasks, so the
 * batch is flushed on `process.nextTick` (after them), or at once past `BATCH_CHARS` so that a
 * stream produced without ever leaving the microtask queue still meets the socket's backpressure.
 * The first chunk waits only for the microtasks of its own read: never for the next upstream read.
 */
const BATCH_CHARS = 16 * 1024;

async function writeSse(reply: SseReply, res: ServerResponse, signal: AbortSignal): Promise<void> {
  if (signal.aborted) {
    reply.cancel(signal.reason);
    return;
  }
  res.writeHead(reply.status, reply.headers);
  let batch = '';
  let open = true;
  // The headers go out with the first chunk when it is ready in this tick, on their own otherwise.
  let sent = false;
  const flush = () => {
    if (!open) return;
    if (batch !== '') {
      const text = batch;
      batch = '';
      res.write(text);
    } else if (!sent) res.flushHeaders();
    sent = true;
  };
  let scheduled = true;
  process.nextTick(() => {
    scheduled = false;
    flush();
  });
  const onAbort = () => reply.cancel(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      // A write refused (the socket's buffer is full): pull nothing more until it drains.
      if (res.writableNeedDrain) await drained(res, signal);
      if (signal.aborted) break;
      const chunk = await reply.next();
      if (chunk === undefined || signal.aborted) break;
      batch += chunk;
      if (batch.length >= BATCH_CHARS) flush();
      else if (!scheduled) {
        scheduled = true;
        process.nextTick(() => {
          scheduled = false;
          flush();
        });
      }
    }
  } finally {
    open = false;
    signal.removeEventListener('abort', onAbort);
  }
  if (!signal.aborted) res.end(batch);
}

function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  // An absolute-form target (`GET http://host/v1/models`) or anything odd goes through the URL parser.
  if (path.startsWith('/') && !path.includes('\\') && !path.includes('/.')) return path;
  try {
    return new URL(raw, 'http://localhost').pathname;
  } catch {
    return '/';
  }
}

function nodeHeaders(headers: IncomingHttpHeaders): HeaderReader {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}
