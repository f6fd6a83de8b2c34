import {
  type CacheControl,
  type ChatMessage,
  type ChatRequest,
  type ContentPart,
  RouterError,
} from 'model-router';
import { z } from 'zod';
import { fastChatRequest } from './request-fast.js';

/*
 * OpenAI's chat-completions request, as clients send it; `null` is accepted wherever OpenAI accepts
 * it. Fields the router does not model (`seed`, penalties, `logit_bias`, `parallel_tool_calls`,
 * `logprobs`, `reasoning_effort`, `store`, `service_tier`, and any field added after this was
 * written) travel in `wire` to an upstream of the same format, unchanged; the known ones are
 * type-checked here so that a malformed one is a 400 from the relay, not from the provider.
 */

const str = z.string().max(10_000_000);
// `cache_control` on a text part: the hint OpenAI-format gateways (OpenRouter, LiteLLM) take for Anthropic models.
const cacheControl = z
  .object({ type: z.literal('ephemeral'), ttl: z.string().max(20).optional() })
  .nullable()
  .optional();
const textPart = z.object({ type: z.literal('text'), text: str, cache_control: cacheControl });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string().max(20_000_000), detail: z.string().optional() }),
});
const refusalPart = z.object({ type: z.literal('refusal'), refusal: str });
const textOnly = z.union([str, z.array(textPart).max(10_000)]);
const toolCall = z.object({
  id: z.string().max(500),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().min(1).max(500), arguments: str }),
});

const message = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: textOnly }),
  z.object({ role: z.literal('developer'), content: textOnly }),
  z.object({
    role: z.literal('user'),
    content: z.union([str, z.array(z.discriminatedUnion('type', [textPart, imagePart])).max(10_000)]),
    name: z.string().max(200).optional(),
  }),
  z.object({
    role: z.literal('assistant'),
    content: z
      .union([str, z.array(z.discriminatedUnion('type', [textPart, refusalPart])).max(10_000)])
      .nullable()
      .optional(),
    tool_calls: z.array(toolCall).max(1000).nullable().optional(),
  }),
  z.object({ role: z.literal('tool'), content: textOnly, tool_call_id: z.string().min(1).max(500) }),
]);

const opt = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

export const openAIChatRequestSchema = z.object({
  model: opt(z.string().min(1).max(500)),
  messages: z.array(message).min(1).max(100_000),
  max_tokens: opt(z.number().int().positive()),
  max_completion_tokens: opt(z.number().int().positive()),
  temperature: opt(z.number().min(0).max(2)),
  top_p: opt(z.number().min(0).max(1)),
  stop: opt(z.union([z.string().max(1000), z.array(z.string().max(1000)).max(64)])),
  n: opt(z.literal(1, { error: 'only n = 1 is supported' })),
  tools: opt(
    z
      .array(
        z.object({
          type: z.literal('function'),
          function: z.object({
            name: z.string().min(1).max(200),
            description: z.string().max(100_000).optional(),
            parameters: z.record(z.string(), z.unknown()).optional(),
          }),
        }),
      )
      .max(1000),
  ),
  tool_choice: opt(
    z.union([
      z.enum(['auto', 'none', 'required']),
      z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1).max(200) }) }),
    ]),
  ),
  response_format: opt(
    z.discriminatedUnion('type', [
      z.object({ type: z.literal('text') }),
      z.object({ type: z.literal('json_object') }),
      z.object({
        type: z.literal('json_schema'),
        json_schema: z.object({
          name: z.string().min(1).max(200),
          schema: z.record(z.string(), z.unknown()).optional(),
          strict: z.boolean().nullable().optional(),
        }),
      }),
    ]),
  ),
  user: opt(z.string().max(500)),
  prompt_cache_key: opt(z.string().min(1).max(1000)),
  metadata: opt(z.record(z.string().max(200), z.string().max(10_000))),
  stream: opt(z.boolean()),
  stream_options: opt(z.object({ include_usage: z.boolean().optional() })),
  seed: opt(z.number().int()),
  frequency_penalty: opt(z.number().min(-2).max(2)),
  presence_penalty: opt(z.number().min(-2).max(2)),
  logit_bias: opt(z.record(z.string().max(20), z.number().min(-100).max(100))),
  parallel_tool_calls: opt(z.boolean()),
  logprobs: opt(z.boolean()),
  top_logprobs: opt(z.number().int().min(0).max(20)),
  reasoning_effort: opt(z.string().min(1).max(20)),
  store: opt(z.boolean()),
  service_tier: opt(z.string().min(1).max(20)),
});

/**
 * The request fields the router models (they are mapped to `ChatRequest` and honoured by every
 * adapter); any other field of the body reaches only an upstream of the same wire format.
 */
export const MODELLED_CHAT_FIELDS: ReadonlySet<string> = new Set([
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'n',
  'tools',
  'tool_choice',
  'response_format',
  'user',
  'metadata',
  'stream',
  'stream_options',
]);

export type OpenAIChatRequest = z.output<typeof openAIChatRequestSchema>;

/** A parsed relay request: the router's request and how to answer. */
export interface RelayRequest {
  chat: ChatRequest;
  stream: boolean;
  includeUsage: boolean;
}

/** Validate OpenAI's wire format (`VALIDATION` naming the wire field) and map it to a `ChatRequest`. */
export function parseOpenAIRequest(body: unknown): RelayRequest {
  let r = fastChatRequest(body);
  if (!r) {
    const parsed = openAIChatRequestSchema.safeParse(body);
    if (!parsed.success) throw wireValidationError(parsed.error);
    r = parsed.data;
  }
  const chat: ChatRequest = {
    messages: r.messages.map(toMessage),
    // The body as sent: an openai-chat upstream gets every field, under its own name.
    wire: { format: 'openai-chat', body: body as Record<string, unknown> },
  };
  if (r.model != null) chat.model = r.model;
  const maxTokens = r.max_completion_tokens ?? r.max_tokens;
  if (maxTokens != null) chat.maxTokens = maxTokens;
  if (r.temperature != null) chat.temperature = r.temperature;
  if (r.top_p != null) chat.topP = r.top_p;
  if (r.stop != null) chat.stop = r.stop;
  if (r.tools != null && r.tools.length > 0)
    chat.tools = r.tools.map((t) => ({ type: 'function', function: t.function }));
  if (r.tool_choice != null) chat.toolChoice = r.tool_choice;
  if (r.response_format != null) {
    const f = r.response_format;
    chat.responseFormat =
      f.type === 'json_schema'
        ? {
            type: 'json_schema',
            json_schema: {
              name: f.json_schema.name,
              ...(f.json_schema.schema ? { schema: f.json_schema.schema } : {}),
              ...(f.json_schema.strict != null ? { strict: f.json_schema.strict } : {}),
            },
          }
        : { type: f.type };
  }
  if (r.user != null) chat.user = r.user;
  // OpenAI's own cache-routing hint keeps the session on one candidate and key here too.
  if (r.prompt_cache_key != null) chat.affinityKey = r.prompt_cache_key;
  if (r.metadata != null) chat.metadata = r.metadata;
  return { chat, stream: r.stream === true, includeUsage: r.stream_options?.include_usage === true };
}

type WireMessage = OpenAIChatRequest['messages'][number];

function toMessage(m: WireMessage): ChatMessage {
  switch (m.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: joinText(m.content), ...lastCacheHint(m.content) };
    case 'user': {
      const content: string | ContentPart[] =
        typeof m.content === 'string'
          ? m.content
          : m.content.map((p) =>
              p.type === 'text'
                ? { type: 'text', text: p.text, ...cacheHint(p.cache_control) }
                : { type: 'image', url: p.image_url.url },
            );
      return { role: 'user', content, ...(m.name ? { name: m.name } : {}) };
    }
    case 'assistant': {
      const content =
        m.content == null
          ? null
          : typeof m.content === 'string'
            ? m.content
            : m.content.map((p) => (p.type === 'text' ? p.text : p.refusal)).join('');
      const toolCalls = (m.tool_calls ?? []).map((t) => ({
        id: t.id,
        name: t.function.name,
        arguments: t.function.arguments,
      }));
      return { role: 'assistant', content, ...(toolCalls.length ? { toolCalls } : {}) };
    }
    case 'tool':
      return {
        role: 'tool',
        content: joinText(m.content),
        toolCallId: m.tool_call_id,
        ...lastCacheHint(m.content),
      };
  }
}

type WireCache = { type: 'ephemeral'; ttl?: string | undefined } | null | undefined;

function cacheHint(cc: WireCache): { cacheControl?: CacheControl } {
  if (!cc) return {};
  return { cacheControl: { type: 'ephemeral', ...(cc.ttl === undefined ? {} : { ttl: cc.ttl }) } };
}

/** A message joined into one text keeps the hint of its last part (where the cached prefix ends). */
function lastCacheHint(content: string | Array<{ cache_control?: WireCache }>): {
  cacheControl?: CacheControl;
} {
  return typeof content === 'string' ? {} : cacheHint(content.at(-1)?.cache_control);
}

function joinText(content: string | Array<{ text: string }>): string {
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}

export function wireValidationError(error: z.ZodError): RouterError {
  const issues = error.issues.map((i) => ({ field: fieldOf(i.path), message: i.message }));
  const first = issues[0] ?? { field: 'body', message: 'invalid' };
  return new RouterError('VALIDATION', `Invalid ${first.field}: ${first.message}`, {
    details: { field: first.field, issues },
  });
}

function fieldOf(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || 'body';
}
