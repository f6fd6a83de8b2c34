import { z } from 'zod';
import { invalid, parseOrThrow } from './errors/validation.js';
import { isTag, tagsSchema } from './catalog/inputs.js';
import type { ChatRequest } from './types/request.js';
import { MAX_JSON_DEPTH, tooDeep } from './util/json-depth.js';

const text = z.string().max(10_000_000);
const cacheControl = z
  .object({ type: z.literal('ephemeral'), ttl: z.string().max(20).optional() })
  .optional();
const textPart = z.object({ type: z.literal('text'), text, cacheControl });
const mediaPart = <T extends string>(type: T) =>
  z.object({
    type: z.literal(type),
    url: z.string().max(40_000_000),
    mediaType: z.string().max(200).optional(),
    name: z.string().max(1000).optional(),
    cacheControl,
  });
const contentPart = z.discriminatedUnion('type', [textPart, mediaPart('image'), mediaPart('file')]);
const reasoningPart = z.object({
  type: z.literal('reasoning'),
  family: z.string().min(1).max(100),
  text: text.optional(),
  signature: text.optional(),
  data: text.optional(),
  id: z.string().max(1000).optional(),
});
const content = z.union([text, z.array(contentPart).max(10_000)]);
const assistantContent = z.union([
  text,
  z
    .array(z.discriminatedUnion('type', [textPart, mediaPart('image'), mediaPart('file'), reasoningPart]))
    .max(10_000),
]);
const toolCall = z.object({ id: z.string().max(500), name: z.string().min(1).max(500), arguments: text });

const message = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: text, cacheControl }),
  z.object({ role: z.literal('user'), content, name: z.string().max(200).optional() }),
  z.object({
    role: z.literal('assistant'),
    content: assistantContent.nullable(),
    toolCalls: z.array(toolCall).max(1000).optional(),
  }),
  z.object({
    role: z.literal('tool'),
    content: text,
    toolCallId: z.string().min(1).max(500),
    isError: z.boolean().optional(),
    cacheControl,
  }),
]);

const requestSchema = z.strictObject({
  model: z
    .union([z.string().min(1).max(640), z.custom<() => string>((v) => typeof v === 'function')])
    .optional(),
  messages: z.array(message).min(1).max(100_000),
  maxTokens: z.number().int().positive().max(100_000_000).optional(),
  temperature: z.number().min(0).max(10).optional(),
  topP: z.number().min(0).max(1).optional(),
  topK: z.number().int().positive().max(1_000_000).optional(),
  stop: z.union([z.string().max(1000), z.array(z.string().max(1000)).max(64)]).optional(),
  tools: z
    .array(
      z.object({
        type: z.literal('function'),
        function: z.object({
          name: z.string().min(1).max(200),
          description: z.string().max(100_000).optional(),
          parameters: z.record(z.string(), z.unknown()).optional(),
        }),
        cacheControl,
      }),
    )
    .max(1000)
    .optional(),
  toolChoice: z
    .union([
      z.enum(['auto', 'none', 'required']),
      z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1).max(200) }) }),
    ])
    .optional(),
  responseFormat: z
    .union([
      z.object({ type: z.literal('text') }),
      z.object({ type: z.literal('json_object') }),
      z.object({
        type: z.literal('json_schema'),
        json_schema: z.object({
          name: z.string().min(1).max(200),
          schema: z.record(z.string(), z.unknown()).optional(),
          strict: z.boolean().optional(),
        }),
      }),
    ])
    .optional(),
  user: z.string().max(500).optional(),
  affinityKey: z.string().min(1).max(1000).optional(),
  maxCostUsd: z.number().positive().finite().max(1_000_000).optional(),
  tags: tagsSchema.optional(),
  metadata: z.record(z.string().max(200), z.string().max(10_000)).optional(),
  providerOptions: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  wire: z
    .object({
      format: z.enum(['anthropic-messages', 'openai-chat', 'openai-responses']),
      // The front door validated the body in its own format; here it only has to be an object.
      body: z.custom<Record<string, unknown>>(
        (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
      ),
      headers: z.record(z.string().max(200), z.string().max(10_000)).optional(),
    })
    .optional(),
});

/** Validate a request at the boundary; `VALIDATION` names the field (`request.messages[0].content`). */
export function validateRequest(request: unknown): ChatRequest {
  if (plainChat(request)) return request;
  if (typeof request !== 'object' || request === null) {
    return parseOrThrow(requestSchema, request, 'request') as ChatRequest;
  }
  parseOrThrow(requestSchema, request, 'request');
  checkDepth(request as ChatRequest);
  // The caller's object is passed on as is (zod's copy would drop functions' identity and cost a clone).
  return request as ChatRequest;
}

/**
 * The common request — a model name, text messages (system, user, assistant), the scalar
 * options (maxTokens, temperature, topP, user, affinityKey, maxCostUsd, tags) and a front door's
 * `wire` body (a relay request) — checked without zod. Only says yes to what the schema accepts: anything else (another field, a part array, a tool
 * message, a bound exceeded) goes to the schema, which names the field.
 */
function plainChat(request: unknown): request is ChatRequest {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return false;
  const r = request as Record<string, unknown>;
  for (const key in r) {
    if (key === 'model' || key === 'messages') continue;
    // An unknown key is the schema's to refuse, even when its value is undefined.
    const check = SCALARS[key];
    if (check === undefined) return false;
    const v = r[key];
    if (v !== undefined && !check(v)) return false;
  }
  const model = r.model;
  if (model !== undefined && (typeof model !== 'string' || model.length < 1 || model.length > 640))
    return false;
  const messages = r.messages;
  if (!Array.isArray(messages) || messages.length < 1 || messages.length > 100_000) return false;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Record<string, unknown> | null | undefined;
    if (typeof m !== 'object' || m === null) return false;
    const content = m.content;
    if (typeof content !== 'string' || content.length > 10_000_000) return false;
    const role = m.role;
    if (role === 'user') {
      if (m.name !== undefined) return false;
    } else if (role === 'system') {
      if (m.cacheControl !== undefined) return false;
    } else if (role !== 'assistant' || m.toolCalls !== undefined) return false;
  }
  return true;
}

const isNumber = (v: unknown): v is number => typeof v === 'number';
const textUpTo = (min: number, max: number) => (v: unknown) =>
  typeof v === 'string' && v.length >= min && v.length <= max;

/** The schema's scalar fields, as plain checks (NaN fails every comparison, as zod refuses it). */
const SCALARS: Record<string, (v: unknown) => boolean> = {
  __proto__: null as never,
  maxTokens: (v) => isNumber(v) && Number.isInteger(v) && v > 0 && v <= 100_000_000,
  temperature: (v) => isNumber(v) && v >= 0 && v <= 10,
  topP: (v) => isNumber(v) && v >= 0 && v <= 1,
  user: textUpTo(0, 500),
  affinityKey: textUpTo(1, 1000),
  maxCostUsd: (v) => isNumber(v) && v > 0 && v <= 1_000_000,
  tags: (v) => {
    if (!Array.isArray(v) || v.length > 64) return false;
    // Index by index: a hole is undefined to the schema, which refuses it.
    for (let i = 0; i < v.length; i++) {
      const t: unknown = v[i];
      if (typeof t !== 'string' || t.length < 1 || t.length > 100 || !isTag(t)) return false;
    }
    return true;
  },
  // A front door's body (validated there in its own format): here only its shape, as the schema.
  wire: (v) => {
    if (typeof v !== 'object' || v === null) return false;
    const w = v as Record<string, unknown>;
    for (const key in w) if (key !== 'format' && key !== 'body') return false;
    const body = w.body;
    return WIRE_FORMATS.has(w.format) && typeof body === 'object' && body !== null && !Array.isArray(body);
  },
};

const WIRE_FORMATS: ReadonlySet<unknown> = new Set(['anthropic-messages', 'openai-chat', 'openai-responses']);

/** The open-ended fields (free JSON) must not nest deeper than `MAX_JSON_DEPTH`. */
function checkDepth(request: ChatRequest): void {
  const fields: Array<[string, unknown]> = [];
  for (const [i, t] of (request.tools ?? []).entries())
    fields.push([`request.tools[${i}].function.parameters`, t.function.parameters]);
  const format = request.responseFormat;
  if (format?.type === 'json_schema')
    fields.push(['request.responseFormat.json_schema.schema', format.json_schema.schema]);
  for (const [id, options] of Object.entries(request.providerOptions ?? {}))
    fields.push([`request.providerOptions.${id}`, options]);
  for (const [field, value] of fields) {
    if (tooDeep(value)) throw invalid(field, `nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
}
