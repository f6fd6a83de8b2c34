import type { IncomingMessage, ServerResponse } from 'node:http';
import { failNodeResponse } from './internal-error.js';
import { nodeRequest } from './node-request.js';
import { responseSource } from './response-source.js';
import { NODE_LISTENER } from './relay/node-marker.js';

/** A `node:http` / Express request listener. */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Any web-standard handler: ours, or a framework's (`app.fetch` of Hono). */
export type WebHandler = (request: Request) => Response | Promise<Response>;

/**
 * Serve a web-standard handler from `node:http` or Express. Responses stream (SSE included) with
 * backpressure; when the client disconnects, the `Request`'s `signal` aborts and the response body is
 * cancelled, so the router stops the upstream call. A relay handler (`createRelayHandler`) is served
 * by its direct node:http path instead. Mount it before any body parser, or after
 * `express.json()` (an already parsed body is re-serialized).
 */
export function toNodeListener(handler: WebHandler): NodeListener {
  // The relay serves node:http directly, without web Request/Response conversion.
  const direct = (handler as { [NODE_LISTENER]?: NodeListener })[NODE_LISTENER];
  if (typeof direct === 'function') return direct;
  return (req, res) => {
    void serve(handler, req, res);
  };
}

async function serve(handler: WebHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const controller = new AbortController();
  // The response body's reader once writing began: the client's disconnect cancels it from here
  // (one listener on res for both, rather than one more on the signal per response).
  const writing: { reader?: ReadableStreamDefaultReader<Uint8Array> } = {};
  const onClose = () => {
    if (res.writableFinished) return;
    controller.abort();
    writing.reader?.cancel(controller.signal.reason).catch(() => {});
  };
  res.on('close', onClose);
  const method = (req.method ?? 'GET').toUpperCase();
  const { request, discardRest } = nodeRequest(req, method, controller.signal);
  try {
    const response = await handler(request);
    // A body left unread (413) is not worth reading just to keep the connection: close it instead.
    if (discardRest() || response.status === 413) res.setHeader('connection', 'close');
    await writeResponse(response, req, res, controller.signal, writing);
  } catch {
    failNodeResponse(res);
  } finally {
    res.off('close', onClose);
  }
}

async function writeResponse(
  response: Response,
  req: IncomingMessage,
  res: ServerResponse,
  signal: AbortSignal,
  writing: { reader?: ReadableStreamDefaultReader<Uint8Array> },
): Promise<void> {
  if (signal.aborted) {
    // The client is gone: nobody will read this response.
    await response.body?.cancel().catch(() => {});
    return;
  }
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  const head = headList(response);
  if (req.method !== 'HEAD' && writeWhole(response, head, res)) return;
  for (let i = 0; i < head.length; i += 2) res.setHeader(head[i] as string, head[i + 1]!);
  if (!response.body || req.method === 'HEAD') {
    await response.body?.cancel();
    res.end();
    return;
  }
  // A body of declared length goes out with its headers in the first write — all of it, when it
  // is one chunk (every JSON reply of the relay's web door); any other body's headers go out at
  // once (an event stream's client learns the status before the first event).
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const known = Number.isSafeInteger(declared) && declared > 0;
  if (!known) res.flushHeaders();
  const reader = response.body.getReader();
  writing.reader = reader; // cancelled if the client disconnects (serve's onClose)
  for (let first = known; ; first = false) {
    const { done, value } = await reader.read();
    if (done || signal.aborted) break;
    if (first && value.byteLength === declared) {
      res.end(value);
      // The declared length is written: anything a handler sends past it is not read.
      reader.cancel().catch(() => {});
      return;
    }
    if (!res.write(value)) await drained(res, signal);
  }
  if (signal.aborted) {
    await reader.cancel(signal.reason).catch(() => {});
    return;
  }
  res.end();
}

/**
 * The response's headers as one flat `[name, value, …]` list, the cookies as one entry of their own:
 * node:http takes it whole in `writeHead` (merged with headers a middleware set before, one entry per
 * name there) or name by name in `setHeader`.
 */
function headList(response: Response): Array<string | string[]> {
  const head: Array<string | string[]> = [];
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') head.push(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) head.push('set-cookie', cookies);
  return head;
}

/**
 * A body made from one string or byte array goes out with the head in one write, with its length
 * when the handler declared none; false (nothing written) for any other body, or when a declared
 * length is not the body's.
 */
function writeWhole(response: Response, head: Array<string | string[]>, res: ServerResponse): boolean {
  const source = responseSource(response);
  if (source === undefined) return false;
  const length = typeof source === 'string' ? Buffer.byteLength(source) : source.byteLength;
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) !== length) return false;
  if (declared === null) head.push('content-length', String(length));
  res.writeHead(response.status, head);
  res.end(source);
  return true;
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
