import type {
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import {
  type AdapterStreamPart,
  type AdapterUsage,
  type FinishReason,
  ProviderError,
  type ProviderResult,
  type ToolCall,
  type UnifiedFinishReason,
} from 'model-router';

const FROM_V3: Record<LanguageModelV3FinishReason['unified'], UnifiedFinishReason> = {
  stop: 'stop',
  length: 'length',
  'tool-calls': 'tool_calls',
  'content-filter': 'content_filter',
  error: 'error',
  other: 'other',
};

export function fromV3FinishReason(reason: LanguageModelV3FinishReason): FinishReason {
  return {
    unified: FROM_V3[reason.unified] ?? 'other',
    ...(reason.raw === undefined ? {} : { raw: reason.raw }),
  };
}

export function fromV3Usage(usage: LanguageModelV3Usage | undefined): AdapterUsage {
  const out: AdapterUsage = {};
  const prompt = usage?.inputTokens.total;
  const completion = usage?.outputTokens.total;
  if (prompt !== undefined) out.promptTokens = prompt;
  if (completion !== undefined) out.completionTokens = completion;
  if (prompt !== undefined && completion !== undefined) out.totalTokens = prompt + completion;
  return out;
}

/** `doGenerate`'s result as the router's `ProviderResult` (text joined, client-side tool calls). */
export function fromV3Result(result: LanguageModelV3GenerateResult): ProviderResult {
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const part of result.content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'tool-call' && !part.providerExecuted) {
      toolCalls.push({ id: part.toolCallId, name: part.toolName, arguments: part.input });
    }
  }
  return {
    message: { role: 'assistant', content: text, ...(toolCalls.length ? { toolCalls } : {}) },
    finishReason: fromV3FinishReason(result.finishReason),
    usage: fromV3Usage(result.usage),
    ...(result.response?.id ? { id: result.response.id } : {}),
    ...(result.response?.modelId ? { responseModel: result.response.modelId } : {}),
  };
}

/**
 * `doStream`'s parts as the router's adapter parts: text deltas, tool-call deltas (streamed inputs, or
 * one delta for a tool call that arrives whole), then `finish`. An `error` part is thrown (mapped by
 * `mapError`); a stream that ends without `finish` is a protocol error. Leaving early cancels the reader.
 */
export async function* fromV3Stream(
  stream: ReadableStream<LanguageModelV3StreamPart>,
  mapError: (error: unknown) => unknown,
): AsyncGenerator<AdapterStreamPart> {
  const reader = stream.getReader();
  const indexOf = new Map<string, number>();
  const streamed = new Set<string>();
  let responseId: string | undefined;
  let responseModel: string | undefined;
  let finished = false;
  const index = (id: string) => {
    const known = indexOf.get(id);
    if (known !== undefined) return known;
    indexOf.set(id, indexOf.size);
    return indexOf.size - 1;
  };
  try {
    for (;;) {
      let next: ReadableStreamReadResult<LanguageModelV3StreamPart>;
      try {
        next = await reader.read();
      } catch (error) {
        throw mapError(error);
      }
      if (next.done) break;
      const part = next.value;
      switch (part.type) {
        case 'text-delta':
          if (part.delta) yield { type: 'text-delta', text: part.delta };
          break;
        case 'tool-input-start':
          if (part.providerExecuted) break;
          streamed.add(part.id);
          yield {
            type: 'tool-call-delta',
            index: index(part.id),
            id: part.id,
            name: part.toolName,
            argumentsDelta: '',
          };
          break;
        case 'tool-input-delta':
          if (streamed.has(part.id) && part.delta) {
            yield { type: 'tool-call-delta', index: index(part.id), argumentsDelta: part.delta };
          }
          break;
        case 'tool-call':
          if (part.providerExecuted || streamed.has(part.toolCallId)) break;
          yield {
            type: 'tool-call-delta',
            index: index(part.toolCallId),
            id: part.toolCallId,
            name: part.toolName,
            argumentsDelta: part.input,
          };
          break;
        case 'response-metadata':
          responseId = part.id ?? responseId;
          responseModel = part.modelId ?? responseModel;
          break;
        case 'error':
          throw mapError(part.error);
        case 'finish':
          finished = true;
          yield {
            type: 'finish',
            finishReason: fromV3FinishReason(part.finishReason),
            usage: fromV3Usage(part.usage),
            ...(responseId ? { id: responseId } : {}),
            ...(responseModel ? { responseModel } : {}),
          };
          return;
      }
    }
    if (!finished)
      throw new ProviderError({ message: 'The AI SDK stream ended without a finish part', kind: 'protocol' });
  } finally {
    // Stopping early (router cancelled, failure) cancels the model's stream and its HTTP request.
    reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
