import type { IncomingMessage } from 'node:http';
import { type BodyState, EMPTY, bodyStream, discardRest, readAll, utf8 } from './node-request-body.js';

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
const ignore = (): void => {};

interface State extends BodyState {
  readonly method: string;
  readonly url: string;
  /** The request's signal (made on first use where it is costly: the relay's node door). */
  readonly signalOf: () => AbortSignal;
  /**
   * The headers the handler sees. Made from node's before the real `Request` exists, they are its
   * headers' source; once it exists and none were handed out, they are the real one's own.
   */
  headers?: Headers;
  headersGiven: boolean;
  /** The real `Request`, once something asked for more than the fast paths answer. */
  request?: Request;
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
    return this[STATE].signalOf();
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

Object.setPrototypeOf(NodeRequest.prototype, Request.prototype);

/**
 * undici's own slots (its state, headers, signal, …), answered from the real request: what lets
 * `fetch`, `new Request` and every inherited member (`clone`, `cache`, `formData`, …) work unchanged.
 * Installed at the first request, not at import (the module also loads where no node:http serves).
 */
function installSlots(): void {
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
}

/** Whether this runtime's `Request` takes a `NodeRequest` as one of its own (checked once). */
let lazy: boolean | undefined;
function lazyWorks(): boolean {
  if (lazy !== undefined) return lazy;
  try {
    installSlots();
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
    signalOf: () => request.signal,
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
  const state = stateOf(req, method, () => signal, hasBody);
  return { request: lazyRequest(state), discardRest: () => discardRest(state) };
}

/**
 * A `Request` with the method, URL and headers of a node:http request and no body (the relay's node
 * door hands it to `authenticate` and `transformRequest`: the relay reads the body itself).
 */
export function bodilessRequest(req: IncomingMessage, signal: () => AbortSignal): Request {
  return lazyRequest(stateOf(req, req.method ?? 'GET', signal, false));
}

function stateOf(req: IncomingMessage, method: string, signalOf: () => AbortSignal, hasBody: boolean): State {
  return {
    req,
    method,
    url: requestUrl(req),
    signalOf,
    hasBody,
    parsed: hasBody ? parsedBody(req) : undefined,
    headersGiven: false,
    used: false,
    started: false,
    ended: false,
    cancelled: false,
  };
}

function lazyRequest(state: State): Request {
  return lazyWorks() ? (new NodeRequest(state) as unknown as Request) : materialize(state);
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
  const proto = (req.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http';
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
  const init: RequestInit & { duplex?: 'half' } = {
    method: s.method,
    headers: s.headers,
    signal: s.signalOf(),
  };
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
