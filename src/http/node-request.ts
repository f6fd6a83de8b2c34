import type { IncomingMessage } from 'node:http';

/**
 * The web `Request` that `toNodeListener` hands a handler, built only as far as the handler looks.
 *
 * On Node 20 a real `Request` costs tens of µs before a handler runs: undici's constructor, a body
 * stream, the signal it follows. Most handlers read the method, the URL, a header or two and
 * `await request.json()`. So the handler gets a `NodeRequest`: `instanceof Request`, with `method`,
 * `url`, `signal` and `headers` answered at once, and `json()`, `text()`, `arrayBuffer()` read
 * straight from node:http. Anything else (`body`, `clone()`, `formData()`, `fetch(request)`,
 * `new Request(request)`) makes the real `Request` (the same one the listener made before) and
 * answers from it. undici reads a `Request`'s state through symbol-keyed slots; the `NodeRequest`
 * answers those slots from the real request, so undici takes it as one of its own. A runtime whose
 * `Request` keeps its state any other way is detected once (`lazyWorks`), and then gets the real
 * `Request` at once.
 */

/** What `toNodeListener` keeps of a request: the request, and the rest of its body after the answer. */
export interface NodeRequestParts {
  request: Request;
  /**
   * Discard what is left of a body the handler began to read and left unread (the connection must
   * then close after the response): true when there was such a rest.
   */
  discardRest(): boolean;
}

const STATE = Symbol('model-router.nodeRequest');
const EMPTY = new Uint8Array(0);
const ignore = (): void => {};

interface State {
  readonly req: IncomingMessage;
  readonly method: string;
  readonly url: string;
  readonly signal: AbortSignal;
  /** False for GET and HEAD: no body (and no stream for it: each costs ~20 µs on Node 20). */
  readonly hasBody: boolean;
  /** A body a middleware (Express) already read from the stream, as the handler should see it. */
  readonly parsed: string | Uint8Array<ArrayBuffer> | undefined;
  /**
   * The headers the handler sees. Made from node's before the real `Request` exists, they are its
   * headers' source; once it exists and none were handed out, they are the real one's own.
   */
  headers?: Headers;
  headersGiven: boolean;
  /** The real `Request`, once something asked for more than the fast paths answer. */
  request?: Request;
  /** Read by a fast path (`json`, `text`, `arrayBuffer`). */
  used: boolean;
  /** Reading node's stream began; it ended; its rest is being discarded. */
  started: boolean;
  ended: boolean;
  cancelled: boolean;
}

class NodeRequest {
  declare readonly [STATE]: State;

  constructor(state: State) {
    Object.defineProperty(this, STATE, { value: state });
  }

  get method(): string {
    return this[STATE].method;
  }

  get url(): string {
    return this[STATE].url;
  }

  get signal(): AbortSignal {
    return this[STATE].signal;
  }

  get headers(): Headers {
    const s = this[STATE];
    s.headersGiven = true;
    s.headers ??= headersOf(s);
    return s.headers;
  }

  get body(): ReadableStream<Uint8Array> | null {
    return materialize(this[STATE]).body;
  }

  get bodyUsed(): boolean {
    const s = this[STATE];
    return s.request ? s.request.bodyUsed : s.used;
  }

  text(): Promise<string> {
    const s = this[STATE];
    if (s.request) return s.request.text();
    return readAll(s).then(utf8);
  }

  json(): Promise<unknown> {
    const s = this[STATE];
    if (s.request) return s.request.json();
    return readAll(s).then((bytes) => JSON.parse(utf8(bytes)) as unknown);
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    const s = this[STATE];
    if (s.request) return s.request.arrayBuffer();
    return readAll(s).then((bytes) => {
      const copy = new ArrayBuffer(bytes.byteLength);
      new Uint8Array(copy).set(bytes);
      return copy;
    });
  }
}

// undici's own slots (its state, headers, signal, …), answered from the real request: what lets
// `fetch`, `new Request` and every inherited member (`clone`, `cache`, `formData`, …) work unchanged.
const probe = new Request('http://localhost/', {
  method: 'POST',
  body: '',
  signal: new AbortController().signal,
});
for (const slot of Object.getOwnPropertySymbols(probe)) {
  Object.defineProperty(NodeRequest.prototype, slot, {
    get(this: NodeRequest) {
      return (materialize(this[STATE]) as unknown as Record<symbol, unknown>)[slot];
    },
    set(this: NodeRequest, value: unknown) {
      (materialize(this[STATE]) as unknown as Record<symbol, unknown>)[slot] = value;
    },
  });
}
Object.setPrototypeOf(NodeRequest.prototype, Request.prototype);

/** Whether this runtime's `Request` takes a `NodeRequest` as one of its own (checked once). */
let lazy: boolean | undefined;
function lazyWorks(): boolean {
  if (lazy !== undefined) return lazy;
  try {
    const real = new Request('http://probe.invalid/p?q', {
      method: 'PUT',
      headers: { 'x-probe': '1' },
      body: 'probe',
    });
    const state = probeState(real);
    const request = new NodeRequest(state) as unknown as Request;
    const copy = new Request(request);
    lazy =
      request instanceof Request &&
      copy.method === 'PUT' &&
      copy.url === real.url &&
      copy.headers.get('x-probe') === '1' &&
      copy.body !== null &&
      request.cache === real.cache;
  } catch {
    lazy = false;
  }
  return lazy;
}

function probeState(request: Request): State {
  return {
    req: undefined as never,
    method: request.method,
    url: request.url,
    signal: request.signal,
    hasBody: true,
    parsed: undefined,
    request,
    headersGiven: false,
    used: false,
    started: false,
    ended: false,
    cancelled: false,
  };
}

/** The `Request` for a node:http request, and how to discard its body's rest after the answer. */
export function nodeRequest(req: IncomingMessage, method: string, signal: AbortSignal): NodeRequestParts {
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const state: State = {
    req,
    method,
    url: requestUrl(req),
    signal,
    hasBody,
    parsed: hasBody ? parsedBody(req) : undefined,
    headersGiven: false,
    used: false,
    started: false,
    ended: false,
    cancelled: false,
  };
  const request = lazyWorks() ? (new NodeRequest(state) as unknown as Request) : materialize(state);
  return { request, discardRest: () => discardRest(state) };
}

/** Express (or another middleware) consumed the stream already: the body rebuilt from its result. */
function parsedBody(req: IncomingMessage): string | Uint8Array<ArrayBuffer> | undefined {
  const parsed = (req as { body?: unknown }).body;
  if (parsed === undefined || !req.readableEnded) return undefined;
  if (typeof parsed === 'string') return parsed;
  if (parsed instanceof Uint8Array) return new Uint8Array(parsed);
  return JSON.stringify(parsed);
}

function requestUrl(req: IncomingMessage): string {
  const proto = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  try {
    return new URL(req.url ?? '/', `${proto}://${req.headers.host ?? 'localhost'}`).href;
  } catch {
    return new URL(req.url ?? '/', `${proto}://localhost`).href;
  }
}

function headersOf(s: State): Headers {
  const headers = new Headers();
  const raw = s.req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.startsWith(':')) continue; // HTTP/2 pseudo-headers
    headers.append(name, raw[i + 1]!);
  }
  // A rebuilt body has a length of its own.
  if (s.parsed !== undefined) headers.delete('content-length');
  return headers;
}

/** The real `Request` (made once): what every member beyond the fast paths answers from. */
function materialize(s: State): Request {
  if (s.request) return s.request;
  s.headers ??= headersOf(s);
  const init: RequestInit & { duplex?: 'half' } = { method: s.method, headers: s.headers, signal: s.signal };
  if (s.hasBody) {
    init.body = s.used ? EMPTY : (s.parsed ?? bodyStream(s));
    init.duplex = 'half';
  }
  const request = new Request(s.url, init);
  // Headers handed out before stay the handler's (a change after this is not the real one's).
  if (!s.headersGiven) s.headers = request.headers;
  // Read already by a fast path: so is the real one (bodyUsed, and a second read rejects).
  if (s.used) request.body?.getReader().read().catch(ignore);
  s.request = request;
  return request;
}

/** The body read whole, straight from node:http (no web stream): the fast paths' source. */
function readAll(s: State): Promise<Uint8Array> {
  if (!s.hasBody) return Promise.resolve(EMPTY);
  if (s.used) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
  s.used = true;
  if (s.parsed !== undefined) {
    return Promise.resolve(typeof s.parsed === 'string' ? Buffer.from(s.parsed) : s.parsed);
  }
  const { req } = s;
  // Read to its end by someone before the handler (a middleware that kept nothing): nothing left.
  if (req.readableEnded) return Promise.resolve(EMPTY);
  if (req.destroyed) return Promise.reject(closedEarly());
  s.started = true;
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => {
      if (!s.cancelled) chunks.push(chunk);
    };
    // A read the handler left behind (it answered first: `discardRest`) never settles, as a
    // cancelled stream's never does: nobody awaits it, and a rejection would go unhandled.
    const onEnd = (): void => {
      s.ended = true;
      off();
      if (!s.cancelled) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      off();
      if (!s.cancelled) reject(error);
    };
    const onClose = (): void => {
      off();
      if (!s.cancelled) reject(closedEarly());
    };
    const off = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * The request body as a web stream that reads only when the handler does (high-water mark 0: nothing
 * is read for a handler that never looks at the body, and Node discards it as usual). Cancelling it (a
 * body over the size cap) discards the rest without destroying the socket, so the 413 still reaches
 * the client.
 */
function bodyStream(s: State): ReadableStream<Uint8Array> {
  const { req } = s;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (!s.started) {
          // Read to its end before the handler (a middleware that kept nothing): nothing left.
          if (req.readableEnded) return controller.close();
          if (req.destroyed) return controller.error(closedEarly());
          s.started = true;
          req.on('data', (chunk: Buffer) => {
            if (s.cancelled) return;
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            if ((controller.desiredSize ?? 0) <= 0) req.pause();
          });
          req.once('end', () => {
            s.ended = true;
            if (!s.cancelled) controller.close();
          });
          req.once('error', (error) => {
            if (!s.cancelled) controller.error(error);
          });
          req.once('close', () => {
            if (!s.ended && !s.cancelled) controller.error(closedEarly());
          });
        }
        req.resume();
      },
      cancel() {
        s.cancelled = true;
        req.resume(); // discard the rest
      },
    },
    { highWaterMark: 0, size: (chunk) => chunk.byteLength },
  );
}

/** What reading a body the client cut off rejects with (undici's word for it: `terminated`). */
const closedEarly = (): TypeError => new TypeError('terminated: the request closed before its body ended');

function discardRest(s: State): boolean {
  if (!s.started || s.ended) return false;
  s.cancelled = true;
  s.req.resume();
  return true;
}

/** A body's text as a `Request` decodes it: UTF-8, a byte-order mark dropped, bad bytes replaced. */
function utf8(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
