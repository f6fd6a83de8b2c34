import type { RouterStream, StreamPart } from 'model-router';
import { describeError, errorBody } from '../error-info.js';
import { partsToSse } from '../relay/parts-sse.js';
import { sseFrame } from '../relay/sse-headers.js';
import type { SseReply } from '../relay/types.js';
import { type CompletionMeta, passedUsage, toOpenAIFinishReason, wireUsage } from './response.js';

export interface SseOptions extends CompletionMeta {
  /** `stream_options.include_usage`: `usage: null` on every chunk, then a usage chunk before `[DONE]`. */
  includeUsage: boolean;
  /**
   * The serving upstream speaks chat completions: its own chunks go out (`wire` parts) under the
   * relay's id and the asked model name — logprobs, system_fingerprint, service_tier and reasoning
   * fields included — instead of chunks rebuilt from the router's parts.
   */
  passThrough?: boolean;
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

  // The upstream's usage, held back: it goes out once, at the finish, in the upstream's usage chunk
  // (or one built here) with the router's validated counts written over it — a garbage or estimated
  // count never passes on.
  let upstreamUsage: unknown;
  let usageChunk: Record<string, unknown> | undefined;
  return partsToSse(
    stream,
    parts,
    {
      open: () => (options.passThrough ? [] : [chunk({ delta: { role: 'assistant', content: '' } })]),
      part: options.passThrough ? passOn : translate,
      close: () => [DONE],
      error: (error) => [sseFrame(errorBody(describeError(error)))],
    },
    headers,
  );

  function passOn(part: StreamPart): string[] {
    if (part.type === 'finish') {
      const usage = options.includeUsage ? passedUsage(upstreamUsage, part.usage, options) : undefined;
      if (!usage) return [];
      if (!usageChunk) return [chunk(undefined, { usage })];
      return [sseFrame({ ...envelope(usageChunk), usage })];
    }
    if (part.type !== 'wire' || part.format !== 'openai-chat') return [];
    const data = part.data as Record<string, unknown>;
    const carriesUsage = data.usage !== undefined && data.usage !== null;
    if (carriesUsage) upstreamUsage = data.usage;
    // Other choice-less chunks (Azure's prompt_filter_results) go only to a client that asked for
    // usage chunks, as before.
    if (Array.isArray(data.choices) && data.choices.length === 0) {
      if (carriesUsage) usageChunk = data;
      if (carriesUsage || !options.includeUsage) return [];
    }
    const out = envelope(data);
    // `include_usage`: every chunk carries `usage: null` until the usage chunk (as OpenAI sends it);
    // a client that did not ask gets no usage at all, as from OpenAI.
    // (`undefined`, not `delete`: JSON.stringify leaves the key out all the same, and a delete would
    // turn the object into a slow dictionary for the stringify that follows.)
    out.usage = options.includeUsage ? null : undefined;
    return [sseFrame(out)];
  }

  // The relay answers in its own envelope: its id, the served model, and the chunk's object type
  // (some OpenAI-compatible servers leave `object` out).
  function envelope(data: Record<string, unknown>): Record<string, unknown> {
    return { ...data, id: options.id, object: 'chat.completion.chunk', model: options.model };
  }

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
