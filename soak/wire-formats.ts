import type { IncomingMessage } from 'node:http';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import {
  type AdapterLimits,
  type ProviderAdapter,
  anthropic,
  bedrock,
  gemini,
  openaiCompatible,
} from '../src/index.js';
import { HUGE_TOOL_INDEX, type ReplyPlan } from './faults.js';

/** The wire formats the soak's loopback provider can speak (`--wire`). */
export const WIRE_FORMATS = ['openai', 'anthropic', 'gemini', 'bedrock'] as const;
export type WireFormatName = (typeof WIRE_FORMATS)[number];

/** One frame of a streamed reply: SSE text, or a binary event-stream message. */
export type Frame = string | Uint8Array;

/** Usage as the plan has it: reported, absent, or garbage the router must not take. */
type UsageKind = 'ok' | 'none' | 'bad';

/**
 * How one provider's wire format writes each thing the soak's faults need: its adapter, where the
 * key travels, error bodies, whole replies, and the frames of a stream (content, a tool-call index
 * of 2³²−2 or its equivalent, an error mid-stream, a malformed frame, a frame past the size cap).
 */
export interface WireFormat {
  name: WireFormatName;
  adapter(baseURL: string, limits: Required<AdapterLimits>): ProviderAdapter;
  /** The key the request carries (to attribute it to its key). */
  keyOf(req: IncomingMessage): string;
  isStream(req: IncomingMessage, body: Record<string, unknown>): boolean;
  /** The catalog's model id, as the request names it. */
  modelOf(req: IncomingMessage, body: Record<string, unknown>): string;
  error(status: number, message: string): string;
  complete(plan: ReplyPlan, model: string, usage: UsageKind): string;
  /** The start of a JSON body that `oversized_body` and `endless_body` fill with `x` or `y`. */
  bodyPrefix: string;
  bodySuffix: string;
  streamType: string;
  head(plan: ReplyPlan, model: string, usage: UsageKind): Frame[];
  delta(text: string, model: string): Frame;
  hugeToolIndex(model: string): Frame;
  end(plan: ReplyPlan, model: string, usage: UsageKind): Frame[];
  errorEvent(message: string): Frame;
  malformed(): Frame;
  /** A frame just past the adapter's cap (a line for SSE, a message for the event stream). */
  hugeFrame(limits: { maxLineBytes: number; maxEventBytes: number }): Frame;
}

const sse = (data: unknown, event?: string) =>
  `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
};
const bearer = (req: IncomingMessage) => {
  const auth = header(req, 'authorization');
  return auth.startsWith('Bearer ') ? auth.slice(7) : '';
};
const usageOf = (plan: ReplyPlan, kind: UsageKind) =>
  kind === 'ok' && plan.usage ? plan.usage : kind === 'bad' ? 'bad' : undefined;

const openai: WireFormat = {
  name: 'openai',
  adapter: (baseURL, limits) => openaiCompatible({ baseURL, limits }),
  keyOf: bearer,
  isStream: (_req, body) => body.stream === true,
  modelOf: (_req, body) => String(body.model ?? 'm'),
  error: (status, message) =>
    JSON.stringify({ error: { message, type: 'server_error', code: String(status) } }),
  complete(plan, model, kind) {
    const u = usageOf(plan, kind);
    const json: Record<string, unknown> = {
      id: 'chatcmpl-soak',
      object: 'chat.completion',
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: plan.text }, finish_reason: 'stop' }],
    };
    if (u === 'bad') json.usage = { prompt_tokens: -3, completion_tokens: 'many', total_tokens: 'HUGE' };
    else if (u)
      json.usage = {
        prompt_tokens: u.prompt,
        completion_tokens: u.completion,
        total_tokens: u.prompt + u.completion,
      };
    // 1e400 parses to Infinity on the other side: a number JSON.stringify cannot write.
    return JSON.stringify(json).replace('"HUGE"', '1e400');
  },
  bodyPrefix: '{"id":"big","choices":[{"index":0,"message":{"role":"assistant","content":"',
  bodySuffix: '"}}]}',
  streamType: 'text/event-stream',
  head: () => [],
  delta: (content, model) =>
    sse({ id: 'chatcmpl-soak', model, choices: [{ index: 0, delta: { content }, finish_reason: null }] }),
  hugeToolIndex: (model) =>
    sse({
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
  end(plan, model, kind) {
    const u = usageOf(plan, kind);
    const out = [
      sse({ id: 'chatcmpl-soak', model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
    ];
    if (u === 'bad')
      out.push(
        sse({ choices: [], usage: { prompt_tokens: 'NaN', completion_tokens: -7, total_tokens: -1 } }),
      );
    else if (u)
      out.push(
        sse({
          id: 'chatcmpl-soak',
          model,
          choices: [],
          usage: {
            prompt_tokens: u.prompt,
            completion_tokens: u.completion,
            total_tokens: u.prompt + u.completion,
          },
        }),
      );
    out.push(sse('[DONE]'));
    return out;
  },
  errorEvent: (message) => sse({ error: { message, type: 'server_error' } }),
  malformed: () => 'data: {"choices":[{"index":0,"delta":{"content":"unterminated\n\n',
  hugeFrame: (l) => `data: ${'x'.repeat(l.maxLineBytes + 512)}`,
};

const anthropicFormat: WireFormat = {
  name: 'anthropic',
  adapter: (baseURL, limits) => anthropic({ baseURL, limits }),
  keyOf: (req) => header(req, 'x-api-key'),
  isStream: (_req, body) => body.stream === true,
  modelOf: (_req, body) => String(body.model ?? 'm'),
  error: (status, message) =>
    JSON.stringify({
      type: 'error',
      error: {
        type: status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'api_error',
        message,
      },
    }),
  complete(plan, model, kind) {
    const u = usageOf(plan, kind);
    return JSON.stringify({
      id: 'msg_soak',
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text: plan.text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      ...(u === 'bad'
        ? { usage: { input_tokens: -3, output_tokens: 'many' } }
        : u
          ? { usage: { input_tokens: u.prompt, output_tokens: u.completion } }
          : {}),
    });
  },
  bodyPrefix: '{"id":"big","type":"message","role":"assistant","content":[{"type":"text","text":"',
  bodySuffix: '"}]}',
  streamType: 'text/event-stream',
  head(plan, model, kind) {
    const u = usageOf(plan, kind);
    return [
      sse(
        {
          type: 'message_start',
          message: {
            id: 'msg_soak',
            type: 'message',
            role: 'assistant',
            model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            ...(u === 'bad'
              ? { usage: { input_tokens: 'NaN', output_tokens: -1 } }
              : u
                ? { usage: { input_tokens: u.prompt, output_tokens: 1 } }
                : {}),
          },
        },
        'message_start',
      ),
      sse(
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        'content_block_start',
      ),
    ];
  },
  delta: (text) =>
    sse(
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
      'content_block_delta',
    ),
  hugeToolIndex: () =>
    sse(
      {
        type: 'content_block_start',
        index: HUGE_TOOL_INDEX,
        content_block: { type: 'tool_use', id: 'toolu_huge', name: 'freeze', input: {} },
      },
      'content_block_start',
    ),
  end(plan, _model, kind) {
    const u = usageOf(plan, kind);
    return [
      sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
      sse(
        {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          ...(u === 'bad'
            ? { usage: { output_tokens: 'many' } }
            : u
              ? { usage: { output_tokens: u.completion } }
              : {}),
        },
        'message_delta',
      ),
      sse({ type: 'message_stop' }, 'message_stop'),
    ];
  },
  errorEvent: (message) => sse({ type: 'error', error: { type: 'api_error', message } }, 'error'),
  malformed: () =>
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"text\n\n',
  hugeFrame: (l) => `event: content_block_delta\ndata: ${'x'.repeat(l.maxLineBytes + 512)}`,
};

const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

const geminiChunk = (parts: unknown[], extra: Record<string, unknown> = {}, finish?: string) => ({
  candidates: [{ content: { parts, role: 'model' }, index: 0, ...(finish ? { finishReason: finish } : {}) }],
  modelVersion: 'soak-gemini',
  ...extra,
});
const geminiUsage = (plan: ReplyPlan, kind: UsageKind): Record<string, unknown> => {
  const u = usageOf(plan, kind);
  if (u === 'bad') return { usageMetadata: { promptTokenCount: -3, candidatesTokenCount: 'many' } };
  if (!u) return {};
  return {
    usageMetadata: {
      promptTokenCount: u.prompt,
      candidatesTokenCount: u.completion,
      totalTokenCount: u.prompt + u.completion,
    },
  };
};

const geminiFormat: WireFormat = {
  name: 'gemini',
  adapter: (baseURL, limits) => gemini({ baseURL, limits }),
  keyOf: (req) => header(req, 'x-goog-api-key'),
  isStream: (req) => (req.url ?? '').includes(':streamGenerateContent'),
  modelOf: (req) => /\/models\/([^:]+):/.exec(req.url ?? '')?.[1] ?? 'm',
  error: (status, message) =>
    JSON.stringify({ error: { code: status, message, status: STATUS[status] ?? 'UNKNOWN' } }),
  complete: (plan, _model, kind) =>
    JSON.stringify(geminiChunk([{ text: plan.text }], geminiUsage(plan, kind), 'STOP')),
  bodyPrefix: '{"candidates":[{"content":{"parts":[{"text":"',
  bodySuffix: '"}],"role":"model"},"finishReason":"STOP","index":0}]}',
  streamType: 'text/event-stream',
  head: () => [],
  delta: (text) => sse(geminiChunk([{ text }])),
  // Gemini numbers no calls: its equivalent is more calls in one message than limits.maxToolCalls.
  hugeToolIndex: () =>
    sse(geminiChunk(Array.from({ length: 200 }, (_, i) => ({ functionCall: { name: `f${i}`, args: {} } })))),
  end: (plan, _model, kind) => [sse(geminiChunk([], geminiUsage(plan, kind), 'STOP'))],
  errorEvent: (message) => sse({ error: { code: 500, message, status: 'INTERNAL' } }),
  malformed: () => 'data: {"candidates":[{"content":{"parts":[{"text":"unterminated\n\n',
  hugeFrame: (l) => `data: ${'x'.repeat(l.maxLineBytes + 512)}`,
};

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const frame = (event: string, payload: unknown, exception = false): Uint8Array =>
  codec.encode({
    headers: {
      ':message-type': { type: 'string', value: exception ? 'exception' : 'event' },
      [exception ? ':exception-type' : ':event-type']: { type: 'string', value: event },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });

const bedrockFormat: WireFormat = {
  name: 'bedrock',
  // The region names the endpoint the adapter would call; the key's secret is a Bedrock API key.
  adapter: (baseURL, limits) =>
    bedrock({ baseURL: baseURL.replace(/\/v1$/, ''), region: 'us-east-1', limits }),
  keyOf: bearer,
  isStream: (req) => (req.url ?? '').endsWith('/converse-stream'),
  modelOf: (req) => decodeURIComponent(/\/model\/([^/]+)\//.exec(req.url ?? '')?.[1] ?? 'm'),
  error: (_status, message) => JSON.stringify({ message }),
  complete(plan, _model, kind) {
    const u = usageOf(plan, kind);
    return JSON.stringify({
      output: { message: { role: 'assistant', content: [{ text: plan.text }] } },
      stopReason: 'end_turn',
      ...(u === 'bad'
        ? { usage: { inputTokens: -3, outputTokens: 'many' } }
        : u
          ? {
              usage: {
                inputTokens: u.prompt,
                outputTokens: u.completion,
                totalTokens: u.prompt + u.completion,
              },
            }
          : {}),
    });
  },
  bodyPrefix: '{"output":{"message":{"role":"assistant","content":[{"text":"',
  bodySuffix: '"}]}},"stopReason":"end_turn"}',
  streamType: 'application/vnd.amazon.eventstream',
  head: () => [frame('messageStart', { role: 'assistant' })],
  delta: (text) => frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text } }),
  hugeToolIndex: () =>
    frame('contentBlockStart', {
      contentBlockIndex: HUGE_TOOL_INDEX,
      start: { toolUse: { toolUseId: 'tooluse_huge', name: 'freeze' } },
    }),
  end(plan, _model, kind) {
    const u = usageOf(plan, kind);
    return [
      frame('contentBlockStop', { contentBlockIndex: 0 }),
      frame('messageStop', { stopReason: 'end_turn' }),
      frame('metadata', {
        ...(u === 'bad'
          ? { usage: { inputTokens: 'NaN', outputTokens: -7 } }
          : u
            ? {
                usage: {
                  inputTokens: u.prompt,
                  outputTokens: u.completion,
                  totalTokens: u.prompt + u.completion,
                },
              }
            : {}),
        metrics: { latencyMs: 1 },
      }),
    ];
  },
  errorEvent: (message) => frame('internalServerException', { message }, true),
  malformed: () => {
    // A message whose CRC does not match its bytes.
    const f = frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'corrupt' } });
    const bad = Uint8Array.from(f);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    return bad;
  },
  hugeFrame: (l) =>
    frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'x'.repeat(l.maxEventBytes + 512) } }),
};

export const WIRE: Record<WireFormatName, WireFormat> = {
  openai,
  anthropic: anthropicFormat,
  gemini: geminiFormat,
  bedrock: bedrockFormat,
};
