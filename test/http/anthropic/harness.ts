import { type IncomingHttpHeaders, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { ModelRouter, type ModelRouterOptions, anthropic, openaiCompatible } from 'model-router';
import { createRelayHandler, type RelayHandlerOptions } from 'model-router/http';
import { serve, type TestServer } from '../harness.js';

/** One request an upstream mock received. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** Resolves when the client side (the relay) closed this request's connection or the reply ended. */
  closed: Promise<void>;
}

export type Reply = (req: Received, res: ServerResponse) => void | Promise<void>;

/** An upstream on 127.0.0.1 that records every request and answers from a queue of replies (the last repeats). */
export interface Upstream {
  url: string;
  received: Received[];
  replies: Reply[];
  close(): Promise<void>;
}

export async function upstream(...replies: Reply[]): Promise<Upstream> {
  const received: Received[] = [];
  const queue = [...replies];
  let last: Reply | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const closed = new Promise<void>((resolve) => res.on('close', () => resolve()));
      const r: Received = {
        path: req.url ?? '/',
        headers: req.headers,
        body: text ? JSON.parse(text) : {},
        closed,
      };
      received.push(r);
      const reply = queue.shift() ?? last;
      last = reply;
      if (!reply) {
        json(500, { type: 'error', error: { type: 'api_error', message: 'no reply scripted' } })(r, res);
        return;
      }
      void reply(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    received,
    replies: queue,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

/** Anthropic-style SSE (`event:` lines) when events are `[name, data]`; OpenAI-style `data:` lines otherwise. */
export const sse =
  (events: Array<[string, unknown] | unknown>, options: { hold?: boolean; done?: boolean } = {}): Reply =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const e of events) {
      if (Array.isArray(e) && typeof e[0] === 'string' && e.length === 2)
        res.write(`event: ${e[0]}\ndata: ${JSON.stringify(e[1])}\n\n`);
      else res.write(`data: ${JSON.stringify(e)}\n\n`);
    }
    if (options.done) res.write('data: [DONE]\n\n');
    if (!options.hold) res.end();
  };

/** The Anthropic event sequence of a message with the given blocks. */
export function anthropicEvents(
  message: { id?: string; model?: string; usage?: Record<string, number> },
  blocks: Array<Record<string, unknown>>,
  stopReason = 'end_turn',
): Array<[string, unknown]> {
  const usage = message.usage ?? { input_tokens: 12, output_tokens: 1 };
  const out: Array<[string, unknown]> = [
    [
      'message_start',
      {
        type: 'message_start',
        message: {
          id: message.id ?? 'msg_up_1',
          type: 'message',
          role: 'assistant',
          model: message.model ?? 'claude-sonnet-4-5-20250929',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage,
        },
      },
    ],
    ['ping', { type: 'ping' }],
  ];
  blocks.forEach((b, index) => {
    if (b.type === 'text') {
      out.push([
        'content_block_start',
        { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
      ]);
      out.push([
        'content_block_delta',
        { type: 'content_block_delta', index, delta: { type: 'text_delta', text: b.text } },
      ]);
    } else if (b.type === 'thinking') {
      out.push([
        'content_block_start',
        {
          type: 'content_block_start',
          index,
          content_block: { type: 'thinking', thinking: '', signature: '' },
        },
      ]);
      out.push([
        'content_block_delta',
        { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: b.thinking } },
      ]);
      out.push([
        'content_block_delta',
        { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: b.signature } },
      ]);
    } else if (b.type === 'tool_use') {
      out.push([
        'content_block_start',
        {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} },
        },
      ]);
      const text = JSON.stringify(b.input);
      const cut = Math.floor(text.length / 2);
      for (const partial of [text.slice(0, cut), text.slice(cut)])
        out.push([
          'content_block_delta',
          { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partial } },
        ]);
    } else {
      out.push(['content_block_start', { type: 'content_block_start', index, content_block: b }]);
    }
    out.push(['content_block_stop', { type: 'content_block_stop', index }]);
  });
  out.push([
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: 9 },
    },
  ]);
  out.push(['message_stop', { type: 'message_stop' }]);
  return out;
}

/** A whole Anthropic Message body. */
export function anthropicMessage(
  content: Array<Record<string, unknown>>,
  extra: Record<string, unknown> = {},
) {
  return {
    id: 'msg_up_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content,
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 9 },
    ...extra,
  };
}

/** A chat completion body. */
export function chatCompletion(
  message: Record<string, unknown>,
  finish = 'stop',
  usage?: Record<string, unknown>,
) {
  return {
    id: 'chatcmpl-up-1',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }],
    usage: usage ?? { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
  };
}

export interface Relay {
  router: ModelRouter;
  anth: Upstream;
  oai: Upstream;
  server: TestServer;
  /** The official SDK against the relay, with no retries unless asked. */
  client(options?: ConstructorParameters<typeof Anthropic>[0]): Anthropic;
  close(): Promise<void>;
}

/**
 * A relay over two real adapters on two upstream mocks: provider `anth` (the `anthropic` adapter,
 * model `claude-sonnet-4-5`) and `oai` (`openaiCompatible`, model `gpt-4o-mini`). Groups: `claude` =
 * [anth, oai] and `gpt` = [oai, anth] by priority.
 */
export async function relay(
  anthReplies: Reply[],
  oaiReplies: Reply[],
  options: RelayHandlerOptions & {
    anthropicHeaders?: Record<string, string>;
    version?: string;
    router?: Partial<ModelRouterOptions>;
  } = {},
): Promise<Relay> {
  const anth = await upstream(...anthReplies);
  const oai = await upstream(...oaiReplies);
  const router = new ModelRouter({
    catalog: {
      providers: [
        {
          id: 'anth',
          adapter: 'anthropic',
          baseUrl: anth.url,
          keys: [{ id: 'k-anth', secret: 'sk-ant-catalog-key' }],
        },
        {
          id: 'oai',
          adapter: 'openai',
          baseUrl: oai.url,
          keys: [{ id: 'k-oai', secret: 'sk-oai-catalog-key' }],
        },
      ],
      models: [
        { providerId: 'anth', modelId: 'claude-sonnet-4-5' },
        { providerId: 'oai', modelId: 'gpt-4o-mini' },
      ],
      groups: [
        {
          name: 'claude',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'anth', modelId: 'claude-sonnet-4-5', priority: 0 },
            { providerId: 'oai', modelId: 'gpt-4o-mini', priority: 1 },
          ],
        },
        {
          name: 'gpt',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'oai', modelId: 'gpt-4o-mini', priority: 0 },
            { providerId: 'anth', modelId: 'claude-sonnet-4-5', priority: 1 },
          ],
        },
      ],
    },
    adapters: {
      anthropic: anthropic({
        ...(options.anthropicHeaders ? { headers: options.anthropicHeaders } : {}),
        ...(options.version ? { version: options.version } : {}),
      }),
      openai: openaiCompatible({ baseURL: oai.url }),
    },
    ...options.router,
  });
  const server = await serve(createRelayHandler(router, options));
  return {
    router,
    anth,
    oai,
    server,
    client: (o) =>
      new Anthropic({ baseURL: server.url, apiKey: 'client-key-never-forwarded', maxRetries: 0, ...o }),
    async close() {
      await server.close();
      await router.close();
      await anth.close();
      await oai.close();
    },
  };
}
