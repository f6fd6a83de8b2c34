import type { MockStep } from '../src/testing/mock-provider.js';
import { type Random, rng } from './prng.js';

/**
 * What one attempt at a provider does. The in-process mocks and the loopback HTTP server draw from
 * the same menu; a few faults exist only on the wire (resets, malformed chunks, huge lines, garbage
 * bodies) and a few only for streams (failures after or before the first token, stalls).
 */
export type Fault =
  | 'ok'
  | 'ok_no_usage'
  | 'ok_bad_usage'
  | 'ok_slow'
  | 'ok_long'
  | 'e500'
  | 'e429_retry_after'
  | 'e429'
  | 'e429_garbage_retry_after'
  | 'e529'
  | 'e401'
  | 'e400'
  | 'hang'
  | 'hang_ignore_abort'
  | 'reset'
  | 'mid_error'
  | 'mid_reset'
  | 'mid_stall'
  | 'pre_error'
  | 'malformed'
  | 'huge_line'
  | 'non_json'
  | 'oversized_body'
  | 'error_body_200'
  // Hostile upstreams of #11: a tool-call index of 2³²−2 (defect 1), a stream that never ends (2),
  // parts of a few KiB each that an unread stream must not hoard (3), the caller's key echoed
  // truncated, upper-cased, \u-escaped, %-encoded or in a header (9), a JSON body that never ends.
  | 'huge_tool_index'
  | 'endless'
  | 'big_parts'
  | 'echo_mangled_key'
  | 'endless_body';

/**
 * The router's `limits` in the soak: small, so that an endless stream hits `maxOutputChars` after
 * a few hundred events and a stream of big parts fills `streamBufferBytes` after a few parts.
 */
export const ROUTER_LIMITS = { maxOutputChars: 48 * 1024, maxToolCalls: 128, streamBufferBytes: 16 * 1024 };

/** The tool-call index of `huge_tool_index` (defect 1: 4294967294 froze the event loop for ~100 s). */
export const HUGE_TOOL_INDEX = 4_294_967_294;

/** The shapes in which `echo_mangled_key` sends the caller's key back. */
export const KEY_ECHOES = ['truncated', 'upper', 'u_escaped', 'percent', 'header', 'middle'] as const;
export type KeyEcho = (typeof KEY_ECHOES)[number];

/** Relative weights of faults; an attempt draws one. */
export type FaultWeights = Partial<Record<Fault, number>>;
type Weights = FaultWeights;

const COMMON: Weights = {
  ok: 58,
  ok_no_usage: 5,
  ok_bad_usage: 2,
  ok_slow: 4,
  ok_long: 1,
  e500: 5,
  e429_retry_after: 4,
  e429: 2,
  e529: 3,
  e401: 1,
  e400: 0.7,
  hang: 1.5,
};
const MOCK_ONLY: Weights = { hang_ignore_abort: 1 };
const STREAM_ONLY: Weights = { mid_error: 3, pre_error: 2, mid_stall: 1 };
const HTTP_ONLY: Weights = {
  reset: 2,
  e429_garbage_retry_after: 1,
  error_body_200: 1,
  echo_mangled_key: 2,
};
const HTTP_STREAM: Weights = {
  mid_reset: 1.5,
  malformed: 2,
  huge_line: 1,
  huge_tool_index: 1.5,
  endless: 0.7,
  big_parts: 1.5,
};
const HTTP_COMPLETE: Weights = { non_json: 1.5, oversized_body: 1, endless_body: 0.5 };

/** Characters of one part of `big_parts` (under the soak's 4 KiB line cap once framed as an event). */
const BIG_PART_CHARS = 3_000;
/** Characters of one part of `endless` (the stream cycles through its parts for ever). */
const ENDLESS_PART_CHARS = 600;

/** Everything the checker needs to know about what a provider sent for one attempt. */
export interface ReplyPlan {
  fault: Fault;
  /** The whole reply text (what a successful attempt delivers). */
  text: string;
  /** The reply cut into stream chunks (`text` = their concatenation). */
  chunks: string[];
  /** Usage the provider reports on success; absent for `ok_no_usage` / `ok_bad_usage`. */
  usage?: { prompt: number; completion: number };
  /** Chunks sent before a mid-stream fault (0 for `huge_tool_index`: before the commit). */
  failAfter: number;
  /** How `echo_mangled_key` sends the key back. */
  echo: KeyEcho;
  /** Served over the wire (else by an in-process mock). */
  wire: boolean;
  retryAfterMs: number;
  delayMs: number;
}

/** The plan of one attempt: a function of (seed, request index, provider, key) only. */
export function planReply(
  seed: number,
  idx: number,
  providerId: string,
  keyId: string,
  stream: boolean,
  wire: boolean,
  /** Weights that replace the defaults for wire attempts (faults that cannot happen are ignored). */
  wireWeights?: FaultWeights,
): ReplyPlan {
  const r = rng(seed, idx, providerId, keyId, 'reply');
  const weights: Weights = {
    ...COMMON,
    ...(wire ? HTTP_ONLY : MOCK_ONLY),
    ...(stream ? STREAM_ONLY : {}),
    ...(wire ? (stream ? HTTP_STREAM : HTTP_COMPLETE) : {}),
  };
  if (wire && wireWeights) {
    for (const [f, w] of Object.entries(wireWeights) as [Fault, number][]) if (f in weights) weights[f] = w;
  }
  const fault = r.weighted(weights as Record<Fault, number>);
  const words = fault === 'ok_long' ? 300 : r.int(2, 12);
  let text = r.words(words);
  let chunks: string[] = text.match(/\S+\s*/g) ?? [text];
  // Long parts: each word of the reply repeated into one part of a few KiB.
  const long = fault === 'big_parts' ? BIG_PART_CHARS : fault === 'endless' ? ENDLESS_PART_CHARS : 0;
  if (long > 0) {
    chunks = chunks.map((w) => `${w.trim()} `.repeat(Math.ceil(long / (w.trim().length + 1))).slice(0, long));
    text = chunks.join('');
  }
  const plan: ReplyPlan = {
    fault,
    text,
    chunks,
    wire,
    failAfter: r.int(1, Math.max(1, chunks.length - 1)),
    echo: KEY_ECHOES[r.int(0, KEY_ECHOES.length - 1)]!,
    retryAfterMs: r.int(2, 40),
    delayMs: fault === 'ok_slow' ? r.int(2, 15) : r.chance(0.2) ? r.int(0, 2) : 0,
  };
  if (fault !== 'ok_no_usage' && fault !== 'ok_bad_usage') {
    plan.usage = { prompt: r.int(3, 90), completion: r.int(1, 70) };
  }
  // A third of the huge indexes come first, before any content: the router must fail over.
  if (fault === 'huge_tool_index' && r.chance(1 / 3)) plan.failAfter = 0;
  return plan;
}

/** The chunks delivered before the fault of a plan cut the stream (an upper bound for the checker). */
export function sentChunks(plan: ReplyPlan): string[] {
  switch (plan.fault) {
    case 'mid_error':
    case 'mid_reset':
    case 'malformed':
    case 'huge_line':
    case 'huge_tool_index':
      // Every adapter refuses the index (anthropic and bedrock check their block indexes too).
      return plan.chunks.slice(0, plan.failAfter);
    case 'endless': {
      // Cycles through its parts until the router's output cap (one part past it at most).
      const parts = Math.ceil(ROUTER_LIMITS.maxOutputChars / ENDLESS_PART_CHARS) + 1;
      return Array.from({ length: parts }, (_, i) => plan.chunks[i % plan.chunks.length]!);
    }
    case 'mid_stall':
      // The wire server goes quiet after one chunk; the mock only slows down (a chunk a second),
      // and on a loaded machine the router's idle deadline may fire after more of them arrived.
      return plan.wire ? plan.chunks.slice(0, 1) : plan.chunks;
    case 'pre_error':
      return [];
    default:
      return plan.chunks;
  }
}

/**
 * True when `text` (what a consumer read) is a prefix of what the provider sent under `plan`: its
 * reply, or for an endless stream, its parts over and over.
 */
export function isPrefixOfReply(plan: ReplyPlan, text: string): boolean {
  if (plan.fault !== 'endless') return plan.text.startsWith(text);
  for (let at = 0; at < text.length; at += plan.text.length) {
    const piece = text.slice(at, at + plan.text.length);
    if (!plan.text.startsWith(piece)) return false;
  }
  return true;
}

/** Characters delivered before the fault of a plan cut the stream (`text` is its chunks joined). */
export function sentChars(plan: ReplyPlan): number {
  return sentChunks(plan).join('').length;
}

/** True when a successful attempt under this plan reports usage the router must take as is. */
export function reportsUsage(plan: ReplyPlan): boolean {
  return plan.usage !== undefined;
}

/** The in-process mock's step for a plan. */
export function mockStep(plan: ReplyPlan, stream: boolean): MockStep {
  const usage = plan.usage
    ? {
        promptTokens: plan.usage.prompt,
        completionTokens: plan.usage.completion,
        totalTokens: plan.usage.prompt + plan.usage.completion,
      }
    : plan.fault === 'ok_bad_usage'
      ? { promptTokens: -5, completionTokens: Number.NaN, totalTokens: Number.POSITIVE_INFINITY }
      : null;
  const reply = { text: plan.text, chunks: plan.chunks, usage, delayMs: plan.delayMs };
  switch (plan.fault) {
    case 'e500':
      return { error: { status: 500 } };
    case 'e429_retry_after':
      return { error: { status: 429, retryAfterMs: plan.retryAfterMs } };
    case 'e429':
      return { error: { status: 429 } };
    case 'e529':
      return { error: { status: 529 } };
    case 'e401':
      return { error: { status: 401 } };
    case 'e400':
      return { error: { status: 400, message: 'mock: bad request' } };
    case 'hang':
      return { hang: true };
    case 'hang_ignore_abort':
      return { hang: true, ignoreAbort: true };
    case 'ok_slow':
      return { ...reply, ...(stream ? { chunkDelayMs: 1 } : {}) };
    case 'mid_error':
      return { ...reply, failAfterChunks: plan.failAfter, streamError: { status: 500 } };
    case 'pre_error':
      return { ...reply, failAfterChunks: 0, streamError: { status: 503 } };
    case 'mid_stall':
      return { ...reply, chunkDelayMs: 1_000 };
    default:
      return reply;
  }
}

/** Per-request caller behaviour. */
export type Behaviour =
  | 'normal'
  | 'pre_aborted'
  | 'abort_after'
  | 'read_all'
  | 'slow_reader'
  | 'break_after'
  | 'throw_in_loop'
  | 'abandon'
  | 'cancel_after_first'
  | 'abort_mid_stream';

export interface RequestPlan {
  stream: boolean;
  behaviour: Behaviour;
  model: string;
  messages: { role: 'system' | 'user'; content: string }[];
  maxTokens?: number;
  /** For `abort_after` (ms) and `break_after` (content parts). */
  param: number;
}

export function planRequest(
  seed: number,
  idx: number,
  models: { group: string[]; direct: string[] },
): RequestPlan {
  const r: Random = rng(seed, idx, 'request');
  const stream = r.chance(0.5);
  const behaviour: Behaviour = stream
    ? r.weighted({
        read_all: 60,
        slow_reader: 5,
        break_after: 8,
        throw_in_loop: 3,
        abandon: 8,
        cancel_after_first: 5,
        abort_mid_stream: 6,
        pre_aborted: 1,
      })
    : r.weighted({ normal: 90, abort_after: 8, pre_aborted: 2 });
  const model = r.chance(0.9) ? r.pick(models.group) : r.pick(models.direct);
  const messages: RequestPlan['messages'] = [];
  if (r.chance(0.3)) messages.push({ role: 'system', content: r.words(r.int(1, 10)) });
  messages.push({ role: 'user', content: r.words(r.int(1, 40)) });
  const plan: RequestPlan = {
    stream,
    behaviour,
    model,
    messages,
    param: behaviour === 'abort_after' ? r.int(0, 40) : r.int(1, 3),
  };
  if (r.chance(0.3)) plan.maxTokens = r.int(16, 512);
  return plan;
}
