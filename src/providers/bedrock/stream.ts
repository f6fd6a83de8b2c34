import type { AdapterStreamPart } from '../../types/stream.js';
import type { AdapterUsage } from '../adapter.js';
import { BlockIndexes } from '../shared/block-index.js';
import { type CallContext, protocolError } from '../shared/context.js';
import { isObject, str } from '../shared/json.js';
import { streamException } from './errors.js';
import type { EventDecoder, EventMessage } from './event-stream.js';
import { mapStopReason, mapUsage } from './response.js';

type FinishPart = Extract<AdapterStreamPart, { type: 'finish' }>;

function payload(ctx: CallContext, message: EventMessage): unknown {
  const text = new TextDecoder().decode(message.body);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw protocolError(ctx, `malformed JSON in event "${message.headers[':event-type'] ?? '?'}"`, err);
  }
}

/**
 * The ConverseStream grammar: `messageStart`, per content block `contentBlockStart` (tool use) /
 * `contentBlockDelta` (text, tool input JSON, reasoning) / `contentBlockStop`, `messageStop` (stop
 * reason), then `metadata` (usage) ends it. `:message-type: exception` ends the stream with the
 * error it names. Unknown event types are skipped.
 */
export function converseStreamDecoder(ctx: CallContext, family: string): EventDecoder {
  let stopReason: unknown;
  let stopSeen = false;
  let usage: AdapterUsage | undefined;
  // Content-block index → tool-call index: calls are numbered apart from text blocks.
  const toolIndex = new Map<number, number>();
  // Content-block index → reasoning-block index (text and signature arrive in deltas apart).
  const reasoningIndex = new Map<number, number>();
  const blocks = new BlockIndexes(ctx, 'contentBlockIndex');

  const finish = (): FinishPart => ({
    type: 'finish',
    finishReason: mapStopReason(stopReason),
    ...(usage ? { usage } : {}),
  });

  return {
    onMessage(message) {
      const kind = message.headers[':message-type'];
      if (kind === 'exception') {
        throw streamException(ctx, message.headers[':exception-type'], payload(ctx, message));
      }
      if (kind === 'error') {
        throw streamException(ctx, message.headers[':error-code'], {
          message: message.headers[':error-message'],
        });
      }
      const json = payload(ctx, message);
      if (!isObject(json)) throw protocolError(ctx, 'an event payload is not a JSON object');
      const block = blocks.read(json.contentBlockIndex, 0);
      const parts: AdapterStreamPart[] = [];
      switch (message.headers[':event-type']) {
        case 'contentBlockStart': {
          const start = isObject(json.start) ? json.start : {};
          if (isObject(start.toolUse)) {
            const call = toolIndex.size;
            toolIndex.set(block, call);
            const id = str(start.toolUse.toolUseId);
            const name = str(start.toolUse.name);
            parts.push({
              type: 'tool-call-delta',
              index: call,
              ...(id ? { id } : {}),
              ...(name ? { name } : {}),
              argumentsDelta: '',
            });
          }
          break;
        }
        case 'contentBlockDelta': {
          const delta = isObject(json.delta) ? json.delta : {};
          if (typeof delta.text === 'string' && delta.text !== '')
            parts.push({ type: 'text-delta', text: delta.text });
          if (isObject(delta.toolUse) && typeof delta.toolUse.input === 'string') {
            const call = toolIndex.get(block);
            if (call === undefined)
              throw protocolError(ctx, 'a toolUse delta for a block that is not a tool use');
            if (delta.toolUse.input !== '')
              parts.push({ type: 'tool-call-delta', index: call, argumentsDelta: delta.toolUse.input });
          }
          if (isObject(delta.reasoningContent)) {
            const r = delta.reasoningContent;
            let index = reasoningIndex.get(block);
            if (index === undefined) {
              index = reasoningIndex.size;
              reasoningIndex.set(block, index);
            }
            const text = typeof r.text === 'string' && r.text !== '' ? r.text : undefined;
            const signature = str(r.signature);
            const data = str(r.redactedContent);
            if (text || signature || data) {
              parts.push({
                type: 'reasoning-delta',
                family,
                index,
                ...(text ? { text } : {}),
                ...(signature ? { signature } : {}),
                ...(data ? { data } : {}),
              });
            }
          }
          break;
        }
        case 'messageStop':
          stopReason = json.stopReason;
          stopSeen = true;
          break;
        case 'metadata':
          usage = mapUsage(json.usage) ?? usage;
          return { parts: [finish()], done: true };
        default:
          // messageStart, contentBlockStop, and event types added after this was written.
          break;
      }
      return { parts, done: false };
    },
    onEnd() {
      // A body cut after messageStop lost only the usage; the router then estimates.
      if (stopSeen) return [finish()];
      throw protocolError(ctx, 'stream ended early (no messageStop)');
    },
  };
}
