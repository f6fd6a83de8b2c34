import type { RateLimitInfo } from '../../types/rate-limit.js';
import type { ReasoningPart, ToolCall } from '../../types/request.js';
import type { FinishReason, UnifiedFinishReason } from '../../types/result.js';
import type { AdapterUsage, ProviderResult } from '../adapter.js';
import { type CallContext, protocolError } from '../shared/context.js';
import { errorFromBody, isErrorBody } from '../shared/http.js';
import { count, isObject, str } from '../shared/json.js';
import { ANTHROPIC_FAMILY } from './blocks.js';

const STOP: Record<string, UnifiedFinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function mapStopReason(raw: unknown): FinishReason {
  const value = str(raw);
  if (value === undefined) return { unified: 'other' };
  return { unified: STOP[value] ?? 'other', raw: value };
}

/** Token counts as Anthropic reports them, field by field (stream events carry some of them). */
export interface AnthropicTokens {
  input?: number;
  cacheCreation?: number;
  cacheRead?: number;
  output?: number;
}

/** Read the fields present in an Anthropic `usage` object into `into` (later reports win). */
export function readTokens(usage: unknown, into: AnthropicTokens): void {
  if (!isObject(usage)) return;
  const input = count(usage.input_tokens);
  const cacheCreation = count(usage.cache_creation_input_tokens);
  const cacheRead = count(usage.cache_read_input_tokens);
  const output = count(usage.output_tokens);
  if (input !== undefined) into.input = input;
  if (cacheCreation !== undefined) into.cacheCreation = cacheCreation;
  if (cacheRead !== undefined) into.cacheRead = cacheRead;
  if (output !== undefined) into.output = output;
}

/**
 * Prompt tokens are every input token the model read: uncached input plus cache writes and cache
 * reads (Anthropic reports them apart; billing differs, the TPM budget does not).
 */
export function toUsage(tokens: AnthropicTokens): AdapterUsage | undefined {
  const out: AdapterUsage = {};
  if (tokens.input !== undefined) {
    out.promptTokens = tokens.input + (tokens.cacheCreation ?? 0) + (tokens.cacheRead ?? 0);
  }
  if (tokens.output !== undefined) out.completionTokens = tokens.output;
  if (tokens.cacheRead !== undefined) out.cachedPromptTokens = tokens.cacheRead;
  if (tokens.cacheCreation !== undefined) out.cacheWriteTokens = tokens.cacheCreation;
  if (out.promptTokens !== undefined && out.completionTokens !== undefined) {
    out.totalTokens = out.promptTokens + out.completionTokens;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * A Messages API response body → `ProviderResult`. Text blocks are joined; thinking and redacted
 * thinking become reasoning parts of the `anthropic` family (signatures kept); the body itself rides
 * along as `wire`, so a relay client of the same format gets it unchanged.
 */
export function fromMessage(
  ctx: CallContext,
  json: unknown,
  rateLimit: RateLimitInfo | undefined,
): ProviderResult {
  if (isErrorBody(json)) throw errorFromBody(ctx, json, rateLimit);
  if (!isObject(json) || !Array.isArray(json.content))
    throw protocolError(ctx, 'response has no content array');
  let text = '';
  const calls: ToolCall[] = [];
  const reasoning: ReasoningPart[] = [];
  for (const block of json.content) {
    if (!isObject(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    if (block.type === 'thinking') {
      const signature = str(block.signature);
      reasoning.push({
        type: 'reasoning',
        family: ANTHROPIC_FAMILY,
        text: typeof block.thinking === 'string' ? block.thinking : '',
        ...(signature ? { signature } : {}),
      });
    }
    if (block.type === 'redacted_thinking' && typeof block.data === 'string') {
      reasoning.push({ type: 'reasoning', family: ANTHROPIC_FAMILY, data: block.data });
    }
    if (block.type === 'tool_use') {
      const id = str(block.id);
      const name = str(block.name);
      if (!id || !name) throw protocolError(ctx, 'a tool_use block has no id or name');
      calls.push({ id, name, arguments: JSON.stringify(block.input ?? {}) });
    }
  }
  const tokens: AnthropicTokens = {};
  readTokens(json.usage, tokens);
  const usage = toUsage(tokens);
  const id = str(json.id);
  const responseModel = str(json.model);
  return {
    message: {
      role: 'assistant',
      content: text,
      ...(calls.length > 0 ? { toolCalls: calls } : {}),
      ...(reasoning.length > 0 ? { reasoning } : {}),
    },
    finishReason: mapStopReason(json.stop_reason),
    ...(usage ? { usage } : {}),
    ...(rateLimit ? { rateLimit } : {}),
    ...(id ? { id } : {}),
    ...(responseModel ? { responseModel } : {}),
    raw: json,
    wire: { format: 'anthropic-messages', body: json },
  };
}
