import { isJsonObject } from '../json-object.js';
import type { RouterStream, StreamPart, Usage } from 'model-router';
import { partsToSse, type SseFraming } from '../relay/parts-sse.js';
import { sseFrame } from '../relay/sse-headers.js';
import type { SseReply } from '../relay/types.js';
import { anthropicErrorBody, describeAnthropicError } from './errors.js';
import { passedAnthropicUsage, saneStartUsage, toAnthropicUsage, toStopReason } from './response.js';

export interface MessageStreamOptions {
  /** `msg_…`, for a message built here. */
  id: string;
  /** The model name of a message built here. */
  model: string;
  /** The upstream speaks Anthropic too: its events pass on unchanged (`wire` parts). */
  passThrough: boolean;
  requestId: string;
}

const ev = (type: string, data: Record<string, unknown>) => sseFrame({ type, ...data }, type);

/**
 * A Messages event stream. From an Anthropic upstream every event passes on as it came (`wire`
 * parts: thinking and signature deltas, citations, server tools, pings); from any other the event
 * sequence is built from the router's parts — `message_start`, `ping`, per block
 * `content_block_start` / `_delta` (`text_delta`, `input_json_delta`, `thinking_delta`,
 * `signature_delta`) / `_stop`, then `message_delta` (stop reason, usage) and `message_stop`. A failure
 * after the answer began is an `error` event, and the stream ends.
 */
export function anthropicEventStream(
  stream: RouterStream,
  parts: AsyncIterator<StreamPart>,
  options: MessageStreamOptions,
  headers: Record<string, string>,
): SseReply {
  const error = (e: unknown) => [
    sseFrame(anthropicErrorBody(describeAnthropicError(e), options.requestId), 'error'),
  ];
  const framing = options.passThrough ? passThroughFraming(error) : translatedFraming(options, error);
  return partsToSse(stream, parts, framing, headers);
}

function passThroughFraming(error: SseFraming['error']): SseFraming {
  let stopped = false;
  // message_delta (and message_stop) wait for the finish: its usage goes out with the router's
  // validated counts over the upstream's, so a garbage count never reaches the client.
  let held: Record<string, unknown> | undefined;
  let heldStop: Record<string, unknown> | undefined;
  return {
    part(part) {
      if (part.type === 'finish') {
        const out: string[] = [];
        if (held)
          out.push(
            sseFrame({ ...held, usage: passedAnthropicUsage(held.usage, part.usage) }, 'message_delta'),
          );
        if (heldStop) {
          stopped = true;
          out.push(sseFrame(heldStop, 'message_stop'));
        }
        held = heldStop = undefined;
        return out;
      }
      if (part.type !== 'wire' || part.format !== 'anthropic-messages') return [];
      const data = part.data as Record<string, unknown>;
      if (part.event === 'message_delta') {
        held = data;
        return [];
      }
      if (part.event === 'message_stop') {
        heldStop = data;
        return [];
      }
      const message = data.message;
      if (part.event === 'message_start' && isJsonObject(message)) {
        return [
          sseFrame({ ...data, message: { ...message, usage: saneStartUsage(message.usage) } }, part.event),
        ];
      }
      return [sseFrame(data, part.event)];
    },
    // An upstream that closed after message_delta lost only the terminator.
    close: () => (stopped ? [] : [ev('message_stop', {})]),
    error,
  };
}

type Block = { kind: 'text' } | { kind: 'tool'; index: number } | { kind: 'thinking'; index: number };

function translatedFraming(options: MessageStreamOptions, error: SseFraming['error']): SseFraming {
  let open: Block | undefined;
  let next = 0; // the next content block's index
  const stop = (): string[] => {
    if (!open) return [];
    open = undefined;
    return [ev('content_block_stop', { index: next - 1 })];
  };
  const start = (block: Block, content: Record<string, unknown>): string[] => {
    const out = stop();
    open = block;
    out.push(ev('content_block_start', { index: next++, content_block: content }));
    return out;
  };
  const delta = (d: Record<string, unknown>) => ev('content_block_delta', { index: next - 1, delta: d });
  return {
    open: () => [
      ev('message_start', {
        message: {
          id: options.id,
          type: 'message',
          role: 'assistant',
          model: options.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          // The real counts come with message_delta (clients overwrite these with them).
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      }),
      ev('ping', {}),
    ],
    part(part) {
      switch (part.type) {
        case 'text-delta': {
          if (part.text === '') return [];
          const out = open?.kind === 'text' ? [] : start({ kind: 'text' }, { type: 'text', text: '' });
          out.push(delta({ type: 'text_delta', text: part.text }));
          return out;
        }
        case 'tool-call-delta': {
          let out: string[] = [];
          if (open?.kind !== 'tool' || open.index !== part.index) {
            out = start(
              { kind: 'tool', index: part.index },
              {
                type: 'tool_use',
                id: part.id ?? `toolu_${options.id}_${part.index}`,
                name: part.name ?? '',
                input: {},
              },
            );
          }
          if (part.argumentsDelta !== '')
            out.push(delta({ type: 'input_json_delta', partial_json: part.argumentsDelta }));
          return out;
        }
        case 'reasoning-delta': {
          // Only Anthropic-family reasoning means something to this client.
          if (part.family !== 'anthropic') return [];
          let out: string[] = [];
          if (open?.kind !== 'thinking' || open.index !== part.index) {
            out =
              part.data !== undefined
                ? start(
                    { kind: 'thinking', index: part.index },
                    { type: 'redacted_thinking', data: part.data },
                  )
                : start(
                    { kind: 'thinking', index: part.index },
                    { type: 'thinking', thinking: '', signature: '' },
                  );
            if (part.data !== undefined) return out;
          }
          if (part.text) out.push(delta({ type: 'thinking_delta', thinking: part.text }));
          if (part.signature) out.push(delta({ type: 'signature_delta', signature: part.signature }));
          return out;
        }
        case 'finish':
          return [...stop(), ...finish(part.finishReason, part.usage)];
        default:
          return [];
      }
    },
    error,
  };
}

function finish(reason: Parameters<typeof toStopReason>[0], usage: Usage): string[] {
  return [
    ev('message_delta', {
      delta: { stop_reason: toStopReason(reason), stop_sequence: null },
      usage: toAnthropicUsage(usage),
    }),
    ev('message_stop', {}),
  ];
}
