import type { LanguageModelV3StreamPart, SharedV3Warning } from '@ai-sdk/provider';
import type { RouterStream, StartPart, StreamPart } from 'model-router';
import { READY_PART, type ReadyPartSource } from '../util/ready-part.js';
import { routerMetadata, toV3FinishReason, toV3Usage } from './from-result.js';

export interface V3StreamContext {
  requestId: string;
  warnings: SharedV3Warning[];
  /** Turns a router failure into what the SDK should see (an `APICallError`). */
  mapError: (error: unknown) => unknown;
}

interface OpenTool {
  id: string;
  name: string;
  input: string;
}

/**
 * The router's parts as AI SDK v3 stream parts: `stream-start`, `response-metadata` (from `start`),
 * `text-start/delta/end`, `tool-input-start/delta/end` + `tool-call`, `finish` with usage; a failure
 * after content as a final `error` part. Pulled as the SDK reads (each pull takes the part it awaits
 * and those already buffered behind it); cancelling it cancels the router stream.
 */
export function toV3Stream(
  stream: RouterStream,
  parts: ReadyPartSource<StreamPart>,
  ctx: V3StreamContext,
): ReadableStream<LanguageModelV3StreamPart> {
  const TEXT_ID = 'text-0';
  let textOpen = false;
  let start: StartPart | undefined;
  const tools = new Map<number, OpenTool>();
  let closed = false;
  const ready = parts[READY_PART]?.bind(parts);

  const closeText = (out: LanguageModelV3StreamPart[]) => {
    if (textOpen) out.push({ type: 'text-end', id: TEXT_ID });
    textOpen = false;
  };

  function translate(part: StreamPart): LanguageModelV3StreamPart[] {
    const out: LanguageModelV3StreamPart[] = [];
    switch (part.type) {
      case 'start':
        start = part;
        out.push({
          type: 'response-metadata',
          id: ctx.requestId,
          modelId: part.modelId, // the model that answered (providerMetadata names its provider)
          timestamp: new Date(),
        });
        break;
      case 'text-delta':
        if (!part.text) break;
        if (!textOpen) out.push({ type: 'text-start', id: TEXT_ID });
        textOpen = true;
        out.push({ type: 'text-delta', id: TEXT_ID, delta: part.text });
        break;
      case 'tool-call-delta': {
        closeText(out);
        let tool = tools.get(part.index);
        if (!tool) {
          tool = { id: part.id ?? `call-${ctx.requestId}-${part.index}`, name: part.name ?? '', input: '' };
          tools.set(part.index, tool);
          out.push({ type: 'tool-input-start', id: tool.id, toolName: tool.name });
        }
        if (part.argumentsDelta) {
          tool.input += part.argumentsDelta;
          out.push({ type: 'tool-input-delta', id: tool.id, delta: part.argumentsDelta });
        }
        break;
      }
      case 'finish':
        closeText(out);
        for (const tool of tools.values()) {
          out.push({ type: 'tool-input-end', id: tool.id });
          out.push({
            type: 'tool-call',
            toolCallId: tool.id,
            toolName: tool.name,
            input: tool.input || '{}',
          });
        }
        out.push({
          type: 'finish',
          finishReason: toV3FinishReason(part.finishReason),
          usage: toV3Usage(part.usage),
          providerMetadata: routerMetadata({
            requestId: ctx.requestId,
            providerId: start?.providerId ?? 'unknown',
            modelId: start?.modelId ?? 'unknown',
            ...(start?.groupName ? { groupName: start.groupName } : {}),
            estimatedUsage: part.usage.estimated,
          }),
        });
        break;
    }
    return out;
  }

  return new ReadableStream<LanguageModelV3StreamPart>({
    start(controller) {
      controller.enqueue({ type: 'stream-start', warnings: ctx.warnings });
    },
    async pull(controller) {
      try {
        for (;;) {
          let enqueued = false;
          // The part awaited, then every one already there behind it (`READY_PART`): one pull.
          let next: IteratorResult<StreamPart> | undefined = await parts.next();
          while (next) {
            if (closed) return;
            if (next.done) {
              closed = true;
              controller.close();
              return;
            }
            for (const p of translate(next.value)) {
              controller.enqueue(p);
              enqueued = true;
            }
            next = ready?.();
          }
          if (enqueued) return;
        }
      } catch (error) {
        if (closed) return;
        closed = true;
        controller.enqueue({ type: 'error', error: ctx.mapError(error) });
        controller.close();
      }
    },
    cancel(reason) {
      closed = true;
      stream.cancel(reason ?? 'stream cancelled by the AI SDK consumer');
      void parts.return?.();
    },
  });
}
