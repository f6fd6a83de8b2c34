import { ProviderError, type ProviderErrorOptions } from '../../errors/provider-error.js';
import type { Clock } from '../../util/clock.js';
import type { ProviderCall, ProviderCallBase } from '../adapter.js';
import { type CallSignal, callSignal } from './call-signal.js';
import type { ResolvedLimits } from './limits.js';
import { globalDispatcher } from './dispatcher.js';
import { nodeFetch } from './node-transport.js';
import type { HttpFetch } from './transport.js';

/** Everything one call needs, resolved when the call starts. */
export interface CallContext<C extends ProviderCallBase = ProviderCall> {
  /** The adapter's name, for messages. */
  readonly adapter: string;
  readonly call: C;
  /** The call's abort, as the helpers listen on it (`callSignal`: no `AbortSignal` when the router made the call). */
  readonly signal: CallSignal;
  readonly fetch: HttpFetch;
  readonly limits: ResolvedLimits;
  readonly clock: Clock;
}

/** A context of any call (chat or embeddings): what the shared HTTP helpers need. */
export type AnyCallContext = CallContext<ProviderCallBase>;

export function createContext<C extends ProviderCallBase>(
  adapter: string,
  call: C,
  options: { fetch?: HttpFetch | undefined; limits: ResolvedLimits; clock: Clock },
): CallContext<C> {
  return {
    adapter,
    call,
    signal: callSignal(call),
    fetch: options.fetch ?? defaultFetch(),
    limits: options.limits,
    clock: options.clock,
  };
}

/** `globalThis.fetch` as it was when the adapters were loaded. */
const loadedFetch = globalThis.fetch;

/**
 * The transport of a call that injected no `fetch`: `nodeFetch` (fetch's own dispatcher, without the
 * web objects), unless `globalThis.fetch` was replaced since load (an interceptor such as msw, a
 * tracing wrapper, a test's stub) — then that fetch, read now, not at factory time, so that
 * interceptors installed later see every call — or the runtime has no undici dispatcher (Bun, Deno):
 * then its `fetch`.
 */
export function defaultFetch(): HttpFetch {
  const current = globalThis.fetch;
  if (current !== loadedFetch && current !== undefined) return current;
  return current === undefined || globalDispatcher() ? nodeFetch : current;
}

type ErrorFields = Omit<ProviderErrorOptions, 'providerId' | 'modelId' | 'keyId'>;

/** A `ProviderError` naming the call's provider, model and key (never the secret). */
export function providerError(ctx: AnyCallContext, fields: ErrorFields): ProviderError {
  return new ProviderError({
    ...fields,
    providerId: ctx.call.provider.id,
    modelId: ctx.call.model.modelId,
    keyId: ctx.call.key.id,
  });
}

/** The upstream broke the wire protocol (`PROTOCOL_ERROR`), as a retryable `ProviderError`. */
export function protocolError(ctx: AnyCallContext, message: string, cause?: unknown): ProviderError {
  return providerError(ctx, {
    kind: 'protocol',
    message: `${ctx.adapter}: protocol error: ${message}`,
    cause,
  });
}

const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * What to throw when fetch or a body read failed. The caller's abort wins and is rethrown as is
 * (the router decides what an abort means); a `ProviderError` passes through; timeouts and
 * connection failures get their kinds.
 */
export function transportError(ctx: AnyCallContext, err: unknown): unknown {
  const { signal } = ctx;
  if (signal.aborted) return signal.reason;
  if (ProviderError.isProviderError(err)) return err;
  const code = errorCode(err);
  const name = err instanceof Error ? err.name : typeof err;
  const detail = code ?? name;
  if (name === 'TimeoutError' || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return providerError(ctx, {
      kind: 'timeout',
      message: `${ctx.adapter}: timed out (${detail})`,
      cause: err,
    });
  }
  // fetch rejects with a TypeError for every connection failure (refused, reset, DNS, TLS).
  const kind =
    err instanceof TypeError || code !== undefined || name === 'AbortError' ? 'network' : 'unknown';
  return providerError(ctx, { kind, message: `${ctx.adapter}: ${kind} error (${detail})`, cause: err });
}
