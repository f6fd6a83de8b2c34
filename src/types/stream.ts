import type { AdapterUsage } from '../providers/adapter.js';
import type { WireFormat } from './request.js';
import type { CompletionResult, FinishReason, RouterWarning, Usage } from './result.js';

export interface StartPart {
  type: 'start';
  providerId: string;
  modelId: string;
  groupName?: string;
  /** What was left out of the request for this provider (known before the answer began). */
  warnings?: RouterWarning[];
}
export interface TextDeltaPart {
  type: 'text-delta';
  text: string;
}
export interface ToolCallDeltaPart {
  type: 'tool-call-delta';
  index: number;
  id?: string;
  name?: string;
  argumentsDelta: string;
}
/**
 * A piece of reasoning (see `ReasoningPart`). `index` numbers the reasoning blocks of the answer;
 * `text`, `signature` and `data` are appended to the block's fields.
 */
export interface ReasoningDeltaPart {
  type: 'reasoning-delta';
  family: string;
  index: number;
  text?: string;
  signature?: string;
  data?: string;
  id?: string;
}
/**
 * One upstream event as it came over the wire, for a relay front door of the same format to pass on
 * unchanged. Adapters emit it only when the request's `wire.format` is theirs; every other consumer
 * ignores it. It never commits a stream: events before the first content part are held back and
 * follow the `start` part (or are dropped with a failed attempt).
 */
export interface WireEventPart {
  type: 'wire';
  format: WireFormat;
  /** The SSE event name (`message_start`, `content_block_delta`, …). */
  event: string;
  /** The event's parsed JSON data. */
  data: unknown;
  /**
   * Characters of the event's data as it came (its JSON text), when the adapter knows them: what the
   * router's memory bounds count for this part instead of walking `data` again. Never fewer than the
   * characters of the strings in `data`.
   */
  chars?: number;
}
export interface FinishPart {
  type: 'finish';
  finishReason: FinishReason;
  usage: Usage;
}

/** What `router.stream()` yields. */
export type StreamPart =
  | StartPart
  | TextDeltaPart
  | ToolCallDeltaPart
  | ReasoningDeltaPart
  | WireEventPart
  | FinishPart;

/** What an adapter's stream yields: content parts, then one `finish` (usage may be partial). */
export type AdapterStreamPart =
  | TextDeltaPart
  | ToolCallDeltaPart
  | ReasoningDeltaPart
  | WireEventPart
  | {
      type: 'finish';
      finishReason: FinishReason;
      usage?: AdapterUsage;
      /** Model name reported by the provider. */
      responseModel?: string;
      id?: string;
    };

/** The value `router.stream()` returns synchronously. */
export interface RouterStream extends AsyncIterable<StreamPart> {
  /** Settles when the stream ends: the same `CompletionResult` as `complete()`, or its error. */
  readonly result: Promise<CompletionResult>;
  /** Stop the stream, cancel the upstream call and release everything it holds. */
  cancel(reason?: unknown): void;
}
