import {
  type AssistantContentPart,
  type ChatMessage,
  type ChatRequest,
  type ContentPart,
  type ReasoningPart,
  RouterError,
  type RouterWarning,
  type ToolDefinition,
} from 'model-router';
import { z } from 'zod';
import { wireValidationError } from '../openai/request.js';
import { droppedFields } from '../relay/warnings.js';
import { fromReasoningItem } from './reasoning-items.js';

/*
 * OpenAI's Responses API request, as clients (and coding agents) send it, mapped to a `ChatRequest`.
 * The relay is stateless: `previous_response_id` and item references are refused with a 400 (there
 * is no stored conversation to continue); the client sends the whole conversation with `store: false`.
 * Reasoning items come back as `reasoning` parts: of family `openai` (their `encrypted_content` in
 * `data`), which only a Responses upstream can read, or of the family the relay sealed into them
 * (reasoning-items.ts); an adapter of another family drops them with a warning.
 */

const text = z.string().max(10_000_000);
const inputText = z.object({ type: z.enum(['input_text', 'output_text', 'text']), text });
const inputImage = z.object({
  type: z.literal('input_image'),
  image_url: z.string().max(20_000_000).nullable().optional(),
  file_id: z.string().max(500).nullable().optional(),
  detail: z.string().max(20).optional(),
});
const inputFile = z.object({
  type: z.literal('input_file'),
  file_data: z.string().max(20_000_000).optional(),
  file_url: z.string().max(10_000).optional(),
  file_id: z.string().max(500).nullable().optional(),
  filename: z.string().max(1000).optional(),
});
const refusal = z.object({ type: z.literal('refusal'), refusal: text });
const contentPart = z.discriminatedUnion('type', [
  inputText.extend({ type: z.literal('input_text') }),
  inputText.extend({ type: z.literal('output_text') }),
  inputText.extend({ type: z.literal('text') }),
  inputImage,
  inputFile,
  refusal,
]);

const message = z.object({
  type: z.literal('message').optional(),
  id: z.string().max(500).optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([text, z.array(contentPart).max(10_000)]),
  status: z.string().max(40).optional(),
});
const functionCall = z.object({
  type: z.literal('function_call'),
  id: z.string().max(500).optional(),
  call_id: z.string().min(1).max(500),
  name: z.string().min(1).max(500),
  arguments: text,
  status: z.string().max(40).optional(),
});
const functionCallOutput = z.object({
  type: z.literal('function_call_output'),
  id: z.string().max(500).nullable().optional(),
  call_id: z.string().min(1).max(500),
  output: z.union([text, z.array(contentPart).max(10_000)]),
  status: z.string().max(40).nullable().optional(),
});
const reasoning = z.object({
  type: z.literal('reasoning'),
  id: z.string().max(500).optional(),
  summary: z
    .array(z.object({ type: z.string().max(40), text }))
    .max(1000)
    .optional(),
  content: z
    .array(z.object({ type: z.string().max(40), text }))
    .max(1000)
    .nullable()
    .optional(),
  encrypted_content: z.string().max(10_000_000).nullable().optional(),
  status: z.string().max(40).nullable().optional(),
});
const itemReference = z.object({ type: z.literal('item_reference'), id: z.string().max(500) });

const KNOWN_ITEMS = new Set([
  'message',
  'function_call',
  'function_call_output',
  'reasoning',
  'item_reference',
]);
/** Items the router cannot map (hosted tool calls and their outputs): refused, named. */
const otherItem = z
  .object({
    type: z
      .string()
      .max(100)
      .refine((t) => !KNOWN_ITEMS.has(t), 'malformed item'),
  })
  .passthrough();

const item = z.union([message, functionCall, functionCallOutput, reasoning, itemReference, otherItem]);

const functionTool = z.object({
  type: z.literal('function'),
  name: z.string().min(1).max(200),
  description: z.string().max(100_000).nullable().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  strict: z.boolean().nullable().optional(),
});
const hostedTool = z
  .object({
    type: z
      .string()
      .max(100)
      .refine((t) => t !== 'function', 'malformed function tool'),
  })
  .passthrough();
const tool = z.union([functionTool, hostedTool]);

const format = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    name: z.string().min(1).max(200),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().max(100_000).optional(),
    strict: z.boolean().nullable().optional(),
  }),
]);

const opt = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

const schema = z.object({
  model: opt(z.string().min(1).max(500)),
  input: z.union([text, z.array(item).max(100_000)]),
  instructions: opt(text),
  tools: opt(z.array(tool).max(1000)),
  tool_choice: opt(
    z.union([
      z.enum(['auto', 'none', 'required']),
      z.object({ type: z.literal('function'), name: z.string().min(1).max(200) }),
      z.object({ type: z.string().max(100) }).passthrough(),
    ]),
  ),
  text: opt(z.object({ format: opt(format), verbosity: opt(z.string().max(20)) }).passthrough()),
  reasoning: opt(
    z.object({ effort: opt(z.string().max(20)), summary: opt(z.string().max(20)) }).passthrough(),
  ),
  max_output_tokens: opt(z.number().int().positive()),
  temperature: opt(z.number().min(0).max(2)),
  top_p: opt(z.number().min(0).max(1)),
  parallel_tool_calls: opt(z.boolean()),
  store: opt(z.boolean()),
  stream: opt(z.boolean()),
  include: opt(z.array(z.string().max(200)).max(50)),
  previous_response_id: opt(z.string().max(500)),
  metadata: opt(z.record(z.string().max(64), z.string().max(512))),
  user: opt(z.string().max(500)),
  prompt_cache_key: opt(z.string().min(1).max(1000)),
});

export type ResponsesWireRequest = z.output<typeof schema>;

/** A parsed Responses request: the router's request, the echo fields, and what could not be mapped. */
export interface ParsedResponsesRequest {
  chat: ChatRequest;
  wire: ResponsesWireRequest;
  stream: boolean;
  /** What a chat-completions upstream cannot take (hosted tools, reasoning settings, …). */
  warnings: RouterWarning[];
}

/** The Responses fields a translation to `ChatRequest` carries; others reach only a Responses upstream. */
export const MODELLED_RESPONSES_FIELDS: ReadonlySet<string> = new Set([
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'text',
  'max_output_tokens',
  'temperature',
  'top_p',
  'store',
  'stream',
  'include',
  'metadata',
  'user',
  'prompt_cache_key',
]);

function refuse(field: string, message: string): RouterError {
  return new RouterError('VALIDATION', `Invalid ${field}: ${message}`, {
    details: { field, issues: [{ field, message }] },
  });
}

export function parseResponsesRequest(body: unknown): ParsedResponsesRequest {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw wireValidationError(parsed.error);
  const r = parsed.data;
  if (r.previous_response_id != null) {
    throw refuse(
      'previous_response_id',
      'this relay is stateless: send the whole conversation in `input` (with store: false and include ["reasoning.encrypted_content"])',
    );
  }
  const warnings: RouterWarning[] = [];
  const messages: ChatMessage[] = [];
  if (r.instructions != null && r.instructions !== '')
    messages.push({ role: 'system', content: r.instructions });
  if (typeof r.input === 'string') messages.push({ role: 'user', content: r.input });
  else appendItems(r.input, messages);
  if (messages.length === 0) throw refuse('input', 'must hold at least one message');

  const chat: ChatRequest = {
    messages,
    wire: { format: 'openai-responses', body: body as Record<string, unknown> },
  };
  if (r.model != null) chat.model = r.model;
  if (r.max_output_tokens != null) chat.maxTokens = r.max_output_tokens;
  if (r.temperature != null) chat.temperature = r.temperature;
  if (r.top_p != null) chat.topP = r.top_p;
  if (r.user != null) chat.user = r.user;
  if (r.prompt_cache_key != null) chat.affinityKey = r.prompt_cache_key;
  if (r.metadata != null) chat.metadata = r.metadata;
  const tools: ToolDefinition[] = [];
  r.tools?.forEach((t, i) => {
    if (t.type === 'function' && 'name' in t) {
      const f = t as z.output<typeof functionTool>;
      tools.push({
        type: 'function',
        function: {
          name: f.name,
          ...(f.description != null ? { description: f.description } : {}),
          ...(f.parameters != null ? { parameters: f.parameters } : {}),
        },
      });
    } else {
      warnings.push({
        code: 'field_dropped',
        message: `tool type "${t.type}" is served only by a Responses upstream and was left out`,
        field: `tools[${i}]`,
      });
    }
  });
  if (tools.length > 0) chat.tools = tools;
  const choice = r.tool_choice;
  if (choice != null) {
    if (typeof choice === 'string') chat.toolChoice = choice;
    else if (choice.type === 'function' && typeof choice.name === 'string') {
      chat.toolChoice = { type: 'function', function: { name: choice.name } };
    } else {
      warnings.push({
        code: 'field_dropped',
        message: 'tool_choice of a hosted tool was left out',
        field: 'tool_choice',
      });
    }
  }
  const f = r.text?.format;
  if (f != null) {
    chat.responseFormat =
      f.type === 'json_schema'
        ? {
            type: 'json_schema',
            json_schema: {
              name: f.name,
              schema: f.schema,
              ...(f.strict != null ? { strict: f.strict } : {}),
            },
          }
        : { type: f.type };
  }
  // Responses-only settings (reasoning, parallel_tool_calls, prompt_cache_key, truncation, …).
  warnings.push(...droppedFields(body as Record<string, unknown>, MODELLED_RESPONSES_FIELDS, 'Responses'));
  return { chat, wire: r, stream: r.stream === true, warnings };
}

type Item = z.output<typeof item>;

/**
 * Items → messages. Consecutive function calls join one assistant turn; reasoning items wait for the
 * assistant turn they belong to (they precede it); a function call output is a tool message.
 */
function appendItems(items: readonly Item[], messages: ChatMessage[]): void {
  let pendingReasoning: ReasoningPart[] = [];
  let lastAssistant: Extract<ChatMessage, { role: 'assistant' }> | undefined;
  const flushReasoning = (): AssistantContentPart[] => {
    const out = pendingReasoning;
    pendingReasoning = [];
    return out;
  };
  items.forEach((raw, i) => {
    const type = (raw as { type?: string }).type ?? 'message';
    if (type === 'message') {
      const m = raw as z.output<typeof message>;
      if (m.role === 'assistant') {
        const content: AssistantContentPart[] = [...flushReasoning(), ...parts(m.content, i)];
        lastAssistant = { role: 'assistant', content };
        messages.push(lastAssistant);
        return;
      }
      lastAssistant = undefined;
      if (m.role === 'system' || m.role === 'developer') {
        messages.push({ role: 'system', content: textOf(m.content) });
      } else
        messages.push({
          role: 'user',
          content: typeof m.content === 'string' ? m.content : parts(m.content, i),
        });
      return;
    }
    if (type === 'function_call') {
      const c = raw as z.output<typeof functionCall>;
      const call = { id: c.call_id, name: c.name, arguments: c.arguments };
      const reasoningParts = flushReasoning();
      if (lastAssistant && reasoningParts.length === 0) {
        lastAssistant.toolCalls = [...(lastAssistant.toolCalls ?? []), call];
      } else {
        lastAssistant = {
          role: 'assistant',
          content: reasoningParts.length ? reasoningParts : null,
          toolCalls: [call],
        };
        messages.push(lastAssistant);
      }
      return;
    }
    if (type === 'function_call_output') {
      const o = raw as z.output<typeof functionCallOutput>;
      lastAssistant = undefined;
      messages.push({ role: 'tool', toolCallId: o.call_id, content: textOf(o.output) });
      return;
    }
    if (type === 'reasoning') {
      pendingReasoning.push(fromReasoningItem(raw as z.output<typeof reasoning>));
      lastAssistant = undefined;
      return;
    }
    if (type === 'item_reference') {
      throw refuse(`input[${i}]`, 'item references need stored responses; this relay is stateless');
    }
    throw refuse(`input[${i}].type`, `"${type}" items are not supported by this relay`);
  });
  if (pendingReasoning.length > 0) messages.push({ role: 'assistant', content: flushReasoning() });
}

function parts(content: string | z.output<typeof contentPart>[], i: number): ContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  const out: ContentPart[] = [];
  content.forEach((p, j) => {
    if (p.type === 'input_text' || p.type === 'output_text' || p.type === 'text')
      out.push({ type: 'text', text: p.text });
    else if (p.type === 'refusal') out.push({ type: 'text', text: p.refusal });
    else if (p.type === 'input_image') {
      if (!p.image_url)
        throw refuse(`input[${i}].content[${j}]`, 'images by file_id are not supported; send image_url');
      out.push({ type: 'image', url: p.image_url });
    } else {
      const url = p.file_data ?? p.file_url;
      if (!url)
        throw refuse(`input[${i}].content[${j}]`, 'files by file_id are not supported; send file_data');
      out.push({ type: 'file', url, ...(p.filename ? { name: p.filename } : {}) });
    }
  });
  return out;
}

function textOf(content: string | z.output<typeof contentPart>[]): string {
  if (typeof content === 'string') return content;
  return content.map((p) => ('text' in p ? p.text : p.type === 'refusal' ? p.refusal : '')).join('');
}
