import { ProviderError } from '../errors/provider-error.js';
import type { RouterLimits } from '../options.js';
import type { ReasoningPart, ToolCall } from '../types/request.js';
import type { ReasoningDeltaPart, TextDeltaPart, ToolCallDeltaPart } from '../types/stream.js';

type ContentPart = TextDeltaPart | ToolCallDeltaPart | ReasoningDeltaPart;

/** Reasoning blocks per message: far above what any provider sends, low enough to keep a Map small. */
const MAX_REASONING_BLOCKS = 1024;

/**
 * What one streamed attempt has produced so far, kept for `result`. Bounded whatever the upstream
 * sends: tool calls live in a `Map` under a checked index (a sparse array indexed by 4294967294 would
 * freeze the event loop when read back), and text plus tool arguments stop at `maxOutputChars`.
 * A violation throws a `ProviderError` of kind `protocol` before anything is stored.
 */
export class StreamOutput {
  private text = '';
  // Made on the first tool call or reasoning block: most streams are text only.
  private tools: Map<number, ToolCall> | undefined;
  private reasoning: Map<number, ReasoningPart> | undefined;
  /** Characters of text, tool names (each time one is sent), arguments and reasoning text: the estimate. */
  private held = 0;
  /** Characters of everything kept (reasoning signatures and opaque data too): the memory bound. */
  private kept = 0;

  constructor(private readonly limits: Required<RouterLimits>) {}

  /** Characters of text plus tool names and arguments (the output-token estimate counts these). */
  get chars(): number {
    return this.held;
  }

  /** Check a part against the limits; throws without changing anything when it breaks one. */
  check(part: ContentPart): void {
    const { maxOutputChars, maxToolCalls } = this.limits;
    let adds: number;
    if (part.type === 'text-delta') adds = part.text.length;
    else if (part.type === 'reasoning-delta') {
      const { index } = part;
      if (!Number.isSafeInteger(index) || index < 0 || index >= MAX_REASONING_BLOCKS) {
        throw protocol(`reasoning index ${String(index)} is outside [0, ${MAX_REASONING_BLOCKS})`);
      }
      adds = (part.text?.length ?? 0) + (part.signature?.length ?? 0) + (part.data?.length ?? 0);
    } else {
      const { index } = part;
      if (!Number.isSafeInteger(index) || index < 0 || index >= maxToolCalls) {
        throw protocol(
          `tool-call index ${String(index)} is outside [0, ${maxToolCalls}) (limits.maxToolCalls)`,
        );
      }
      const tools = this.tools;
      if (tools && !tools.has(index) && tools.size >= maxToolCalls) {
        throw protocol(`more than ${maxToolCalls} tool calls (limits.maxToolCalls)`);
      }
      // An id or a name replaces the previous one, so the memory it takes is bounded by one part.
      adds = (part.name?.length ?? 0) + part.argumentsDelta.length;
    }
    if (this.kept + adds > maxOutputChars) {
      throw protocol(`output exceeded limits.maxOutputChars (${maxOutputChars} characters)`);
    }
  }

  /** Keep a part that passed `check`. */
  add(part: ContentPart): void {
    if (part.type === 'text-delta') {
      this.text += part.text;
      this.held += part.text.length;
      this.kept += part.text.length;
      return;
    }
    if (part.type === 'reasoning-delta') {
      this.reasoning ??= new Map();
      let r = this.reasoning.get(part.index);
      if (!r) {
        r = { type: 'reasoning', family: part.family };
        this.reasoning.set(part.index, r);
      }
      if (part.id) r.id = part.id;
      if (part.text) r.text = (r.text ?? '') + part.text;
      if (part.signature) r.signature = (r.signature ?? '') + part.signature;
      if (part.data) r.data = (r.data ?? '') + part.data;
      this.held += part.text?.length ?? 0;
      this.kept += (part.text?.length ?? 0) + (part.signature?.length ?? 0) + (part.data?.length ?? 0);
      return;
    }
    this.tools ??= new Map();
    let call = this.tools.get(part.index);
    if (!call) {
      call = { id: '', name: '', arguments: '' };
      this.tools.set(part.index, call);
    }
    if (part.id) call.id = part.id;
    if (part.name) call.name = part.name;
    call.arguments += part.argumentsDelta;
    this.held += (part.name?.length ?? 0) + part.argumentsDelta.length;
    this.kept += (part.name?.length ?? 0) + part.argumentsDelta.length;
  }

  get content(): string {
    return this.text;
  }

  /** Tool calls in index order (gaps closed). */
  toolCalls(): ToolCall[] {
    return inOrder(this.tools);
  }

  /** Reasoning blocks in index order (gaps closed). */
  reasoningParts(): ReasoningPart[] {
    return inOrder(this.reasoning);
  }

  /**
   * Check a wire event held back before the commit (its size as `wireChars` counts it): a hostile
   * upstream must not fill memory with events that never commit the stream either.
   */
  holdBack(chars: number): void {
    if (this.kept + chars > this.limits.maxOutputChars) {
      throw protocol(
        `events before the first content exceeded limits.maxOutputChars (${this.limits.maxOutputChars} characters)`,
      );
    }
    this.kept += chars;
  }
}

function inOrder<T>(map: Map<number, T> | undefined): T[] {
  if (map === undefined) return [];
  return [...map.entries()].sort((x, y) => x[0] - y[0]).map(([, v]) => v);
}

function protocol(message: string): ProviderError {
  return new ProviderError({ message: `Stream protocol error: ${message}`, kind: 'protocol' });
}
