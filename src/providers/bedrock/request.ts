import type {
  AssistantContentPart,
  CacheControl,
  ChatMessage,
  ContentPart,
  ToolChoice,
  ToolDefinition,
} from '../../types/request.js';
import type { ProviderCall } from '../adapter.js';
import { type CallContext, providerError } from '../shared/context.js';
import type { JsonObject } from '../shared/json.js';
import { dataUrl, toolArgumentsObject } from '../shared/tool-arguments.js';
import { Warnings } from '../shared/warnings.js';

/**
 * The reasoning family of a Bedrock model. Claude's thinking signatures are valid across Anthropic,
 * Bedrock and Vertex, so Claude models share the `anthropic` family; other models' reasoning
 * (Nova, DeepSeek-R1) stays `bedrock`.
 */
export function reasoningFamily(modelId: string): string {
  return /(?:^|[.:/])anthropic\.|claude/i.test(modelId) ? 'anthropic' : 'bedrock';
}

type Role = 'user' | 'assistant';
interface Turn {
  role: Role;
  content: JsonObject[];
}

const IMAGE_FORMATS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};
const DOCUMENT_FORMATS: Record<string, string> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
};

/** Bedrock fetches nothing from the web: base64 `data:` URLs go as bytes, `s3://` URIs by location. */
function source(ctx: CallContext, url: string, what: string): JsonObject {
  const inline = dataUrl(url);
  if (inline) return { bytes: inline.data };
  if (url.startsWith('s3://')) return { s3Location: { uri: url } };
  throw providerError(ctx, {
    kind: 'bad_request',
    message: `${ctx.adapter}: ${what} must be a base64 data: URL or an s3:// URI`,
  });
}

function mediaBlock(ctx: CallContext, part: Extract<ContentPart, { type: 'image' | 'file' }>): JsonObject {
  const type = (dataUrl(part.url)?.mediaType ?? part.mediaType ?? '').toLowerCase();
  const ext = /\.([a-z]{2,4})(?:[?#].*)?$/i.exec(part.url)?.[1]?.toLowerCase();
  if (part.type === 'image') {
    const format =
      IMAGE_FORMATS[type] ??
      (ext === 'jpg' ? 'jpeg' : ext && Object.values(IMAGE_FORMATS).includes(ext) ? ext : undefined);
    if (!format)
      throw providerError(ctx, {
        kind: 'bad_request',
        message: `${ctx.adapter}: images must be png, jpeg, gif or webp`,
      });
    return { image: { format, source: source(ctx, part.url, 'an image') } };
  }
  const format =
    DOCUMENT_FORMATS[type] ?? (ext && Object.values(DOCUMENT_FORMATS).includes(ext) ? ext : undefined);
  if (!format)
    throw providerError(ctx, { kind: 'bad_request', message: `${ctx.adapter}: unsupported document type` });
  // Converse allows letters, digits, spaces, hyphens, parentheses and brackets in names.
  const name =
    (part.name ?? 'document')
      .replace(/[^A-Za-z0-9 ()[\]-]/g, ' ')
      .trim()
      .slice(0, 200) || 'document';
  return { document: { format, name, source: source(ctx, part.url, 'a document') } };
}

const CACHE_POINT = { cachePoint: { type: 'default' } };
const withCache = (block: JsonObject, cache: CacheControl | undefined): JsonObject[] =>
  cache ? [block, CACHE_POINT] : [block];

function contentBlocks(
  ctx: CallContext,
  content: string | AssistantContentPart[] | null,
  family: string,
  warnings: Warnings,
  field: string,
): JsonObject[] {
  if (content === null) return [];
  if (typeof content === 'string') return content.trim() === '' ? [] : [{ text: content }];
  const out: JsonObject[] = [];
  content.forEach((part, i) => {
    if (part.type === 'text') {
      // Bedrock refuses blank text blocks.
      if (part.text.trim() !== '') out.push(...withCache({ text: part.text }, part.cacheControl));
    } else if (part.type === 'reasoning') {
      if (part.family !== family) {
        warnings.add(
          'reasoning_dropped',
          `reasoning from the "${part.family}" family cannot be sent to this Bedrock model and was left out`,
          `${field}[${i}]`,
        );
      } else if (part.data) out.push({ reasoningContent: { redactedContent: part.data } });
      else if (part.text !== undefined || part.signature) {
        out.push({
          reasoningContent: {
            reasoningText: {
              text: part.text ?? '',
              ...(part.signature ? { signature: part.signature } : {}),
            },
          },
        });
      }
    } else out.push(...withCache(mediaBlock(ctx, part), part.cacheControl));
  });
  return out;
}

/**
 * Messages → `system` blocks and Converse turns: reasoning of the model's family goes back before
 * the text (Claude checks it on tool-use turns), tool calls as `toolUse`, tool results as
 * `toolResult` blocks in a user turn, cache breakpoints as `cachePoint` blocks; consecutive turns
 * of one role are merged (Converse requires alternation).
 */
export function toConverseMessages(
  ctx: CallContext,
  messages: readonly ChatMessage[],
  family: string,
  warnings: Warnings = new Warnings(),
): { system: JsonObject[]; turns: Turn[] } {
  const system: JsonObject[] = [];
  const turns: Turn[] = [];
  const push = (role: Role, blocks: JsonObject[]): void => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  messages.forEach((message, m) => {
    const field = `messages[${m}].content`;
    switch (message.role) {
      case 'system':
        if (message.content.trim() !== '')
          system.push(...withCache({ text: message.content }, message.cacheControl));
        break;
      case 'user':
        push('user', contentBlocks(ctx, message.content, family, warnings, field));
        break;
      case 'assistant': {
        const blocks = contentBlocks(ctx, message.content, family, warnings, field);
        // Reasoning first, as the model produced it.
        blocks.sort((a, b) => Number('reasoningContent' in b) - Number('reasoningContent' in a));
        push('assistant', [
          ...blocks,
          ...(message.toolCalls ?? []).map((call) => ({
            toolUse: {
              toolUseId: call.id,
              name: call.name,
              input: toolArgumentsObject(ctx, call.name, call.arguments),
            },
          })),
        ]);
        break;
      }
      case 'tool':
        push('user', [
          ...withCache(
            {
              toolResult: {
                toolUseId: message.toolCallId,
                content: [{ text: message.content }],
                ...(message.isError ? { status: 'error' } : {}),
              },
            },
            message.cacheControl,
          ),
        ]);
        break;
    }
  });
  return { system, turns };
}

function toTool(tool: ToolDefinition): JsonObject[] {
  return withCache(
    {
      toolSpec: {
        name: tool.function.name,
        ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
        inputSchema: { json: tool.function.parameters ?? { type: 'object', properties: {} } },
      },
    },
    tool.cacheControl,
  );
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
export function toConverseBody(
  ctx: CallContext,
  call: ProviderCall,
): { body: JsonObject; warnings: Warnings } {
  const r = call.request;
  const warnings = new Warnings();
  const family = reasoningFamily(call.model.modelId);
  const { system, turns } = toConverseMessages(ctx, r.messages, family, warnings);
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
    body.toolConfig = { tools: r.tools.flatMap(toTool), ...(toolChoice ? { toolChoice } : {}) };
  }
  if (r.topK !== undefined) {
    // Converse has no top-k of its own; Claude takes it as a model field.
    if (family === 'anthropic') body.additionalModelRequestFields = { top_k: r.topK };
    else
      warnings.add('field_dropped', 'top_k has no Converse field for this model and was left out', 'top_k');
  }
  Object.assign(body, r.providerOptions?.[call.provider.id]);
  return { body, warnings };
}
