import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { urlToHttpOptions } from 'node:url';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { CallSignal } from './call-signal.js';
import type { HttpBody, HttpBodyReader, HttpPost, HttpHeaders, HttpResponse } from './transport.js';

/** Chunks buffered ahead of the reader before the socket is paused (backpressure). */
const HIGH_WATER = 16;

/** The POST `nodeFetch` sends: an `HttpPost` whose signal may be the router's own (`CallSignal`). */
export interface NodePost extends Omit<HttpPost, 'signal'> {
  signal: CallSignal;
}

/**
 * The adapters' default HTTP client: one POST on node:http(s) over the global keep-alive agent, with
 * no web `Request`/`Response`/`ReadableStream` in between — several times cheaper per call than
 * `fetch`. It keeps what the adapters rely on from `fetch`: the signal aborts the request and the
 * body at any point (the read rejects with its reason), a connection failure rejects with a
 * `TypeError` whose `cause` carries the code, a compressed body is decoded, `text()` strips a BOM.
 */
export const nodeFetch = (url: string, init: NodePost): Promise<HttpResponse> =>
  new Promise<HttpResponse>((resolve, reject) => {
    const { signal } = init;
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const target = targetOf(url);
    if (target instanceof TypeError) {
      reject(target);
      return;
    }
    const length = Buffer.byteLength(init.body);
    const headers = headList(target, init.headers, length) ?? headerObject(init.headers, length);
    let response: NodeResponse | undefined;
    let settled = false;
    const onAbort = (): void => {
      req.destroy();
      response?.fail(signal.reason);
      if (!settled) {
        settled = true;
        reject(signal.reason);
      }
    };
    // Options, not a URL: node:http would parse the URL again and copy its fields on every call.
    const req = target.send({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: target.path,
      auth: target.auth,
      method: init.method,
      headers,
    });
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (cause) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      reject(new TypeError('fetch failed', { cause }));
    });
    req.on('response', (res) => {
      if (settled) {
        res.destroy();
        return;
      }
      settled = true;
      response = new NodeResponse(res, () => signal.removeEventListener('abort', onAbort));
      resolve(response);
    });
    // A string body goes out in one write with the head (a Buffer is a write of its own).
    req.end(init.body);
  });

/** Where a URL points, as node:http(s) takes it. */
interface Target {
  readonly send: typeof httpRequest;
  /** The `Host` header node:http sets for it (IPv6 in brackets, the port unless the default). */
  readonly host: string;
  /** The `Authorization` header of its userinfo, as node:http sets it; `undefined` without one. */
  readonly basic: string | undefined;
  readonly protocol: string;
  readonly hostname: string;
  readonly port: number | undefined;
  readonly path: string;
  readonly auth: string | undefined;
}

/** Parsed URLs: an adapter posts to one or two URLs per provider, so a few entries serve every call. */
const targets = new Map<string, Target>();
const MAX_TARGETS = 256;

/** The URL's target (parsed once per URL string), or the `TypeError` fetch rejects it with. */
function targetOf(url: string): Target | TypeError {
  const known = targets.get(url);
  if (known) return known;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    return new TypeError('fetch failed: invalid URL', { cause });
  }
  const send =
    parsed.protocol === 'http:' ? httpRequest : parsed.protocol === 'https:' ? httpsRequest : undefined;
  if (!send) return new TypeError(`fetch failed: unsupported protocol ${parsed.protocol}`);
  // What node:http makes of a URL (IPv6 brackets dropped, userinfo decoded into `auth`).
  const options = urlToHttpOptions(parsed);
  const hostname = options.hostname ?? '';
  const port = typeof options.port === 'number' ? options.port : undefined;
  const defaultPort = send === httpRequest ? 80 : 443;
  const bracketed = hostname.indexOf(':') !== hostname.lastIndexOf(':') && !hostname.startsWith('[');
  const target: Target = {
    send,
    host: `${bracketed ? `[${hostname}]` : hostname}${port && port !== defaultPort ? `:${port}` : ''}`,
    basic: options.auth ? `Basic ${Buffer.from(options.auth).toString('base64')}` : undefined,
    protocol: parsed.protocol,
    hostname,
    port,
    path: options.path ?? '/',
    auth: options.auth ?? undefined,
  };
  // Bounded: a caller that builds a URL per request (a query string, a user id) cannot grow it.
  if (targets.size >= MAX_TARGETS) targets.clear();
  targets.set(url, target);
  return target;
}

/** The request's headers as an object, for node:http to set one by one. */
function headerObject(given: Record<string, string>, length: number): Record<string, string | number> {
  const headers: Record<string, string | number> = { 'user-agent': 'node', ...given };
  headers['content-length'] = length;
  return headers;
}

/**
 * The same headers as node:http's flat `[name, value, …]` list, in the order and with the values it
 * would send for `headerObject` — `Host` and a userinfo's `Authorization` after the caller's — which
 * node:http writes into the head at once, instead of a `setHeader` (validation, lower-casing, a map
 * entry) per header and a walk of that map. `undefined` when a name is not lower case (node:http
 * would merge it with its lower-case twin) or is `host` or `expect` (which node:http treats apart):
 * those go the object's way.
 */
function headList(target: Target, given: Record<string, string>, length: number): string[] | undefined {
  const list = ['user-agent', 'node'];
  let sized = false;
  let authorized = false;
  for (const name of Object.keys(given)) {
    if (name === 'user-agent') list[1] = given[name]!;
    else if (name === 'content-length') {
      list.push(name, String(length));
      sized = true;
    } else if (name === 'host' || name === 'expect' || name !== name.toLowerCase()) return undefined;
    else {
      if (name === 'authorization') authorized = true;
      list.push(name, given[name]!);
    }
  }
  if (!sized) list.push('content-length', String(length));
  list.push('Host', target.host);
  if (target.basic !== undefined && !authorized) list.push('Authorization', target.basic);
  return list;
}

/**
 * A response's headers, read from `rawHeaders` as they are asked for: a response's few lookups
 * (its length, its encoding, the rate-limit headers) cost less than node:http's `headers` object,
 * which lower-cases and classifies every header on first use. A header sent more than once, and
 * `forEach`, go through that object (node:http's rules: some repeats dropped, others joined).
 */
class NodeHeaders implements HttpHeaders {
  constructor(private readonly res: IncomingMessage) {}

  get(name: string): string | null {
    const key = name.toLowerCase();
    const raw = this.res.rawHeaders;
    let value: string | null = null;
    for (let i = 0; i < raw.length; i += 2) {
      const field = raw[i]!;
      if (field.length !== key.length || (field !== key && field.toLowerCase() !== key)) continue;
      if (value !== null) return this.joined(key);
      value = raw[i + 1]!;
    }
    return value;
  }

  forEach(callback: (value: string, name: string) => void): void {
    // In name order, as a fetch `Headers` iterates.
    for (const name of Object.keys(this.res.headers).sort()) {
      const value = this.joined(name);
      if (value !== null) callback(value, name);
    }
  }

  /** A header as node:http's `headers` object has it. */
  private joined(key: string): string | null {
    const value = this.res.headers[key];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
}

/**
 * The response and its body in one: a queue of the socket's chunks, read by one reader (or by
 * `text()`). Paused past `HIGH_WATER` chunks; ended, failed or cancelled exactly once.
 */
class NodeResponse implements HttpResponse, HttpBody, HttpBodyReader {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: NodeHeaders;
  readonly body: HttpBody;
  private readonly source: Readable;
  private readonly chunks: Uint8Array[] = [];
  private done = false;
  private error: unknown;
  private failed = false;
  private waiting:
    | { resolve: (r: ReadableStreamReadResult<Uint8Array>) => void; reject: (e: unknown) => void }
    | undefined;
  /** A `text()` in progress: every chunk is queued until the end, which settles it. */
  private whole: { resolve: (text: string) => void; reject: (e: unknown) => void } | undefined;

  constructor(
    private readonly res: IncomingMessage,
    private readonly onSettled: () => void,
  ) {
    this.status = res.statusCode ?? 0;
    this.ok = this.status >= 200 && this.status < 300;
    this.headers = new NodeHeaders(res);
    this.body = this;
    const source = decoded(res, this.headers);
    this.source = source;
    source.on('data', (chunk: Buffer) => this.push(chunk));
    source.on('end', () => this.finish());
    source.on('error', (cause: unknown) => this.fail(new TypeError('terminated', { cause })));
    // A socket closed before the end of the body (the server went away mid-response). The response
    // itself then fails with an error (above); a decoder does not pass its source's errors on.
    if (source !== res) {
      res.on('close', () => {
        if (!res.complete) this.fail(new TypeError('terminated', { cause: new Error('other side closed') }));
      });
    }
  }

  getReader(): HttpBodyReader {
    return this;
  }

  read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    const chunk = this.chunks.shift();
    if (chunk !== undefined) {
      if (this.chunks.length === 0 && !this.done) this.source.resume();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.failed) return Promise.reject(this.error);
    if (this.done) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** Stop reading: the connection is dropped, a pending read resolves as done. */
  cancel(): Promise<void> {
    if (!this.done && !this.failed) {
      this.done = true;
      this.whole?.resolve(this.joined());
      this.whole = undefined;
      this.chunks.length = 0;
      this.res.destroy();
      this.settle();
    }
    this.wake({ done: true, value: undefined });
    return Promise.resolve();
  }

  /** The rest of the body, decoded: the chunks are queued as they come, no promise per chunk. */
  text(): Promise<string> {
    if (this.failed) return Promise.reject(this.error);
    if (this.done) {
      const text = this.joined();
      this.chunks.length = 0;
      return Promise.resolve(text);
    }
    return new Promise((resolve, reject) => {
      this.whole = { resolve, reject };
      this.source.resume();
    });
  }

  /** The body breaks off with `reason` (an abort, a reset connection); a pending read rejects. */
  fail(reason: unknown): void {
    if (this.done || this.failed) return;
    this.failed = true;
    this.error = reason;
    this.chunks.length = 0;
    this.res.destroy();
    this.settle();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(reason);
    const whole = this.whole;
    this.whole = undefined;
    whole?.reject(reason);
  }

  private push(chunk: Buffer): void {
    if (this.done || this.failed) return;
    if (this.waiting) {
      this.wake({ done: false, value: chunk });
      return;
    }
    this.chunks.push(chunk);
    // `text()` takes everything; its bound is the caller's (a declared length within its cap).
    if (this.chunks.length >= HIGH_WATER && !this.whole) this.source.pause();
  }

  private finish(): void {
    if (this.done || this.failed) return;
    this.done = true;
    this.settle();
    const whole = this.whole;
    if (whole) {
      this.whole = undefined;
      const text = this.joined();
      this.chunks.length = 0;
      whole.resolve(text);
      return;
    }
    if (this.chunks.length === 0) this.wake({ done: true, value: undefined });
  }

  /** The queued chunks as one string. */
  private joined(): string {
    const { chunks } = this;
    if (chunks.length === 0) return '';
    if (chunks.length === 1) return utf8.decode(chunks[0]);
    let size = 0;
    for (const chunk of chunks) size += chunk.byteLength;
    return utf8.decode(Buffer.concat(chunks, size));
  }

  private wake(result: ReadableStreamReadResult<Uint8Array>): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve(result);
  }

  private settle(): void {
    this.onSettled();
  }
}

/** UTF-8 with a leading BOM removed, as `Response.text()` decodes. */
const utf8 = new TextDecoder();

/** The body as sent, or through the decoder its `content-encoding` names (as fetch decodes it). */
function decoded(res: IncomingMessage, headers: NodeHeaders): Readable {
  const encoding = headers.get('content-encoding')?.trim().toLowerCase();
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return res.pipe(createGunzip());
    case 'deflate':
      return res.pipe(createInflate());
    case 'br':
      return res.pipe(createBrotliDecompress());
    default:
      return res;
  }
}
