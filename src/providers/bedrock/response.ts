import type { RateLimitInfo } from '../../types/rate-limit.js';
import type { ReasoningPart, ToolCall } from '../../types/request.js';
import type { FinishReason, UnifiedFinishReason } from '../../types/result.js';
import type { AdapterUsage, ProviderResult } from '../adapter.js';
import { type CallContext, protocolError } from '../shared/context.js';
import { type JsonObject, count, isObject, str } from '../shared/json.js';

const STOP: Record<string, UnifiedFinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};

export function mapStopReason(raw: unknown): FinishReason {
  const value = str(raw);
  if (value === undefined) return { unified: 'other' };
  return { unified: STOP[value] ?? 'other', raw: value };
}

/**
 * Converse `usage`: `inputTokens` leaves out cache reads and writes (as Anthropic does), so the
 * prompt is their sum — the TPM budget counts every token the model read.
 */
export function mapUsage(usage: unknown): AdapterUsage | undefined {
  if (!isObject(usage)) return undefined;
  const input = count(usage.inputTokens);
  const output = count(usage.outputTokens);
  const cacheRead = count(usage.cacheReadInputTokens);
  const cacheWrite = count(usage.cacheWriteInputTokens);
  const out: AdapterUsage = {};
  if (input !== undefined) out.promptTokens = input + (cacheRead ?? 0) + (cacheWrite ?? 0);
  if (output !== undefined) out.completionTokens = output;
  if (out.promptTokens !== undefined && out.completionTokens !== undefined) {
    out.totalTokens = out.promptTokens + out.completionTokens;
  }
  if (cacheRead !== undefined) out.cachedPromptTokens = cacheRead;
  if (cacheWrite !== undefined) out.cacheWriteTokens = cacheWrite;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A `reasoningContent` block → a reasoning part of `family` (text with signature, or redacted). */
export function toReasoningPart(block: JsonObject, family: string): ReasoningPart | undefined {
  if (typeof block.redactedContent === 'string')
    return { type: 'reasoning', family, data: block.redactedContent };
  const r = isObject(block.reasoningText) ? block.reasoningText : undefined;
  if (!r) return undefined;
  const signature = str(r.signature);
  return {
    type: 'reasoning',
    family,
    text: typeof r.text === 'string' ? r.text : '',
    ...(signature ? { signature } : {}),
  };
}

/** A `converse` response body → the result. */
export function fromConverse(
  ctx: CallContext,
  json: unknown,
  rateLimit: RateLimitInfo | undefined,
  family: string,
): ProviderResult {
  if (!isObject(json) || !isObject(json.output) || !isObject(json.output.message))
    throw protocolError(ctx, 'response has no output.message');
  const content = Array.isArray(json.output.message.content) ? json.output.message.content : [];
  let text = '';
  const calls: ToolCall[] = [];
  const reasoning: ReasoningPart[] = [];
  for (const block of content) {
    if (!isObject(block)) continue;
    if (typeof block.text === 'string') text += block.text;
    if (isObject(block.toolUse)) {
      const id = str(block.toolUse.toolUseId);
      const name = str(block.toolUse.name);
      if (!id || !name) throw protocolError(ctx, 'a toolUse block has no toolUseId or name');
      calls.push({ id, name, arguments: JSON.stringify(block.toolUse.input ?? {}) });
    }
    if (isObject(block.reasoningContent)) {
      const part = toReasoningPart(block.reasoningContent, family);
      if (part) reasoning.push(part);
    }
  }
  const usage = mapUsage(json.usage);
  return {
    message: {
      role: 'assistant',
      content: text,
      ...(calls.length > 0 ? { toolCalls: calls } : {}),
      ...(reasoning.length > 0 ? { reasoning } : {}),
    },
    finishReason: mapStopReason(json.stopReason),
    ...(usage ? { usage } : {}),
    ...(rateLimit ? { rateLimit } : {}),
    raw: json,
  };
}
