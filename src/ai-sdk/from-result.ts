import type {
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3Usage,
  SharedV3ProviderMetadata,
} from '@ai-sdk/provider';
import type { CompletionResult, FinishReason, UnifiedFinishReason, Usage } from 'model-router';

const TO_V3: Record<UnifiedFinishReason, LanguageModelV3FinishReason['unified']> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool-calls',
  content_filter: 'content-filter',
  error: 'error',
  other: 'other',
};

export function toV3FinishReason(reason: FinishReason): LanguageModelV3FinishReason {
  return { unified: TO_V3[reason.unified] ?? 'other', raw: reason.raw };
}

export function toV3Usage(usage: Usage): LanguageModelV3Usage {
  return {
    inputTokens: {
      total: usage.promptTokens,
      noCache: undefined,
      cacheRead: undefined,
      cacheWrite: undefined,
    },
    outputTokens: { total: usage.completionTokens, text: undefined, reasoning: undefined },
    raw: { ...usage },
  };
}

/** Text first, then tool calls, as the router's result holds them. */
export function toV3Content(result: CompletionResult): LanguageModelV3Content[] {
  const content: LanguageModelV3Content[] = [];
  if (result.message.content) content.push({ type: 'text', text: result.message.content });
  for (const call of result.message.toolCalls ?? []) {
    content.push({
      type: 'tool-call',
      toolCallId: call.id,
      toolName: call.name,
      input: call.arguments || '{}',
    });
  }
  return content;
}

/** Which physical model served, under `providerMetadata.modelRouter`. */
export function routerMetadata(served: {
  requestId: string;
  providerId: string;
  modelId: string;
  groupName?: string;
  attempts?: number;
  estimatedUsage: boolean;
}): SharedV3ProviderMetadata {
  const meta: Record<string, string | number | boolean> = {
    requestId: served.requestId,
    providerId: served.providerId,
    modelId: served.modelId,
    estimatedUsage: served.estimatedUsage,
  };
  if (served.groupName) meta.groupName = served.groupName;
  if (served.attempts !== undefined) meta.attempts = served.attempts;
  return { modelRouter: meta };
}
