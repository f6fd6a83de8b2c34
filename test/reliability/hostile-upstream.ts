import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ModelRouter, type ModelRouterOptions, openaiCompatible } from '../../src/index.js';

/*
 * Real upstreams on 127.0.0.1 that misbehave on purpose, and a router in front of them: provider
 * "bad" (priority 0) talks to the hostile server, provider "good" (priority 1) to a well-behaved
 * one, both through the bundled OpenAI-compatible adapter.
 */

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

export interface Upstream {
  url: string;
  /** Requests received so far. */
  requests: number;
  /** Connections whose client went away (the router cancelled the upstream call). */
  closedByClient: number;
  close(): Promise<void>;
}

export async function startUpstream(handler: Handler): Promise<Upstream> {
  const state = { requests: 0, closedByClient: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    res.on('close', () => {
      if (!res.writableFinished) state.closedByClient++;
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      Promise.resolve(handler(req, res, Buffer.concat(chunks).toString('utf8'))).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    get closedByClient() {
      return state.closedByClient;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One chat-completions stream chunk as an SSE event. */
export function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

export function sseHead(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', ...headers });
}

/** A whole, well-formed answer: streamed when asked, else one JSON body. */
export const goodStream: Handler = (_req, res, body) => {
  if (!/"stream":\s*true/.test(body)) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'c1',
        object: 'chat.completion',
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'fine' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }),
    );
    return;
  }
  sseHead(res);
  res.write(chunk({ role: 'assistant', content: 'fine' }));
  res.write(chunk({}, 'stop'));
  res.end('data: [DONE]\n\n');
};

/** Write `event()` forever, honouring backpressure, until the client goes away. */
export async function writeForever(res: ServerResponse, event: () => string): Promise<void> {
  while (!res.destroyed) {
    if (!res.write(event())) {
      await new Promise<void>((resolve) => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
    }
  }
}

export function hostileRouter(
  bad: Upstream,
  good: Upstream,
  extra: Partial<ModelRouterOptions> = {},
  badSecret = 'sk-bad-0123456789abcdefghij',
): ModelRouter {
  return new ModelRouter({
    catalog: {
      providers: [
        { id: 'bad', adapter: 'openai', baseUrl: bad.url, keys: [{ id: 'bad-1', secret: badSecret }] },
        {
          id: 'good',
          adapter: 'openai',
          baseUrl: good.url,
          keys: [{ id: 'good-1', secret: 'sk-good-zyxwvutsrqponmlk' }],
        },
      ],
      models: [
        { providerId: 'bad', modelId: 'm' },
        { providerId: 'good', modelId: 'm' },
      ],
      groups: [
        {
          name: 'chat',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'bad', modelId: 'm', priority: 0 },
            { providerId: 'good', modelId: 'm', priority: 1 },
          ],
        },
      ],
    },
    adapters: { openai: openaiCompatible({ baseURL: 'http://127.0.0.1:9/v1' }) },
    ...extra,
  });
}
