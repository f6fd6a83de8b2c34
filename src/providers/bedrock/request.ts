import type { ChatMessage, ContentPart, ToolChoice, ToolDefinition } from '../../types/request.js';
import type { ProviderCall } from '../adapter.js';
import { type CallContext, providerError } from '../shared/context.js';
import { type JsonObject, isObject } from '../shared/json.js';
import { dataUrl, toolArgumentsObject } from '../shared/tool-arguments.js';

/** The provider family whose `providerMetadata` entry this adapter reads and writes. */
export const FAMILY = 'bedrock';

type Role = 'user' | 'assistant';
interface Turn {
  role: Role;
  content: JsonObject[];
}

const FORMATS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

function imageBlock(ctx: CallContext, part: Extract<ContentPart, { type: 'image' }>): JsonObject {
  const inline = dataUrl(part.url);
  const type = (inline?.mediaType ?? part.mediaType ?? '').toLowerCase();
  const ext = /\.([a-z]{3,4})(?:[?#].*)?$/i.exec(part.url)?.[1]?.toLowerCase();
  const format =
    FORMATS[type] ?? (ext === 'jpg' ? 'jpeg' : ext && Object.values(FORMATS).includes(ext) ? ext : undefined);
  if (inline && format) return { image: { format, source: { bytes: inline.data } } };
  if (part.url.startsWith('s3://') && format)
    return { image: { format, source: { s3Location: { uri: part.url } } } };
  // Bedrock fetches nothing from the web: a URL it cannot take is the caller's to fix.
  throw providerError(ctx, {
    kind: 'bad_request',
    message: `${ctx.adapter}: images must be base64 data: URLs or s3:// URIs of a png, jpeg, gif or webp`,
  });
}

function textBlocks(content: string | ContentPart[] | null, ctx: CallContext): JsonObject[] {
  if (content === null) return [];
  const parts: ContentPart[] = typeof content === 'string' ? [{ type: 'text', text: content }] : content;
  // Bedrock refuses blank text blocks.
  return parts
    .filter((part) => part.type !== 'text' || part.text.trim() !== '')
    .map((part) => (part.type === 'text' ? { text: part.text } : imageBlock(ctx, part)));
}

/** Reasoning blocks this family gave on an earlier turn: Claude wants them back before tool use. */
function reasoningBlocks(message: Extract<ChatMessage, { role: 'assistant' }>): JsonObject[] {
  const ours = message.providerMetadata?.[FAMILY];
  const blocks = isObject(ours) && Array.isArray(ours.reasoning) ? ours.reasoning : [];
  return blocks.filter(isObject).map((reasoningContent) => ({ reasoningContent }));
}

/**
 * Messages → `system` blocks and Converse turns: tool calls as `toolUse`, tool results as
 * `toolResult` blocks in a user turn, consecutive turns of one role merged (Converse requires
 * alternation, and every result of a turn in the one user message after it).
 */
export function toConverseMessages(
  ctx: CallContext,
  messages: readonly ChatMessage[],
): { system: JsonObject[]; turns: Turn[] } {
  const system: JsonObject[] = [];
  const turns: Turn[] = [];
  const push = (role: Role, blocks: JsonObject[]): void => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        if (message.content.trim() !== '') system.push({ text: message.content });
        break;
      case 'user':
        push('user', textBlocks(message.content, ctx));
        break;
      case 'assistant':
        push('assistant', [
          ...reasoningBlocks(message),
          ...textBlocks(message.content, ctx),
          ...(message.toolCalls ?? []).map((call) => ({
            toolUse: {
              toolUseId: call.id,
              name: call.name,
              input: toolArgumentsObject(ctx, call.name, call.arguments),
            },
          })),
        ]);
        break;
      case 'tool':
        push('user', [
          { toolResult: { toolUseId: message.toolCallId, content: [{ text: message.content }] } },
        ]);
        break;
    }
  }
  return { system, turns };
}

function toTool(tool: ToolDefinition): JsonObject {
  return {
    toolSpec: {
      name: tool.function.name,
      ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
      inputSchema: { json: tool.function.parameters ?? { type: 'object', properties: {} } },
    },
  };
}

function toToolChoice(choice: ToolChoice): JsonObject | undefined {
  if (choice === 'auto') return { auto: {} };
  if (choice === 'required') return { any: {} };
  // Converse has no "none": the tools stay declared (a history with toolUse needs them) and the
  // model chooses — documented in the README.
  if (choice === 'none') return undefined;
  return { tool: { name: choice.function.name } };
}

/**
 * The Converse body (model id goes in the URL). `providerOptions[provider.id]` is merged last:
 * `additionalModelRequestFields` (`thinking`, `top_k`), `guardrailConfig`, `performanceConfig`, …
 */
export function toConverseBody(ctx: CallContext, call: ProviderCall): JsonObject {
  const r = call.request;
  const { system, turns } = toConverseMessages(ctx, r.messages);
  const body: JsonObject = { messages: turns };
  if (system.length > 0) body.system = system;
  const inference: JsonObject = {};
  const maxTokens = r.maxTokens ?? call.model.maxOutputTokens;
  if (maxTokens !== undefined) inference.maxTokens = maxTokens;
  if (r.temperature !== undefined) inference.temperature = r.temperature;
  if (r.topP !== undefined) inference.topP = r.topP;
  if (r.stop !== undefined) inference.stopSequences = typeof r.stop === 'string' ? [r.stop] : r.stop;
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;
  if (r.tools?.length) {
    const toolChoice = r.toolChoice === undefined ? undefined : toToolChoice(r.toolChoice);
    body.toolConfig = { tools: r.tools.map(toTool), ...(toolChoice ? { toolChoice } : {}) };
  }
  Object.assign(body, r.providerOptions?.[call.provider.id]);
  return body;
}
