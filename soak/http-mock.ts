import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Socket } from 'node:net';
import { type FaultWeights, type KeyEcho, type ReplyPlan, planReply } from './faults.js';
import { type Frame, WIRE, type WireFormat, type WireFormatName } from './wire-formats.js';

/** What the server saw and sent for one request. */
export interface Hit {
  idx: number;
  keyId: string;
  stream: boolean;
  plan: ReplyPlan;
}

export interface LoopbackOptions {
  seed: number;
  providerId: string;
  /** secret → key id, to attribute each request to its key (from the Authorization header). */
  keys: ReadonlyMap<string, string>;
  /** The adapter's caps, so that huge lines and oversized bodies go just past them. */
  maxLineBytes: number;
  maxBodyBytes: number;
  maxEventBytes: number;
  /** Fault weights replacing the defaults (see `SoakOptions.wireFaults`). */
  wireWeights?: FaultWeights;
  /** The wire format it speaks. @default 'openai' */
  format?: WireFormatName;
}

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>/v1` */
  readonly baseURL: string;
  /** Hits since the last `takeHits()`. */
  takeHits(): Hit[];
  readonly totalHits: number;
  /** Requests whose response has neither finished nor lost its socket. */
  openRequests(): number;
  connections(): Promise<number>;
  /** Close keep-alive sockets that carry no request (what a client pool may legitimately keep). */
  closeIdleConnections(): void;
  /** One line per open socket, to name what is left when a check fails. */
  describeConnections(): string[];
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible chat-completions server on 127.0.0.1:0 that answers each request with the
 * fault its plan draws: JSON or SSE replies (with, without or with garbage usage), 4xx/5xx with and
 * without Retry-After, error bodies that echo the caller's key (as real providers do), connection
 * resets before and during a stream, hangs, malformed chunks, lines past the adapter's cap, non-JSON
 * and oversized bodies; and #11's hostile upstreams: a tool-call index of 2³²−2, streams and JSON
 * bodies that never end, parts of a few KiB, the key echoed mangled (truncated, upper-cased,
 * `\u`-escaped, %-encoded, in a header). Keep-alive stays on, as in production.
 */
export async function startLoopbackServer(options: LoopbackOptions): Promise<LoopbackServer> {
  let hits: Hit[] = [];
  let totalHits = 0;
  let open = 0;
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    open++;
    let counted = true;
    res.on('close', () => {
      if (counted) open--;
      counted = false;
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => {});
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        if (!res.headersSent) {
          res.writeHead(599, { 'content-type': 'text/plain' });
          res.end(`soak server bug: ${String(error)}`);
        }
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  const fmt: WireFormat = WIRE[options.format ?? 'openai'];

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const body = JSON.parse(raw) as Record<string, unknown>;
    const secret = fmt.keyOf(req);
    const keyId = options.keys.get(secret) ?? '?';
    const idx = Number(body.soak_req);
    const stream = fmt.isStream(req, body);
    const model = fmt.modelOf(req, body);
    const plan = planReply(options.seed, idx, options.providerId, keyId, stream, true, options.wireWeights);
    hits.push({ idx, keyId, stream, plan });
    totalHits++;
    const echo = `Incorrect API key provided: ${secret}`;
    const fail = (status: number, message: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(fmt.error(status, message));
    };
    const later = (fn: () => void): void => {
      if (plan.delayMs > 0) setImmediate(fn);
      else fn();
    };
    switch (plan.fault) {
      case 'e500':
        fail(500, `internal error while serving ${echo}`);
        return;
      case 'e429_retry_after':
        fail(429, 'Rate limit reached', { 'retry-after-ms': String(plan.retryAfterMs) });
        return;
      case 'e429':
        fail(429, 'Rate limit reached');
        return;
      case 'e429_garbage_retry_after':
        fail(429, 'Rate limit reached', {
          'retry-after': 'soon, maybe',
          'x-ratelimit-reset-requests': '-5q',
        });
        return;
      case 'e529':
        fail(529, 'Overloaded');
        return;
      case 'e401':
        fail(401, echo, { 'x-echo-key': secret });
        return;
      case 'e400':
        fail(400, 'Invalid value for messages');
        return;
      case 'hang':
        return; // never answers; the client's timeout closes the socket
      case 'reset':
        req.socket.destroy();
        return;
      case 'echo_mangled_key': {
        // A 500 (failover) whose body or headers carry the key in a shape an exact match misses.
        const { body, headers } = mangledEcho(plan.echo, secret);
        res.writeHead(500, { 'content-type': 'application/json', ...headers });
        res.end(body);
        return;
      }
      case 'error_body_200':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(fmt.error(500, `upstream failed for ${echo}`));
        return;
    }
    if (stream) later(() => streamReply(res, plan, model, secret));
    else later(() => completeReply(res, plan, model));
  }

  const usageKind = (plan: ReplyPlan) => (plan.usage ? 'ok' : plan.fault === 'ok_bad_usage' ? 'bad' : 'none');

  function completeReply(res: ServerResponse, plan: ReplyPlan, model: string): void {
    if (res.destroyed) return;
    if (plan.fault === 'non_json') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>502 Bad Gateway</body></html>');
      return;
    }
    if (plan.fault === 'endless_body') {
      // A JSON body that never ends: the adapter must stop at maxBodyBytes and close the socket.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(fmt.bodyPrefix);
      writeForever(res, () => 'y'.repeat(1024));
      return;
    }
    if (plan.fault === 'oversized_body') {
      res.writeHead(200, { 'content-type': 'application/json' });
      // No content-length (chunked): the adapter must stop reading at its cap.
      res.end(fmt.bodyPrefix + 'x'.repeat(options.maxBodyBytes + 1024) + fmt.bodySuffix);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-remaining-requests': '100' });
    res.end(fmt.complete(plan, model, usageKind(plan)));
  }

  function streamReply(res: ServerResponse, plan: ReplyPlan, model: string, secret: string): void {
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': fmt.streamType, 'cache-control': 'no-cache' });
    const kind = usageKind(plan);
    const delta = (text: string) => fmt.delta(text, model);
    const lines: Frame[] = [];
    const start = fmt.head(plan, model, kind);
    const head = [...start, ...plan.chunks.slice(0, plan.failAfter).map(delta)];
    switch (plan.fault) {
      case 'pre_error':
        lines.push(fmt.errorEvent(`overloaded for ${secret}`));
        break;
      case 'mid_error':
        lines.push(...head, fmt.errorEvent(`stream failed for ${secret}`));
        break;
      case 'malformed':
        lines.push(...head, fmt.malformed());
        break;
      case 'huge_line':
        lines.push(...head, fmt.hugeFrame(options));
        break;
      case 'huge_tool_index':
        lines.push(...head, fmt.hugeToolIndex(model));
        break;
      case 'endless': {
        // Its parts over and over, as fast as the client reads, until the client gives up.
        for (const f of start) res.write(f);
        let i = 0;
        writeForever(res, () => delta(plan.chunks[i++ % plan.chunks.length]!));
        return;
      }
      case 'mid_reset':
      case 'mid_stall':
        lines.push(...(plan.fault === 'mid_stall' ? [...start, delta(plan.chunks[0]!)] : head));
        break;
      default:
        lines.push(...start, ...plan.chunks.map(delta), ...fmt.end(plan, model, kind));
    }
    const ends = !['mid_reset', 'mid_stall', 'huge_line', 'huge_tool_index'].includes(plan.fault);
    // Half the replies go out in one write, half a few events per event-loop turn.
    if (plan.delayMs === 0) {
      res.write(join(lines));
      finishStream(res, plan, ends);
      return;
    }
    let i = 0;
    const pump = () => {
      if (res.destroyed) return;
      res.write(join(lines.slice(i, i + 3)));
      i += 3;
      if (i < lines.length) setImmediate(pump);
      else finishStream(res, plan, ends);
    };
    pump();
  }

  function finishStream(res: ServerResponse, plan: ReplyPlan, ends: boolean): void {
    if (plan.fault === 'mid_reset') res.socket?.destroy();
    else if (ends) res.end();
    // mid_stall, huge_line and huge_tool_index keep the response open: the client must cancel it.
  }

  /** Write `next()` for ever, with the socket's backpressure, until the client closes. */
  function writeForever(res: ServerResponse, next: () => Frame): void {
    const pump = () => {
      // Sixteen writes per turn at most, then the event loop breathes.
      for (let n = 0; n < 16 && !res.destroyed; n++) {
        if (!res.write(next())) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) setImmediate(pump);
    };
    pump();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('soak server: no TCP address');

  return {
    baseURL: `http://127.0.0.1:${address.port}/v1`,
    takeHits() {
      const out = hits;
      hits = [];
      return out;
    },
    get totalHits() {
      return totalHits;
    },
    openRequests: () => open,
    connections: () =>
      new Promise<number>((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n)))),
    closeIdleConnections: () => server.closeIdleConnections(),
    describeConnections: () =>
      [...sockets].map((s) => {
        const m = (s as Socket & { _httpMessage?: ServerResponse })._httpMessage;
        return `read ${s.bytesRead} B, written ${s.bytesWritten} B, response ${m ? (m.writableEnded ? 'ended' : 'open') : 'none'}`;
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The caller's key sent back in a shape an exact match misses (#11 defect 9): minus its last
 * character, upper-cased, JSON-`\u`-escaped (written raw, as JSON.stringify never would), %-encoded,
 * in a response header, or its middle part only.
 */
export function mangledEcho(
  echo: KeyEcho,
  secret: string,
): { body: string; headers: Record<string, string> } {
  const hex = (c: string) => c.charCodeAt(0).toString(16).padStart(4, '0');
  const wrap = (message: string) => `{"error":{"message":"${message}","type":"server_error","code":"500"}}`;
  switch (echo) {
    case 'truncated':
      return { body: wrap(`key ${secret.slice(0, -1)} is not allowed`), headers: {} };
    case 'upper':
      return { body: wrap(`KEY ${secret.toUpperCase()} REJECTED`), headers: {} };
    case 'u_escaped':
      return { body: wrap(`bad key ${[...secret].map((c) => `\\u${hex(c)}`).join('')}`), headers: {} };
    case 'percent':
      return {
        body: wrap(
          `see https://example.test/keys?k=${[...secret].map((c) => `%${hex(c).slice(2)}`).join('')}`,
        ),
        headers: {},
      };
    case 'header':
      return {
        body: wrap('upstream failed'),
        headers: { 'x-upstream-debug': `key=${secret.toLowerCase()}` },
      };
    case 'middle':
      return { body: wrap(`key …${secret.slice(2, -2)}… revoked`), headers: {} };
  }
}

/** Frames as one write: text for SSE, bytes for the binary event stream. */
function join(frames: Frame[]): string | Buffer {
  if (frames.every((f) => typeof f === 'string')) return frames.join('');
  return Buffer.concat(frames.map((f) => (typeof f === 'string' ? Buffer.from(f) : f)));
}
