import type { AdapterStreamPart } from '../../types/stream.js';
import { type CallContext, protocolError } from '../shared/context.js';
import { errorFromBody } from '../shared/http.js';
import { type JsonObject, isObject, str } from '../shared/json.js';
import { type SseDecoder, parseEventJson } from '../shared/sse.js';
import { OPENAI_RESPONSES_FAMILY, isResponsesWire } from './request.js';
import { reasoningPart, responsesFinish, responsesUsage } from './response.js';

type FinishPart = Extract<AdapterStreamPart, { type: 'finish' }>;

/**
 * The Responses event grammar: `response.created`, per output item `response.output_item.added` /
 * `…done`, `response.output_text.delta`, `response.function_call_arguments.delta`,
 * `response.reasoning_summary_text.delta`, and one terminal event — `response.completed` or
 * `response.incomplete` (the whole response, usage included) — or `response.failed` / `error`.
 * Reasoning items yield their summary as it streams and their `encrypted_content` when the item is
 * done. Event types this code does not know are skipped. A client of the same format gets every
 * event as it came (`wire` parts).
 */
export function responsesDecoder(ctx: CallContext): SseDecoder {
  const passOn = isResponsesWire(ctx.call.request);
  // output_index → tool-call index / reasoning index: numbered apart, in order of appearance.
  const tools = new Map<number, number>();
  const reasonings = new Map<number, number>();
  let finished: FinishPart | undefined;

  const finish = (response: JsonObject): FinishPart => {
    const usage = responsesUsage(response.usage);
    const id = str(response.id);
    const responseModel = str(response.model);
    return {
      type: 'finish',
      finishReason: responsesFinish(response, tools.size > 0),
      ...(usage ? { usage } : {}),
      ...(id ? { id } : {}),
      ...(responseModel ? { responseModel } : {}),
    };
  };
  const reasoningIndex = (outputIndex: number): number => {
    let r = reasonings.get(outputIndex);
    if (r === undefined) {
      r = reasonings.size;
      reasonings.set(outputIndex, r);
    }
    return r;
  };

  return {
    onEvent(event) {
      if (event.data.trim() === '' || event.data === '[DONE]') return { parts: [], done: false };
      const json = parseEventJson(ctx, event);
      if (!isObject(json)) throw protocolError(ctx, 'an event is not a JSON object');
      const type = str(json.type) ?? event.event;
      const parts: AdapterStreamPart[] = [];
      if (type === 'error') throw errorFromBody(ctx, { error: isObject(json.error) ? json.error : json });
      if (type === 'response.failed') {
        const response = isObject(json.response) ? json.response : {};
        throw errorFromBody(ctx, {
          error: isObject(response.error) ? response.error : { message: 'response failed' },
        });
      }
      if (passOn && type !== undefined)
        parts.push({
          type: 'wire',
          format: 'openai-responses',
          event: type,
          data: json,
          chars: event.data.length,
        });
      const outputIndex = typeof json.output_index === 'number' ? json.output_index : -1;
      switch (type) {
        case 'response.output_item.added': {
          const item = isObject(json.item) ? json.item : {};
          if (item.type === 'function_call') {
            const index = tools.size;
            tools.set(outputIndex, index);
            const id = str(item.call_id);
            const name = str(item.name);
            const args = str(item.arguments) ?? '';
            parts.push({
              type: 'tool-call-delta',
              index,
              ...(id ? { id } : {}),
              ...(name ? { name } : {}),
              argumentsDelta: args,
            });
          }
          break;
        }
        case 'response.output_text.delta': {
          const delta = str(json.delta);
          if (delta) parts.push({ type: 'text-delta', text: delta });
          break;
        }
        case 'response.function_call_arguments.delta': {
          const index = tools.get(outputIndex);
          if (index === undefined)
            throw protocolError(ctx, 'arguments for an item that is not a function call');
          const delta = str(json.delta);
          if (delta) parts.push({ type: 'tool-call-delta', index, argumentsDelta: delta });
          break;
        }
        case 'response.reasoning_summary_text.delta': {
          const delta = str(json.delta);
          if (delta)
            parts.push({
              type: 'reasoning-delta',
              family: OPENAI_RESPONSES_FAMILY,
              index: reasoningIndex(outputIndex),
              text: delta,
            });
          break;
        }
        case 'response.output_item.done': {
          const item = isObject(json.item) ? json.item : {};
          if (item.type === 'reasoning') {
            // The encrypted state arrives whole with the finished item; the summary streamed already.
            const part = reasoningPart(item);
            const index = reasoningIndex(outputIndex);
            if (part.data || part.id)
              parts.push({
                type: 'reasoning-delta',
                family: OPENAI_RESPONSES_FAMILY,
                index,
                ...(part.id ? { id: part.id } : {}),
                ...(part.data ? { data: part.data } : {}),
              });
          }
          break;
        }
        case 'response.completed':
        case 'response.incomplete': {
          finished = finish(isObject(json.response) ? json.response : {});
          parts.push(finished);
          return { parts, done: true };
        }
        default:
          break;
      }
      return { parts, done: false };
    },
    onEnd() {
      if (finished) return [];
      throw protocolError(ctx, 'stream ended early (no response.completed)');
    },
  };
}
