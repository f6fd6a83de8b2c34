import type { AdapterStreamPart } from '../../types/stream.js';
import type { AdapterUsage } from '../adapter.js';
import { type CallContext, protocolError } from '../shared/context.js';
import { parseBody } from '../shared/error-body.js';
import { errorFromBody, isErrorBody } from '../shared/http.js';
import { type JsonObject, isObject, str } from '../shared/json.js';
import { type SseDecoder, parseEventJson } from '../shared/sse.js';
import { OPENAI_CHAT_FAMILY } from './request.js';
import { contentText, mapFinishReason, mapUsage, reasoningText } from './response.js';

type FinishPart = Extract<AdapterStreamPart, { type: 'finish' }>;

/**
 * Tool-call indexes. OpenAI numbers each call (`index`); a server that omits it (older Ollama)
 * sends each call whole, so a new `id` starts a new call and a delta without one continues the last.
 */
function toolIndexer(): (delta: JsonObject, position: number) => number {
  const byId = new Map<string, number>();
  let last = -1;
  return (delta, position) => {
    if (typeof delta.index === 'number' && Number.isInteger(delta.index) && delta.index >= 0) {
      last = delta.index;
      return delta.index;
    }
    const id = str(delta.id);
    if (id === undefined) return last >= 0 ? last : position;
    let index = byId.get(id);
    if (index === undefined) {
      index = byId.size;
      byId.set(id, index);
    }
    last = index;
    return index;
  };
}

/**
 * The chat-completions chunk grammar: `choices[0].delta` content and tool-call deltas, a chunk with
 * `finish_reason`, with `include_usage` a last chunk with `choices: []` and `usage`, then
 * `data: [DONE]`. Only choice 0 is read (the router asks for one).
 */
export function chatCompletionsDecoder(ctx: CallContext): SseDecoder {
  let finishRaw: unknown;
  let finishSeen = false;
  let usage: AdapterUsage | undefined;
  let id: string | undefined;
  let responseModel: string | undefined;
  const toolIndex = toolIndexer();
  // A client of the same wire format gets every chunk as it came (logprobs, system_fingerprint, …).
  const passOn = ctx.call.request.wire?.format === 'openai-chat';

  const finish = (): FinishPart => ({
    type: 'finish',
    finishReason: mapFinishReason(finishRaw),
    ...(usage ? { usage } : {}),
    ...(responseModel ? { responseModel } : {}),
    ...(id ? { id } : {}),
  });

  return {
    onEvent(event) {
      const data = event.data.trim();
      if (data === '[DONE]') return { parts: [finish()], done: true };
      if (data === '') return { parts: [], done: false };
      // Some servers name an `event: error`, and its data need not be JSON.
      if (event.event === 'error') throw errorFromBody(ctx, parseBody(data));
      const json = parseEventJson(ctx, event);
      // OpenAI, vLLM and OpenRouter send `data: {"error": …}` mid-stream.
      if (isErrorBody(json)) throw errorFromBody(ctx, json);
      if (!isObject(json)) throw protocolError(ctx, 'a stream chunk is not a JSON object');
      id ??= str(json.id);
      responseModel ??= str(json.model);
      // Groq has reported stream usage under `x_groq.usage` in the last chunk.
      usage =
        mapUsage(json.usage) ?? mapUsage(isObject(json.x_groq) ? json.x_groq.usage : undefined) ?? usage;
      const parts: AdapterStreamPart[] = [];
      if (passOn)
        parts.push({
          type: 'wire',
          format: 'openai-chat',
          event: 'chunk',
          data: json,
          chars: event.data.length,
        });
      const choices = Array.isArray(json.choices) ? json.choices : [];
      for (const choice of choices) {
        if (!isObject(choice) || (choice.index ?? 0) !== 0) continue;
        const delta = isObject(choice.delta) ? choice.delta : {};
        const thought = reasoningText(delta);
        if (thought)
          parts.push({ type: 'reasoning-delta', family: OPENAI_CHAT_FAMILY, index: 0, text: thought });
        const text = contentText(delta.content);
        if (text !== '') parts.push({ type: 'text-delta', text });
        if (Array.isArray(delta.tool_calls)) {
          delta.tool_calls.forEach((call: unknown, position: number) => {
            if (!isObject(call)) return;
            const fn = isObject(call.function) ? call.function : {};
            const callId = str(call.id);
            const name = str(fn.name);
            const args = fn.arguments;
            parts.push({
              type: 'tool-call-delta',
              index: toolIndex(call, position),
              ...(callId ? { id: callId } : {}),
              ...(name ? { name } : {}),
              argumentsDelta:
                typeof args === 'string' ? args : args === undefined ? '' : JSON.stringify(args),
            });
          });
        }
        if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
          finishRaw = choice.finish_reason;
          finishSeen = true;
        }
      }
      return { parts, done: false };
    },
    onEnd() {
      // Some servers and proxies close the body without `[DONE]`; after a finish_reason the answer
      // is whole (only the usage chunk may be missing, and the router then estimates).
      if (finishSeen) return [finish()];
      throw protocolError(ctx, 'stream ended early (no finish_reason, no [DONE])');
    },
  };
}
