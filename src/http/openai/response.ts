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
export function toOpenAIUsage(usage: Usage): {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  estimated?: true;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
} {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
    ...(usage.estimated ? { estimated: true as const } : {}),
    ...(usage.cachedPromptTokens === undefined
      ? {}
      : { prompt_tokens_details: { cached_tokens: usage.cachedPromptTokens } }),
    ...(usage.reasoningTokens === undefined
      ? {}
      : { completion_tokens_details: { reasoning_tokens: usage.reasoningTokens } }),
  };
}

/** The `usage` to send, if any: estimates are left out or marked (`CompletionMeta.estimatedUsage`). */
export function wireUsage(usage: Usage, meta: CompletionMeta): ReturnType<typeof toOpenAIUsage> | undefined {
  if (usage.estimated && meta.estimatedUsage === 'omit') return undefined;
  return toOpenAIUsage(usage);
}

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
    ...(wireUsage(result.usage, meta) ? { usage: wireUsage(result.usage, meta) } : {}),
    system_fingerprint: null,
  };
}
