import type { RouterStream, StreamPart } from 'model-router';
import { describeError, errorBody } from '../error-info.js';
import { partsToSse } from '../relay/parts-sse.js';
import { sseFrame } from '../relay/sse-headers.js';
import type { SseReply } from '../relay/types.js';
import { type CompletionMeta, toOpenAIFinishReason, wireUsage } from './response.js';

export interface SseOptions extends CompletionMeta {
  /** `stream_options.include_usage`: `usage: null` on every chunk, then a usage chunk before `[DONE]`. */
  includeUsage: boolean;
}

const DONE = 'data: [DONE]\n\n';

/**
 * A streamed chat completion: `chat.completion.chunk` events translated from the router's parts, then
 * `data: [DONE]`. A failure after the stream started goes out as a final `data: {"error": …}` event.
 */
export function openAIEventStream(
  stream: RouterStream,
  parts: AsyncIterator<StreamPart>,
  options: SseOptions,
  headers: Record<string, string> = {},
): SseReply {
  const chunk = (choice: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) =>
    sseFrame({
      id: options.id,
      object: 'chat.completion.chunk',
      created: options.created,
      model: options.model,
      system_fingerprint: null,
      choices: choice ? [{ index: 0, logprobs: null, finish_reason: null, ...choice }] : [],
      ...(options.includeUsage ? { usage: null } : {}),
      ...extra,
    });

  return partsToSse(
    stream,
    parts,
    {
      open: () => [chunk({ delta: { role: 'assistant', content: '' } })],
      part: translate,
      close: () => [DONE],
      error: (error) => [sseFrame(errorBody(describeError(error)))],
    },
    headers,
  );

  function translate(part: StreamPart): string[] {
    switch (part.type) {
      case 'start':
        return [];
      case 'text-delta':
        return part.text ? [chunk({ delta: { content: part.text } })] : [];
      case 'tool-call-delta': {
        const call: Record<string, unknown> = { index: part.index };
        if (part.id !== undefined) Object.assign(call, { id: part.id, type: 'function' });
        call.function = {
          ...(part.name !== undefined ? { name: part.name } : {}),
          arguments: part.argumentsDelta,
        };
        return [chunk({ delta: { tool_calls: [call] } })];
      }
      case 'reasoning-delta':
      case 'wire':
        return [];
      case 'finish': {
        const out = [chunk({ delta: {}, finish_reason: toOpenAIFinishReason(part.finishReason.unified) })];
        // Estimated usage is left out (or marked), never presented as the provider's numbers.
        const usage = options.includeUsage ? wireUsage(part.usage, options) : undefined;
        if (usage) out.push(chunk(undefined, { usage }));
        return out;
      }
    }
  }
}
