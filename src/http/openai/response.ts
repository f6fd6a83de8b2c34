import { isJsonObject } from '../json-object.js';
import type { CompletionResult, ToolCall, UnifiedFinishReason, Usage } from 'model-router';

/** What every completion object and chunk of one response shares. */
export interface CompletionMeta {
  /** `chatcmpl-…` */
  id: string;
  /** Unix seconds. */
  created: number;
  /** The model that served (the upstream's name for it, else the catalog's), or the name asked for. */
  model: string;
  /**
   * Usage the provider did not report (the router estimated it): left out (`'omit'`), or sent with
   * `estimated: true` (`'mark'`). Never presented as the provider's numbers.
   */
  estimatedUsage: 'omit' | 'mark';
}

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** OpenAI has no `error` / `other` finish reason: those end as `stop`. */
export function toOpenAIFinishReason(unified: UnifiedFinishReason): OpenAIFinishReason {
  return unified === 'length' || unified === 'tool_calls' || unified === 'content_filter' ? unified : 'stop';
}

/**
 * OpenAI's usage; cached prompt tokens (any provider's cache reads) as `prompt_tokens_details.cached_tokens`,
 * reasoning tokens (Gemini's thoughts too) as `completion_tokens_details.reasoning_tokens`.
 */
export function toOpenAIUsage(usage: Usage): OpenAIUsage {
  // Assigned in order rather than spread: the same keys, in the same order, without the copies.
  const out: OpenAIUsage = {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
  };
  if (usage.estimated) out.estimated = true;
  if (usage.cachedPromptTokens !== undefined)
    out.prompt_tokens_details = { cached_tokens: usage.cachedPromptTokens };
  if (usage.reasoningTokens !== undefined)
    out.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  return out;
}

export type OpenAIUsage = {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  estimated?: true;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
};

/** The `usage` to send, if any: estimates are left out or marked (`CompletionMeta.estimatedUsage`). */
export function wireUsage(usage: Usage, meta: CompletionMeta): OpenAIUsage | undefined {
  if (usage.estimated && meta.estimatedUsage === 'omit') return undefined;
  return toOpenAIUsage(usage);
}

/**
 * The `usage` of a passed-through answer: the upstream's object with every count the router read
 * written over by the router's validated numbers — so garbage (`"NaN"`, negative counts) never reaches
 * the client, and fields the router does not model (audio tokens, a gateway's cost) still do. An
 * estimate replaces the upstream's object entirely (left out or marked, per `estimatedUsage`).
 */
export function passedUsage(
  upstream: unknown,
  usage: Usage,
  meta: CompletionMeta,
): Record<string, unknown> | undefined {
  const ours: Record<string, unknown> | undefined = wireUsage(usage, meta);
  if (!ours || usage.estimated || !isJsonObject(upstream)) return ours;
  const out: Record<string, unknown> = { ...upstream, ...ours };
  for (const [details, field] of DETAIL_COUNTS) {
    const theirs = upstream[details];
    if (!isJsonObject(theirs)) continue;
    const merged: Record<string, unknown> = { ...theirs };
    const mine = ours[details] as Record<string, unknown> | undefined;
    if (mine) merged[field] = mine[field];
    else delete merged[field];
    out[details] = merged;
  }
  return out;
}

const DETAIL_COUNTS = [
  ['prompt_tokens_details', 'cached_tokens'],
  ['completion_tokens_details', 'reasoning_tokens'],
] as const;

export function toOpenAIToolCalls(calls: readonly ToolCall[]) {
  return calls.map((c) => ({
    id: c.id,
    type: 'function' as const,
    function: { name: c.name, arguments: c.arguments },
  }));
}

/** A `chat.completion` object. */
export function toOpenAICompletion(result: CompletionResult, meta: CompletionMeta): Record<string, unknown> {
  const toolCalls = result.message.toolCalls ?? [];
  const usage = wireUsage(result.usage, meta);
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: result.message.content === '' && toolCalls.length > 0 ? null : result.message.content,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toOpenAIToolCalls(toolCalls) } : {}),
        },
        logprobs: null,
        finish_reason: toOpenAIFinishReason(result.finishReason.unified),
      },
    ],
    ...(usage ? { usage } : {}),
    system_fingerprint: null,
  };
}
