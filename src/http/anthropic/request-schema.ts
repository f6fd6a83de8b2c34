import { z } from 'zod';

/*
 * Anthropic's Messages request, as clients send it. Objects are loose: fields this code does not
 * model (`citations`, `context`, `container`, `mcp_servers`, betas added later) are kept, since the
 * original body is what an Anthropic upstream receives. Block types this code does not know are
 * accepted too (server tools' results, search results): they pass through to an Anthropic upstream
 * and are left out, with a warning, when another format serves.
 */

const str = z.string().max(10_000_000);
const id = z.string().min(1).max(500);
export const cacheControlSchema = z
  .looseObject({ type: z.literal('ephemeral'), ttl: z.string().max(20).optional() })
  .nullable()
  .optional();
const cc = { cache_control: cacheControlSchema };

const base64Source = z.looseObject({
  type: z.literal('base64'),
  media_type: z.string().max(200),
  data: z.string().max(40_000_000),
});
const urlSource = z.looseObject({ type: z.literal('url'), url: z.string().max(20_000) });
const fileSource = z.looseObject({ type: z.literal('file'), file_id: id });
const textSource = z.looseObject({ type: z.literal('text'), media_type: z.string().max(200), data: str });
const contentSource = z.looseObject({
  type: z.literal('content'),
  content: z.union([str, z.array(z.unknown())]),
});

export const textBlock = z.looseObject({ type: z.literal('text'), text: str, ...cc });
export const imageBlock = z.looseObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [base64Source, urlSource, fileSource]),
  ...cc,
});
export const documentBlock = z.looseObject({
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [base64Source, urlSource, fileSource, textSource, contentSource]),
  title: z.string().max(10_000).nullable().optional(),
  ...cc,
});
export const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id,
  name: z.string().min(1).max(500),
  input: z.record(z.string(), z.unknown()),
  ...cc,
});
export const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: id,
  content: z.union([str, z.array(z.looseObject({ type: z.string().max(100) })).max(10_000)]).optional(),
  is_error: z.boolean().optional(),
  ...cc,
});
export const thinkingBlock = z.looseObject({ type: z.literal('thinking'), thinking: str, signature: str });
export const redactedThinkingBlock = z.looseObject({ type: z.literal('redacted_thinking'), data: str });

/** Known block types and their schemas; any other `type` is accepted as it is. */
export const BLOCKS: Record<string, z.ZodType> = {
  text: textBlock,
  image: imageBlock,
  document: documentBlock,
  tool_use: toolUseBlock,
  tool_result: toolResultBlock,
  thinking: thinkingBlock,
  redacted_thinking: redactedThinkingBlock,
};

const block = z.looseObject({ type: z.string().min(1).max(100) }).superRefine((value, ctx) => {
  const schema = BLOCKS[value.type];
  if (!schema) return;
  const parsed = schema.safeParse(value);
  if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ ...issue } as never);
});

const message = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([str, z.array(block).max(10_000)]),
});

const tool = z.looseObject({
  // Custom tools have no type (or `custom`); server tools (`web_search_20250305`, `bash_20250124`, …) name theirs.
  type: z.string().max(100).nullable().optional(),
  name: z.string().min(1).max(200),
  description: z.string().max(100_000).optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
  ...cc,
});

const toolChoice = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('none') }),
  z.looseObject({
    type: z.literal('tool'),
    name: z.string().min(1).max(200),
    disable_parallel_tool_use: z.boolean().optional(),
  }),
]);

const fields = {
  model: z.string().min(1).max(500).optional(),
  messages: z.array(message).min(1).max(100_000),
  system: z.union([str, z.array(textBlock).max(10_000)]).optional(),
  tools: z.array(tool).max(1000).optional(),
  tool_choice: toolChoice.optional(),
  thinking: z.looseObject({ type: z.string().max(100) }).optional(),
};

/** `POST /v1/messages`. */
export const messagesRequestSchema = z.looseObject({
  ...fields,
  max_tokens: z.number().int().positive().max(100_000_000),
  metadata: z.looseObject({ user_id: z.string().max(500).nullable().optional() }).optional(),
  stop_sequences: z.array(z.string().max(1000)).max(64).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().positive().optional(),
});

/** `POST /v1/messages/count_tokens`. */
export const countTokensRequestSchema = z.looseObject(fields);

export type MessagesRequest = z.output<typeof messagesRequestSchema>;
export type CountTokensRequest = z.output<typeof countTokensRequestSchema>;
export type WireMessage = MessagesRequest['messages'][number];
export type WireBlock = z.output<typeof block>;
