import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted OpenAI-style upstream on node:http (127.0.0.1, random port) that records every request
 * body, for tests that inspect what the router sent and replay documented wire formats back.
 */
export interface UpstreamRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** The client closed the connection before the reply ended (the router cancelled the call). */
  aborted: boolean;
}

/** What one request gets. */
export type UpstreamReply =
  | { status?: number; json: unknown; headers?: Record<string, string> }
  /** Server-sent events: each entry is written as one `data:` frame (or `event:` + `data:` when a pair). */
  | {
      status?: number;
      sse: Array<unknown | [event: string, data: unknown]>;
      headers?: Record<string, string>;
      hangAfter?: boolean;
    }
  /** Headers never come: the request hangs until the client goes away. */
  | { hang: true };

export type UpstreamHandler = (req: UpstreamRequest, index: number) => UpstreamReply;

export interface Upstream {
  url: string;
  readonly requests: UpstreamRequest[];
  /** Resolves when `n` requests have closed (answered or abandoned). */
  closed(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function openaiUpstream(handler: UpstreamHandler): Promise<Upstream> {
  const requests: UpstreamRequest[] = [];
  let closedCount = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const onClosed = () => {
    closedCount++;
    for (const w of [...waiters]) if (closedCount >= w.n) w.resolve();
  };
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const record: UpstreamRequest = {
      path: req.url ?? '',
      headers: req.headers,
      body: text ? JSON.parse(text) : {},
      aborted: false,
    };
    const index = requests.push(record) - 1;
    res.on('close', () => {
      if (!res.writableFinished) record.aborted = true;
      onClosed();
    });
    const reply = handler(record, index);
    if ('hang' in reply) return;
    if ('json' in reply) {
      const body = JSON.stringify(reply.json);
      res.writeHead(reply.status ?? 200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        ...reply.headers,
      });
      res.end(body);
      return;
    }
    res.writeHead(reply.status ?? 200, { 'content-type': 'text/event-stream', ...reply.headers });
    for (const frame of reply.sse) {
      if (Array.isArray(frame) && frame.length === 2 && typeof frame[0] === 'string') {
        res.write(`event: ${frame[0]}\ndata: ${JSON.stringify(frame[1])}\n\n`);
      } else {
        res.write(`data: ${typeof frame === 'string' ? frame : JSON.stringify(frame)}\n\n`);
      }
    }
    if (!reply.hangAfter) res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    closed: (n) =>
      closedCount >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** An OpenAI embeddings reply for `input`: vector i is [i, i + 0.5, -(i + 1)] (as floats or base64). */
export function embeddingsReply(body: Record<string, unknown>, opts: { reverse?: boolean } = {}): unknown {
  const input = typeof body.input === 'string' ? [body.input] : (body.input as string[]);
  const data = input.map((_, i) => {
    const vector = [i, i + 0.5, -(i + 1)];
    const embedding =
      body.encoding_format === 'base64'
        ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
        : vector;
    return { object: 'embedding', index: i, embedding };
  });
  if (opts.reverse) data.reverse();
  const tokens = input.reduce((n, s) => n + Math.ceil(s.length / 4), 0);
  return {
    object: 'list',
    data,
    model: `${String(body.model)}-2025`,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
