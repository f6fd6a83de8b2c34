import type { AdapterStreamPart } from '../../types/stream.js';
import type { AdapterUsage } from '../adapter.js';
import { type CallContext, protocolError } from '../shared/context.js';
import { type SseDecoder, parseEventJson } from '../shared/sse.js';
import { GEMINI_FAMILY } from './request.js';
import { mapFinishReason, readChunk } from './response.js';

/**
 * `streamGenerateContent?alt=sse`: every event is a whole `GenerateContentResponse` holding the
 * next parts; function calls arrive whole (one `tool-call-delta` each); usage is cumulative; the
 * last event carries `finishReason`, and the body then ends — there is no terminal event.
 */
export function generateContentDecoder(ctx: CallContext, generateId: () => string): SseDecoder {
  let finishRaw: string | undefined;
  let usage: AdapterUsage | undefined;
  let responseId: string | undefined;
  let modelVersion: string | undefined;
  let calls = 0;
  let reasoningBlocks = 0;
  // The reasoning block thought summaries are appended to, until a signature or call closes it.
  let thoughtBlock: number | undefined;

  return {
    onEvent(event) {
      if (event.data.trim() === '') return { parts: [], done: false };
      const chunk = readChunk(ctx, parseEventJson(ctx, event));
      const parts: AdapterStreamPart[] = [];
      for (const item of chunk.items) {
        if (item.kind === 'text') {
          parts.push({ type: 'text-delta', text: item.text });
        } else if (item.kind === 'thought') {
          thoughtBlock ??= reasoningBlocks++;
          parts.push({
            type: 'reasoning-delta',
            family: GEMINI_FAMILY,
            index: thoughtBlock,
            text: item.text,
          });
        } else if (item.kind === 'signature') {
          thoughtBlock = undefined;
          parts.push({
            type: 'reasoning-delta',
            family: GEMINI_FAMILY,
            index: reasoningBlocks++,
            signature: item.signature,
          });
        } else {
          thoughtBlock = undefined;
          const id = item.id ?? generateId();
          parts.push({
            type: 'tool-call-delta',
            index: calls++,
            id,
            name: item.name,
            argumentsDelta: item.args,
          });
          if (item.signature) {
            parts.push({
              type: 'reasoning-delta',
              family: GEMINI_FAMILY,
              index: reasoningBlocks++,
              signature: item.signature,
              id,
            });
          }
        }
      }
      usage = chunk.usage ?? usage;
      responseId ??= chunk.responseId;
      modelVersion ??= chunk.modelVersion;
      finishRaw = chunk.finishReason ?? finishRaw;
      return { parts, done: false };
    },
    onEnd() {
      // The body ends after the event with `finishReason`; ending before it is a cut stream.
      if (finishRaw === undefined) throw protocolError(ctx, 'stream ended early (no finishReason)');
      return [
        {
          type: 'finish',
          finishReason: mapFinishReason(finishRaw, calls > 0),
          ...(usage ? { usage } : {}),
          ...(modelVersion ? { responseModel: modelVersion } : {}),
          ...(responseId ? { id: responseId } : {}),
        },
      ];
    },
  };
}
