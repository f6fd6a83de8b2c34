import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Socket } from 'node:net';
import { type FaultWeights, HUGE_TOOL_INDEX, type KeyEcho, type ReplyPlan, planReply } from './faults.js';

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
  /** Fault weights replacing the defaults (see `SoakOptions.wireFaults`). */
  wireWeights?: FaultWeights;
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

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const body = JSON.parse(raw) as { stream?: boolean; soak_req?: number; model?: string };
    const auth = req.headers.authorization ?? '';
    const secret = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    const keyId = options.keys.get(secret) ?? '?';
    const idx = Number(body.soak_req);
    const stream = body.stream === true;
    const plan = planReply(options.seed, idx, options.providerId, keyId, stream, true, options.wireWeights);
    hits.push({ idx, keyId, stream, plan });
    totalHits++;
    const echo = `Incorrect API key provided: ${secret}`;
    const fail = (status: number, message: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify({ error: { message, type: 'server_error', code: String(status) } }));
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
        res.writeHead(401, { 'content-type': 'application/json', 'x-echo-key': secret });
        res.end(
          JSON.stringify({
            error: { message: echo, type: 'invalid_request_error', code: 'invalid_api_key' },
          }),
        );
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
        res.end(JSON.stringify({ error: { message: `upstream failed for ${echo}`, type: 'server_error' } }));
        return;
    }
    if (stream) later(() => streamReply(res, plan, body.model ?? 'm', secret));
    else later(() => completeReply(res, plan, body.model ?? 'm'));
  }

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
      res.write('{"id":"endless","choices":[{"index":0,"message":{"role":"assistant","content":"');
      writeForever(res, () => 'y'.repeat(1024));
      return;
    }
    if (plan.fault === 'oversized_body') {
      res.writeHead(200, { 'content-type': 'application/json' });
      // No content-length (chunked): the adapter must stop reading at its cap.
      const filler = 'x'.repeat(options.maxBodyBytes + 1024);
      res.end(
        JSON.stringify({
          id: 'big',
          choices: [{ index: 0, message: { role: 'assistant', content: filler } }],
        }),
      );
      return;
    }
    const json: Record<string, unknown> = {
      id: 'chatcmpl-soak',
      object: 'chat.completion',
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: plan.text }, finish_reason: 'stop' }],
    };
    if (plan.usage) json.usage = usageJson(plan);
    else if (plan.fault === 'ok_bad_usage')
      json.usage = { prompt_tokens: -3, completion_tokens: 'many', total_tokens: 'HUGE' };
    res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-remaining-requests': '100' });
    // 1e400 parses to Infinity on the other side: a number JSON.stringify cannot write.
    res.end(JSON.stringify(json).replace('"HUGE"', '1e400'));
  }

  function streamReply(res: ServerResponse, plan: ReplyPlan, model: string, secret: string): void {
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const event = (data: unknown) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
    const delta = (content: string) =>
      event({ id: 'chatcmpl-soak', model, choices: [{ index: 0, delta: { content }, finish_reason: null }] });
    const lines: string[] = [];
    const cut = plan.failAfter;
    const head = plan.chunks.slice(0, cut).map(delta);
    switch (plan.fault) {
      case 'pre_error':
        lines.push(event({ error: { message: `overloaded for ${secret}`, type: 'server_error' } }));
        break;
      case 'mid_error':
        lines.push(
          ...head,
          event({ error: { message: `stream failed for ${secret}`, type: 'server_error' } }),
        );
        break;
      case 'malformed':
        lines.push(...head, 'data: {"choices":[{"index":0,"delta":{"content":"unterminated\n\n');
        break;
      case 'huge_line':
        lines.push(...head, `data: ${'x'.repeat(options.maxLineBytes + 512)}`);
        break;
      case 'huge_tool_index':
        lines.push(
          ...head,
          event({
            id: 'chatcmpl-soak',
            model,
            choices: [
              {
                index: 0,
                delta: {
                  tool_calls: [
                    {
                      index: HUGE_TOOL_INDEX,
                      id: 'call_huge',
                      type: 'function',
                      function: { name: 'freeze', arguments: '{}' },
                    },
                  ],
                },
                finish_reason: null,
              },
            ],
          }),
        );
        break;
      case 'endless': {
        // Its parts over and over, as fast as the client reads, until the client gives up.
        let i = 0;
        writeForever(res, () => delta(plan.chunks[i++ % plan.chunks.length]!));
        return;
      }
      case 'mid_reset':
      case 'mid_stall':
        lines.push(...(plan.fault === 'mid_stall' ? plan.chunks.slice(0, 1).map(delta) : head));
        break;
      default: {
        lines.push(...plan.chunks.map(delta));
        lines.push(
          event({ id: 'chatcmpl-soak', model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
        );
        if (plan.usage)
          lines.push(event({ id: 'chatcmpl-soak', model, choices: [], usage: usageJson(plan) }));
        else if (plan.fault === 'ok_bad_usage') {
          lines.push(
            event({ choices: [], usage: { prompt_tokens: 'NaN', completion_tokens: -7, total_tokens: -1 } }),
          );
        }
        lines.push(event('[DONE]'));
      }
    }
    const ends = !['mid_reset', 'mid_stall', 'huge_line', 'huge_tool_index'].includes(plan.fault);
    // Half the replies go out in one write, half a few events per event-loop turn.
    if (plan.delayMs === 0) {
      res.write(lines.join(''));
      finishStream(res, plan, ends);
      return;
    }
    let i = 0;
    const pump = () => {
      if (res.destroyed) return;
      res.write(lines.slice(i, i + 3).join(''));
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
  function writeForever(res: ServerResponse, next: () => string): void {
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

  function usageJson(plan: ReplyPlan) {
    const u = plan.usage!;
    return {
      prompt_tokens: u.prompt,
      completion_tokens: u.completion,
      total_tokens: u.prompt + u.completion,
    };
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
