import type { AdapterStreamPart } from '../../types/stream.js';
import type { AdapterUsage } from '../adapter.js';
import { type CallContext, protocolError } from '../shared/context.js';
import { type SseDecoder, parseEventJson } from '../shared/sse.js';
import { PartialCall } from './partial-call.js';
import { GEMINI_FAMILY } from './request.js';
import { mapFinishReason, readChunk } from './response.js';

/**
 * `streamGenerateContent?alt=sse`: every event is a whole `GenerateContentResponse` holding the
 * next parts; function calls arrive whole (one `tool-call-delta` each); usage is cumulative; the
 * last event carries `finishReason`, and the body then ends — there is no terminal event.
 * A call whose arguments are streamed (`willContinue` / `partialArgs`, see `PartialCall`) is
 * announced by its first part (id and name, empty arguments) and its arguments follow whole, as one
 * delta, when its last part arrives: a JSON path can reach back into any part of the object, so no
 * prefix of the final JSON text is known before.
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
  /** The call whose arguments are being streamed, with its index and id. */
  let open: { call: PartialCall; index: number; id: string } | undefined;
  const signed = (parts: AdapterStreamPart[], signature: string, id: string) =>
    parts.push({
      type: 'reasoning-delta',
      family: GEMINI_FAMILY,
      index: reasoningBlocks++,
      signature,
      id,
    });

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
        } else if (item.kind === 'call-part') {
          thoughtBlock = undefined;
          if (!open) {
            if (!item.name) throw protocolError(ctx, 'a function-call continuation with no call open');
            const id = item.id ?? generateId();
            open = { call: new PartialCall(item.name, ctx.limits.maxBodyBytes), index: calls++, id };
            parts.push({
              type: 'tool-call-delta',
              index: open.index,
              id,
              name: item.name,
              argumentsDelta: '',
            });
          } else if (item.name && item.name !== open.call.name) {
            throw protocolError(ctx, `function call ${item.name} began before ${open.call.name} ended`);
          }
          if (item.signature) signed(parts, item.signature, open.id);
          open.call.assign(item.args);
          for (const p of item.partialArgs) {
            const problem = open.call.apply(p);
            if (problem) throw protocolError(ctx, problem);
          }
          if (!item.willContinue) {
            parts.push({ type: 'tool-call-delta', index: open.index, argumentsDelta: open.call.json() });
            open = undefined;
          }
        } else {
          thoughtBlock = undefined;
          if (open)
            throw protocolError(ctx, `function call ${item.name} began before ${open.call.name} ended`);
          const id = item.id ?? generateId();
          parts.push({
            type: 'tool-call-delta',
            index: calls++,
            id,
            name: item.name,
            argumentsDelta: item.args,
          });
          if (item.signature) signed(parts, item.signature, id);
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
      if (open) throw protocolError(ctx, `stream ended inside the streamed arguments of ${open.call.name}`);
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
