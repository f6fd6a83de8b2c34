import type { RouterStream, StreamPart } from 'model-router';
import { describeError, errorBody } from './error-info.js';
import { type CompletionMeta, toOpenAIFinishReason, toOpenAIUsage } from './openai-response.js';

export interface SseOptions extends CompletionMeta {
  /** `stream_options.include_usage`: `usage: null` on every chunk, then a usage chunk before `[DONE]`. */
  includeUsage: boolean;
}

const encoder = new TextEncoder();
const event = (data: unknown): Uint8Array => encoder.encode(`data: ${JSON.stringify(data)}\n\n`);
const DONE = encoder.encode('data: [DONE]\n\n');

/**
 * The SSE body of a streamed chat completion: `chat.completion.chunk` events translated from the router's
 * parts, pulled one at a time (a slow client slows the upstream read, nothing piles up here).
 * A failure after the stream started goes out as a final `data: {"error": …}` event. Cancelling the
 * body (the client went away) cancels the router stream, which cancels the upstream call.
 */
export function openAIEventStream(
  stream: RouterStream,
  parts: AsyncIterator<StreamPart>,
  options: SseOptions,
): ReadableStream<Uint8Array> {
  let finished = false;
  const chunk = (choice: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) => ({
    id: options.id,
    object: 'chat.completion.chunk',
    created: options.created,
    model: options.model,
    system_fingerprint: null,
    choices: choice ? [{ index: 0, logprobs: null, finish_reason: null, ...choice }] : [],
    ...(options.includeUsage ? { usage: null } : {}),
    ...extra,
  });

  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(event(chunk({ delta: { role: 'assistant', content: '' } })));
    },
    async pull(controller) {
      if (finished) return;
      try {
        // Loop until something is sent: `start` parts produce nothing, and pull is only re-called
        // after it enqueues.
        for (;;) {
          const next = await parts.next();
          if (finished) return;
          if (next.done) {
            finished = true;
            controller.enqueue(DONE);
            controller.close();
            return;
          }
          const out = translate(next.value);
          if (out.length === 0) continue;
          for (const data of out) controller.enqueue(event(data));
          return;
        }
      } catch (error) {
        if (finished) return;
        finished = true;
        controller.enqueue(event(errorBody(describeError(error))));
        controller.close();
      }
    },
    cancel(reason) {
      finished = true;
      stream.cancel(reason ?? 'client disconnected');
      void parts.return?.();
    },
  });

  function translate(part: StreamPart): unknown[] {
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
      case 'finish': {
        const out: unknown[] = [
          chunk({ delta: {}, finish_reason: toOpenAIFinishReason(part.finishReason.unified) }),
        ];
        if (options.includeUsage) out.push(chunk(undefined, { usage: toOpenAIUsage(part.usage) }));
        return out;
      }
    }
  }
}
