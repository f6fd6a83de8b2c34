import type { CompletionResult, FinishReason, Usage } from './result.js';

export interface StartPart {
  type: 'start';
  providerId: string;
  modelId: string;
  groupName?: string;
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
export interface FinishPart {
  type: 'finish';
  finishReason: FinishReason;
  usage: Usage;
}

/** What `router.stream()` yields. */
export type StreamPart = StartPart | TextDeltaPart | ToolCallDeltaPart | FinishPart;

/** What an adapter's stream yields: content parts, then one `finish` (usage may be partial). */
export type AdapterStreamPart =
  | TextDeltaPart
  | ToolCallDeltaPart
  | {
      type: 'finish';
      finishReason: FinishReason;
      usage?: { promptTokens?: number; completionTokens?: number; totalTokens?: number };
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
