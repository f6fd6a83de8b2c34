import type { AdapterStreamPart } from '../../types/stream.js';
import { BlockIndexes } from '../shared/block-index.js';
import { type CallContext, protocolError } from '../shared/context.js';
import { errorFromBody } from '../shared/http.js';
import { isObject, str } from '../shared/json.js';
import { type SseDecoder, parseEventJson } from '../shared/sse.js';
import { ANTHROPIC_FAMILY } from './blocks.js';
import { type AnthropicTokens, mapStopReason, readTokens, toUsage } from './response.js';

type FinishPart = Extract<AdapterStreamPart, { type: 'finish' }>;

/**
 * The Messages API event grammar: `message_start` (id, model, input usage), per content block
 * `content_block_start` / `content_block_delta` / `content_block_stop`, `message_delta` (stop
 * reason, output usage), `message_stop`; `ping` anywhere; `error` ends the stream. Event types
 * this code does not know are skipped, as Anthropic's versioning policy asks.
 */
export function messagesDecoder(ctx: CallContext): SseDecoder {
  const tokens: AnthropicTokens = {};
  let id: string | undefined;
  let responseModel: string | undefined;
  let stopReason: unknown;
  let stopSeen = false;
  // Content-block index → tool-call index: tool calls are numbered apart from text blocks.
  const toolIndex = new Map<number, number>();
  // Content-block index → reasoning index, likewise.
  const thinkingIndex = new Map<number, number>();
  const blocks = new BlockIndexes(ctx, 'content block index');
  // A client of the same wire format gets every event as it came (faithful pass-through).
  const passOn = ctx.call.request.wire?.format === 'anthropic-messages';

  const finish = (): FinishPart => {
    const usage = toUsage(tokens);
    return {
      type: 'finish',
      finishReason: mapStopReason(stopReason),
      ...(usage ? { usage } : {}),
      ...(responseModel ? { responseModel } : {}),
      ...(id ? { id } : {}),
    };
  };

  return {
    onEvent(event) {
      if (event.data.trim() === '') return { parts: [], done: false };
      const json = parseEventJson(ctx, event);
      if (!isObject(json)) throw protocolError(ctx, 'an event is not a JSON object');
      const type = str(json.type) ?? event.event;
      const parts: AdapterStreamPart[] = [];
      if (passOn && type !== 'error' && type !== undefined) {
        parts.push({
          type: 'wire',
          format: 'anthropic-messages',
          event: type,
          data: json,
          chars: event.data.length,
        });
      }
      switch (type) {
        case 'error':
          throw errorFromBody(ctx, json);
        case 'message_start': {
          const message = isObject(json.message) ? json.message : {};
          id = str(message.id);
          responseModel = str(message.model);
          readTokens(message.usage, tokens);
          break;
        }
        case 'content_block_start': {
          const block = isObject(json.content_block) ? json.content_block : {};
          const index = blocks.read(json.index, toolIndex.size);
          if (block.type === 'tool_use') {
            const call = toolIndex.size;
            toolIndex.set(index, call);
            const callId = str(block.id);
            const name = str(block.name);
            parts.push({
              type: 'tool-call-delta',
              index: call,
              ...(callId ? { id: callId } : {}),
              ...(name ? { name } : {}),
              argumentsDelta: '',
            });
          } else if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
            parts.push({ type: 'text-delta', text: block.text });
          } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
            const r = thinkingIndex.size;
            thinkingIndex.set(index, r);
            const thinking = typeof block.thinking === 'string' ? block.thinking : '';
            const signature = str(block.signature);
            const data = str(block.data);
            // Announced only with content, so an empty block start does not commit the stream.
            if (thinking || signature || data) {
              parts.push({
                type: 'reasoning-delta',
                family: ANTHROPIC_FAMILY,
                index: r,
                ...(thinking ? { text: thinking } : {}),
                ...(signature ? { signature } : {}),
                ...(data ? { data } : {}),
              });
            }
          }
          break;
        }
        case 'content_block_delta': {
          const delta = isObject(json.delta) ? json.delta : {};
          const index = blocks.read(json.index, -1);
          if (delta.type === 'text_delta' && typeof delta.text === 'string' && delta.text !== '') {
            parts.push({ type: 'text-delta', text: delta.text });
          } else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
            const call = toolIndex.get(index);
            if (call === undefined)
              throw protocolError(ctx, 'input_json_delta for a block that is not a tool_use');
            if (delta.partial_json !== '')
              parts.push({ type: 'tool-call-delta', index: call, argumentsDelta: delta.partial_json });
          } else if (delta.type === 'thinking_delta' || delta.type === 'signature_delta') {
            const r = thinkingIndex.get(index);
            if (r === undefined) throw protocolError(ctx, `${delta.type} for a block that is not thinking`);
            const text = delta.type === 'thinking_delta' ? str(delta.thinking) : undefined;
            const signature = delta.type === 'signature_delta' ? str(delta.signature) : undefined;
            if (text || signature) {
              parts.push({
                type: 'reasoning-delta',
                family: ANTHROPIC_FAMILY,
                index: r,
                ...(text ? { text } : {}),
                ...(signature ? { signature } : {}),
              });
            }
          }
          // citations_delta and deltas added later: not part of the unified stream.
          break;
        }
        case 'message_delta': {
          const delta = isObject(json.delta) ? json.delta : {};
          if (delta.stop_reason !== undefined && delta.stop_reason !== null) {
            stopReason = delta.stop_reason;
            stopSeen = true;
          }
          // Cumulative counts: the last report wins.
          readTokens(json.usage, tokens);
          break;
        }
        case 'content_block_stop':
          blocks.read(json.index, -1);
          break;
        case 'message_stop':
          parts.push(finish());
          return { parts, done: true };
        default:
          // ping, and event types added after this was written.
          break;
      }
      return { parts, done: false };
    },
    onEnd() {
      // A body cut after message_delta lost nothing but the terminator.
      if (stopSeen) return [finish()];
      throw protocolError(ctx, 'stream ended early (no message_stop)');
    },
  };
}
