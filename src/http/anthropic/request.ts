import {
  type AssistantContentPart,
  type CacheControl,
  type ChatMessage,
  type ChatRequest,
  type ContentPart,
  RouterError,
  type ToolChoice,
  type ToolDefinition,
} from 'model-router';
import type { z } from 'zod';
import type { HeaderReader } from '../relay/types.js';
import {
  type CountTokensRequest,
  type MessagesRequest,
  type WireBlock,
  countTokensRequestSchema,
  messagesRequestSchema,
} from './request-schema.js';

/** A parsed Messages request: the router's request, how to answer, and what only Anthropic can honour. */
export interface AnthropicRelayRequest {
  chat: ChatRequest;
  stream: boolean;
  /**
   * Parts of the request that exist only in Anthropic's format (`thinking`, server tools, unknown
   * fields and blocks): an Anthropic upstream gets them through `wire`; when another format serves,
   * they are reported as warnings.
   */
  anthropicOnly: string[];
}

/** Client headers an Anthropic upstream should see. Credentials never: the upstream gets the catalog key. */
const FORWARDED_HEADERS = ['anthropic-beta', 'anthropic-version'];

/** Top-level fields the typed request carries; any other is Anthropic-only. */
const TYPED_FIELDS = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
]);

export function parseMessagesRequest(body: unknown, headers: HeaderReader): AnthropicRelayRequest {
  const r = validate(messagesRequestSchema, body);
  const { chat, anthropicOnly } = toChat(r, body as Record<string, unknown>, headers);
  chat.maxTokens = r.max_tokens;
  if (r.temperature !== undefined) chat.temperature = r.temperature;
  if (r.top_p !== undefined) chat.topP = r.top_p;
  if (r.top_k !== undefined) chat.topK = r.top_k;
  if (r.stop_sequences?.length) chat.stop = r.stop_sequences;
  if (typeof r.metadata?.user_id === 'string') {
    chat.user = r.metadata.user_id;
    // Claude Code and the SDKs set it per session: the session's affinity key.
    chat.affinityKey = r.metadata.user_id;
  }
  return { chat, stream: r.stream === true, anthropicOnly };
}

export function parseCountTokensRequest(body: unknown, headers: HeaderReader): AnthropicRelayRequest {
  const r = validate(countTokensRequestSchema, body);
  return { ...toChat(r, body as Record<string, unknown>, headers), stream: false };
}

function toChat(
  r: MessagesRequest | CountTokensRequest,
  body: Record<string, unknown>,
  headers: HeaderReader,
): { chat: ChatRequest; anthropicOnly: string[] } {
  const only: string[] = [];
  const messages: ChatMessage[] = [];
  if (typeof r.system === 'string') {
    if (r.system !== '') messages.push({ role: 'system', content: r.system });
  } else if (r.system) {
    for (const b of r.system) messages.push({ role: 'system', content: b.text, ...cache(b.cache_control) });
  }
  r.messages.forEach((m, i) => {
    if (m.role === 'user') messages.push(...userTurn(m.content, `messages[${i}]`, only));
    else messages.push(assistantTurn(m.content, `messages[${i}]`, only));
  });
  const chat: ChatRequest = { messages };
  if (r.model !== undefined) chat.model = r.model;
  const tools: ToolDefinition[] = [];
  r.tools?.forEach((t, i) => {
    if (t.type != null && t.type !== 'custom') {
      only.push(`tools[${i}] (${t.type})`);
      return;
    }
    tools.push({
      type: 'function',
      function: {
        name: t.name,
        ...(t.description === undefined ? {} : { description: t.description }),
        parameters: t.input_schema ?? { type: 'object', properties: {} },
      },
      ...cache(t.cache_control),
    });
  });
  if (tools.length > 0) chat.tools = tools;
  if (r.tool_choice) chat.toolChoice = toolChoice(r.tool_choice);
  if (r.thinking) only.push('thinking');
  for (const key of Object.keys(body)) if (!TYPED_FIELDS.has(key) && key !== 'thinking') only.push(key);
  const forwarded: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = headers.get(name);
    if (value) forwarded[name] = value;
  }
  chat.wire = { format: 'anthropic-messages', body, headers: forwarded };
  return { chat, anthropicOnly: only };
}

function toolChoice(c: NonNullable<MessagesRequest['tool_choice']>): ToolChoice {
  if (c.type === 'auto') return 'auto';
  if (c.type === 'any') return 'required';
  if (c.type === 'none') return 'none';
  return { type: 'function', function: { name: c.name } };
}

function cache(cc: unknown): { cacheControl?: CacheControl } {
  if (typeof cc !== 'object' || cc === null) return {};
  const { ttl } = cc as { ttl?: unknown };
  return { cacheControl: { type: 'ephemeral', ...(typeof ttl === 'string' ? { ttl } : {}) } };
}

type Field = string;

/** A user turn: its `tool_result` blocks become tool messages (first, as Anthropic orders them), the rest one user message. */
function userTurn(content: string | WireBlock[], field: Field, only: string[]): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const out: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  content.forEach((b, j) => {
    const at = `${field}.content[${j}]`;
    if (b.type === 'tool_result') {
      out.push(toolResult(b as never, at, only));
      return;
    }
    const part = contentPart(b, at, only);
    if (part) parts.push(part);
  });
  if (parts.length > 0) out.push({ role: 'user', content: parts });
  return out;
}

function toolResult(
  b: { tool_use_id: string; content?: string | WireBlock[]; is_error?: boolean; cache_control?: unknown },
  at: Field,
  only: string[],
): ChatMessage {
  let text = '';
  if (typeof b.content === 'string') text = b.content;
  else
    b.content?.forEach((c, k) => {
      if (c.type === 'text' && typeof c.text === 'string') text += (text ? '\n' : '') + c.text;
      else only.push(`${at}.content[${k}] (${c.type})`);
    });
  return {
    role: 'tool',
    toolCallId: b.tool_use_id,
    content: text,
    ...(b.is_error ? { isError: true } : {}),
    ...cache(b.cache_control),
  };
}

function contentPart(b: WireBlock, at: Field, only: string[]): ContentPart | undefined {
  const blk = b as Record<string, unknown> & { source?: Record<string, unknown> };
  switch (b.type) {
    case 'text':
      return { type: 'text', text: blk.text as string, ...cache(blk.cache_control) };
    case 'image':
    case 'document': {
      const s = blk.source ?? {};
      const name = typeof blk.title === 'string' ? { name: blk.title } : {};
      let url: string | undefined;
      let mediaType: string | undefined;
      if (s.type === 'base64') {
        mediaType = s.media_type as string;
        url = `data:${mediaType};base64,${s.data as string}`;
      } else if (s.type === 'url') url = s.url as string;
      else if (s.type === 'text') {
        mediaType = 'text/plain';
        url = `data:text/plain;charset=utf-8,${encodeURIComponent(s.data as string)}`;
      }
      if (url === undefined) {
        only.push(`${at} (${b.type} source ${String(s.type)})`);
        return undefined;
      }
      const media = mediaType === undefined ? {} : { mediaType };
      return b.type === 'image'
        ? { type: 'image', url, ...media, ...cache(blk.cache_control) }
        : { type: 'file', url, ...media, ...name, ...cache(blk.cache_control) };
    }
    default:
      only.push(`${at} (${b.type})`);
      return undefined;
  }
}

/** An assistant turn: thinking (signed, Anthropic-bound), text, and tool calls. */
function assistantTurn(content: string | WireBlock[], field: Field, only: string[]): ChatMessage {
  if (typeof content === 'string') return { role: 'assistant', content };
  const parts: AssistantContentPart[] = [];
  const toolCalls: Array<{ id: string; name: string; arguments: string }> = [];
  let textOnly = true;
  content.forEach((b, j) => {
    const blk = b as Record<string, unknown>;
    if (b.type === 'tool_use') {
      toolCalls.push({
        id: blk.id as string,
        name: blk.name as string,
        arguments: JSON.stringify(blk.input),
      });
    } else if (b.type === 'thinking') {
      textOnly = false;
      parts.push({
        type: 'reasoning',
        family: 'anthropic',
        text: blk.thinking as string,
        signature: blk.signature as string,
      });
    } else if (b.type === 'redacted_thinking') {
      textOnly = false;
      parts.push({ type: 'reasoning', family: 'anthropic', data: blk.data as string });
    } else {
      const part = contentPart(b, `${field}.content[${j}]`, only);
      if (part) {
        if (part.type !== 'text' || part.cacheControl) textOnly = false;
        parts.push(part);
      }
    }
  });
  const text = textOnly ? parts.map((p) => (p.type === 'text' ? p.text : '')).join('') : undefined;
  return {
    role: 'assistant',
    content: text !== undefined ? (text === '' && toolCalls.length > 0 ? null : text) : parts,
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
  };
}

function validate<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ field: fieldOf(i.path), message: i.message }));
  const first = issues[0] ?? { field: 'body', message: 'invalid' };
  throw new RouterError('VALIDATION', `${first.field}: ${first.message}`, {
    details: { field: first.field, issues: issues.slice(0, 20) },
  });
}

function fieldOf(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || 'body';
}
