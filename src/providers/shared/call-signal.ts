import type { ProviderCallBase } from '../adapter.js';

/**
 * What the shared HTTP helpers read of a call's abort. An `AbortSignal` has this shape; so has the
 * router's attempt (`AttemptControl`), which aborts the same call without the EventTarget Node
 * builds for every `AbortSignal` (microseconds per call, plus each listener added and removed).
 */
export interface CallSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * Where a router-made call keeps that cheaper view of its abort (a prototype getter: a copy made
 * with `{ ...call }` has none, and falls back to its `signal`).
 */
export const CALL_SIGNAL: unique symbol = Symbol('model-router.callSignal');

/** The call's abort as the helpers read it: the attempt's own view when the router made the call. */
export function callSignal(call: ProviderCallBase): CallSignal {
  return (call as { [CALL_SIGNAL]?: CallSignal })[CALL_SIGNAL] ?? call.signal;
}
