import type { RateLimitInfo } from '../../types/rate-limit.js';
import type { ReasoningPart, ToolCall } from '../../types/request.js';
import type { FinishReason, UnifiedFinishReason } from '../../types/result.js';
import type { AdapterUsage, ProviderResult } from '../adapter.js';
import { type CallContext, protocolError, providerError } from '../shared/context.js';
import { errorFromBody, isErrorBody } from '../shared/http.js';
import { count, isObject, str } from '../shared/json.js';
import { GEMINI_FAMILY } from './request.js';

const FINISH: Record<string, UnifiedFinishReason> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  IMAGE_PROHIBITED_CONTENT: 'content_filter',
  MALFORMED_FUNCTION_CALL: 'error',
  UNEXPECTED_TOOL_CALL: 'error',
  TOO_MANY_TOOL_CALLS: 'error',
};

/** A candidate's `finishReason`; `STOP` after function calls is `tool_calls`, as callers expect. */
export function mapFinishReason(raw: string | undefined, hasToolCalls: boolean): FinishReason {
  if (raw === undefined) return { unified: hasToolCalls ? 'tool_calls' : 'other' };
  const unified = FINISH[raw] ?? 'other';
  return { unified: unified === 'stop' && hasToolCalls ? 'tool_calls' : unified, raw };
}

/**
 * `usageMetadata` → usage. Thought tokens are output the key pays for (`candidatesTokenCount`
 * leaves them out), so they count as completion tokens; cached tokens are part of
 * `promptTokenCount` and reported as `cachedPromptTokens`; thought tokens are also reported apart,
 * as `reasoningTokens`.
 */
export function mapUsage(meta: unknown): AdapterUsage | undefined {
  if (!isObject(meta)) return undefined;
  const prompt = count(meta.promptTokenCount);
  const toolPrompt = count(meta.toolUsePromptTokenCount) ?? 0;
  const candidates = count(meta.candidatesTokenCount);
  const thoughts = count(meta.thoughtsTokenCount);
  const cached = count(meta.cachedContentTokenCount);
  const total = count(meta.totalTokenCount);
  const out: AdapterUsage = {};
  if (prompt !== undefined) out.promptTokens = prompt + toolPrompt;
  if (candidates !== undefined || thoughts !== undefined) {
    out.completionTokens = (candidates ?? 0) + (thoughts ?? 0);
  }
  if (total !== undefined) out.totalTokens = total;
  if (cached !== undefined) out.cachedPromptTokens = cached;
  if (thoughts !== undefined) out.reasoningTokens = thoughts;
  return Object.keys(out).length > 0 ? out : undefined;
}

export type ChunkItem =
  | { kind: 'text'; text: string }
  | { kind: 'thought'; text: string }
  | { kind: 'signature'; signature: string }
  | { kind: 'call'; name: string; args: string; id?: string; signature?: string }
  /** One part of a call whose arguments are streamed (`partialArgs` / `willContinue`, Gemini 3 on Vertex). */
  | {
      kind: 'call-part';
      name?: string;
      id?: string;
      signature?: string;
      args?: unknown;
      partialArgs: unknown[];
      willContinue: boolean;
    };

/** What one `GenerateContentResponse` (a whole answer or one stream chunk) holds for the router. */
export interface GeminiChunk {
  /** Answer text, thought summaries, function calls and text signatures, in the order of the parts. */
  items: ChunkItem[];
  finishReason?: string;
  usage?: AdapterUsage;
  responseId?: string;
  modelVersion?: string;
}

/**
 * Read one response object. Error bodies (also mid-stream) are thrown as the error they describe;
 * a prompt blocked before any candidate (`promptFeedback.blockReason`) is `content_filter`.
 */
export function readChunk(ctx: CallContext, json: unknown): GeminiChunk {
  if (isErrorBody(json)) throw errorFromBody(ctx, json);
  if (!isObject(json)) throw protocolError(ctx, 'a response is not a JSON object');
  const candidates = Array.isArray(json.candidates) ? json.candidates : [];
  const feedback = isObject(json.promptFeedback) ? json.promptFeedback : {};
  const blockReason = str(feedback.blockReason);
  if (blockReason && candidates.length === 0) {
    throw providerError(ctx, {
      kind: 'content_filter',
      message: `${ctx.adapter}: the prompt was blocked (${blockReason.slice(0, 100)})`,
      body: json,
    });
  }
  const chunk: GeminiChunk = { items: [] };
  const usage = mapUsage(json.usageMetadata);
  if (usage) chunk.usage = usage;
  const responseId = str(json.responseId);
  if (responseId) chunk.responseId = responseId;
  const modelVersion = str(json.modelVersion);
  if (modelVersion) chunk.modelVersion = modelVersion;
  const candidate = candidates.find((c) => isObject(c) && (c.index ?? 0) === 0);
  if (!isObject(candidate)) return chunk;
  const finishReason = str(candidate.finishReason);
  if (finishReason) chunk.finishReason = finishReason;
  const content = isObject(candidate.content) ? candidate.content : {};
  const parts = Array.isArray(content.parts) ? content.parts : [];
  for (const part of parts) {
    if (!isObject(part)) continue;
    const signature = str(part.thoughtSignature);
    if (isObject(part.functionCall)) {
      const fc = part.functionCall;
      const name = str(fc.name);
      if (fc.willContinue === true || fc.partialArgs !== undefined || !name) {
        const id = str(fc.id);
        if (fc.partialArgs !== undefined && !Array.isArray(fc.partialArgs))
          throw protocolError(ctx, 'functionCall.partialArgs is not an array');
        chunk.items.push({
          kind: 'call-part',
          partialArgs: (fc.partialArgs as unknown[] | undefined) ?? [],
          willContinue: fc.willContinue === true,
          ...(name ? { name } : {}),
          ...(id ? { id } : {}),
          ...(signature ? { signature } : {}),
          ...(fc.args !== undefined && fc.args !== null ? { args: fc.args } : {}),
        });
        continue;
      }
      if (!name) throw protocolError(ctx, 'a functionCall part has no name');
      const args = part.functionCall.args;
      const id = str(part.functionCall.id);
      chunk.items.push({
        kind: 'call',
        name,
        args: args === undefined || args === null ? '{}' : JSON.stringify(args),
        ...(id ? { id } : {}),
        ...(signature ? { signature } : {}),
      });
      continue;
    }
    const text = typeof part.text === 'string' ? part.text : '';
    // Thought summaries (`thought: true`) are reasoning, not the answer.
    if (text !== '') chunk.items.push({ kind: part.thought === true ? 'thought' : 'text', text });
    if (signature) chunk.items.push({ kind: 'signature', signature });
  }
  return chunk;
}

/** A whole `generateContent` response → the result (candidate 0). */
export function fromGenerateContent(
  ctx: CallContext,
  json: unknown,
  rateLimit: RateLimitInfo | undefined,
  generateId: () => string,
): ProviderResult {
  const chunk = readChunk(ctx, json);
  let content = '';
  const toolCalls: ToolCall[] = [];
  const reasoning: ReasoningPart[] = [];
  let thought: ReasoningPart | undefined;
  for (const item of chunk.items) {
    if (item.kind === 'text') content += item.text;
    else if (item.kind === 'thought') {
      if (!thought) {
        thought = { type: 'reasoning', family: GEMINI_FAMILY, text: '' };
        reasoning.push(thought);
      }
      thought.text += item.text;
    } else if (item.kind === 'signature') {
      reasoning.push({ type: 'reasoning', family: GEMINI_FAMILY, signature: item.signature });
    } else if (item.kind === 'call-part') {
      throw protocolError(ctx, 'a partial function call in a whole (non-streamed) response');
    } else {
      const id = item.id ?? generateId();
      toolCalls.push({ id, name: item.name, arguments: item.args });
      if (item.signature)
        reasoning.push({ type: 'reasoning', family: GEMINI_FAMILY, signature: item.signature, id });
    }
  }
  return {
    message: {
      role: 'assistant',
      content,
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      ...(reasoning.length > 0 ? { reasoning } : {}),
    },
    finishReason: mapFinishReason(chunk.finishReason, toolCalls.length > 0),
    ...(chunk.usage ? { usage: chunk.usage } : {}),
    ...(rateLimit ? { rateLimit } : {}),
    ...(chunk.responseId ? { id: chunk.responseId } : {}),
    ...(chunk.modelVersion ? { responseModel: chunk.modelVersion } : {}),
    raw: json,
  };
}
