import type { CandidateEntry, RouteTarget } from '../catalog/cache.js';
import { ProviderError } from '../errors/provider-error.js';
import { RouterError } from '../errors/router-error.js';
import type { ProviderAdapter, ProviderCall, ProviderCallBase } from '../providers/adapter.js';
import { CALL_SIGNAL, type CallSignal } from '../providers/shared/call-signal.js';
import type { RateLimitInfo } from '../types/rate-limit.js';
import type { ChatRequest } from '../types/request.js';
import type { Usage } from '../types/result.js';
import type { TenantPrincipal } from '../tenants/types.js';

/** What a request asks of an adapter: a chat call (`complete` / `stream`) or `embed`. */
export type Operation = 'chat' | 'embed';

/** One request as the loop runs it. `R` is the caller's request type (chat or embeddings). */
export interface RequestContext<R extends object = ChatRequest> {
  readonly requestId: string;
  readonly target: RouteTarget;
  /** The caller's request with `model` resolved to a string. */
  readonly request: R;
  /** Candidates whose adapter cannot do it are skipped (`no_embed`). */
  readonly operation: Operation;
  /** Output tokens to reserve, when the request says (`maxTokens`; 0 for embeddings). */
  readonly maxOutputTokens: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly stream: boolean;
  /** Clock time the request started. */
  readonly startedAt: number;
  /** Clock time past which no attempt may run (`totalMs`). */
  readonly deadline: number;
  readonly promptEstimate: number;
  /**
   * Time this request spent waiting for capacity (a concurrency slot, a cooldown's end, a window's
   * room), in ms, so far. The loop adds to it; the router reports it on `success` and `failure`.
   */
  readonly waited: { queueMs: number };
  /** The request's affinity id (a digest of its target and affinity key), when it has one. */
  readonly affinityId?: string;
  /** The request's `maxCostUsd`, when it sets one. */
  readonly maxCostUsd?: number;
  /** The request's `tags`, when it sets some. */
  readonly tags?: readonly string[];
  /** The tenant the request comes from, if any (see `RequestOptions.tenant`). */
  readonly tenant?: TenantPrincipal | undefined;
  /** What the request's attempts used so far: tokens, and USD where the model has prices. */
  readonly spent: { tokens: number; usd: number };
}

/** One attempt, as an attempt body sees it. */
export interface AttemptContext {
  readonly attempt: number;
  readonly candidate: CandidateEntry;
  readonly keyId: string;
  readonly apiKey: string;
  /** Aborted by the caller's abort, the total deadline, or the body's own timers (via `abort`). */
  readonly signal: AbortSignal;
  /** Abort the attempt: the signal aborts and any `race` in progress rejects with `reason` at once. */
  abort(reason: unknown): void;
  /**
   * Settle with `promise`, or reject as soon as the attempt is aborted — the router never waits on
   * an adapter that ignores its signal. (Cheaper than listening on the signal: no EventTarget work.)
   */
  race<T>(promise: Promise<T>): Promise<T>;
  readonly startedAt: number;
  /**
   * Clock time at which the request runs out of `totalMs`. The body arms its own timers with it
   * (see `totalTimeout`), so that an attempt costs one timer, not two.
   */
  readonly deadline: number;
}

/** The abort reason when a request runs out of `totalMs`. */
export function totalTimeout(totalMs: number): RouterError {
  return new RouterError('TIMEOUT', `Request exceeded totalMs (${totalMs} ms)`);
}

/** What a successful attempt body returns. */
export interface AttemptSuccess<T> {
  value: T;
  usage: Usage;
  rateLimit?: RateLimitInfo;
  ttftMs?: number;
}

/**
 * Thrown by a stream body when a failure happens after content reached the consumer: no failover
 * is possible any more (content is never duplicated); the partial usage is still accounted.
 */
export class InterruptedAttempt extends Error {
  constructor(
    readonly error: unknown,
    readonly usage: Usage,
    readonly ttftMs: number | undefined,
  ) {
    super('stream interrupted after content was delivered');
    this.name = 'InterruptedAttempt';
  }
}

export type AttemptBody<T, R extends object = ChatRequest> = (
  rc: RequestContext<R>,
  a: AttemptContext,
) => Promise<AttemptSuccess<T>>;

/**
 * Arm the one timer of a single-call attempt (complete, embed): `attemptMs` or the total deadline,
 * whichever comes first, decides the reason. The caller clears it in its `finally`.
 */
export function armAttemptTimer(a: AttemptContext, attemptMs: number, totalMs: number): NodeJS.Timeout {
  const remaining = Math.max(0, a.deadline - a.startedAt);
  // The arguments ride on the timer: no closure per attempt.
  const timer = setTimeout(attemptTimedOut, Math.min(attemptMs, remaining), a, attemptMs, totalMs);
  timer.unref?.();
  return timer;
}

function attemptTimedOut(a: AttemptContext, attemptMs: number, totalMs: number): void {
  a.abort(
    Math.max(0, a.deadline - a.startedAt) <= attemptMs
      ? totalTimeout(totalMs)
      : new ProviderError({ message: `Attempt exceeded attemptMs (${attemptMs} ms)`, kind: 'timeout' }),
  );
}

/** The adapter's view of one attempt: the same for `complete` and `stream`. */
export function providerCall(rc: RequestContext, a: AttemptContext): ProviderCall {
  return adapterCall(a.candidate, rc.request, a);
}

/** Where a call's key id, secret and signal come from: an attempt, or a one-off call (countTokens). */
export interface CallSource {
  readonly keyId: string;
  readonly apiKey: string;
  readonly signal: AbortSignal;
  /** The same abort without an `AbortSignal` (an attempt's; see `callSignal`). */
  readonly callSignal?: CallSignal;
}

/**
 * Any adapter call (`complete`, `stream`, `embed`, `countTokens`) of a candidate with one key: the
 * provider without its enumerable keys, and the secret readable but never printed.
 */
export function adapterCall<R>(
  candidate: { provider: ProviderCall['provider']; model: ProviderCall['model'] },
  request: R,
  source: CallSource,
): ProviderCallBase & { request: R } {
  return new AdapterCall(callProvider(candidate.provider), candidate.model, request, source);
}

/** The symbol `util.inspect` looks for (a `Symbol.for` key: no `node:util` in the core). */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** What a call (or a copy of it) prints: everything but the secret and the signal. */
function printedCall(this: ProviderCallBase & { request: unknown }): Record<string, unknown> {
  return {
    provider: this.provider,
    model: this.model,
    key: this.key,
    request: this.request,
    apiKey: '[redacted]',
  };
}

function inspectCall(
  this: ProviderCallBase & { request: unknown },
  _depth: number,
  options: object,
  inspect?: (value: unknown, options?: object) => string,
): string {
  const view = printedCall.call(this);
  return `AdapterCall ${inspect ? inspect(view, options) : JSON.stringify(view)}`;
}

/**
 * An adapter call. The secret is readable by the adapter yet never printed: `util.inspect` and
 * `JSON.stringify` show the call with `apiKey: '[redacted]'` — and so does a copy made with
 * `{ ...call, request }`, since the hooks, the key and the signal are all own enumerable properties
 * (an adapter that derives a call keeps a working key and signal). The attempt's signal is made only
 * when someone reads it: `signal` is an own accessor, defined with one shared descriptor (a getter
 * made per call gave every call a map of its own: microseconds per call).
 */
class AdapterCall<R> implements ProviderCallBase {
  readonly key: { id: string };
  readonly apiKey: string;
  declare readonly signal: AbortSignal;
  readonly toJSON = printedCall;
  readonly [INSPECT] = inspectCall;
  readonly #source: CallSource;

  constructor(
    readonly provider: ProviderCall['provider'],
    readonly model: ProviderCall['model'],
    readonly request: R,
    source: CallSource,
  ) {
    this.key = { id: source.keyId };
    this.apiKey = source.apiKey;
    this.#source = source;
    Object.defineProperty(this, 'signal', SIGNAL);
  }

  /** The bundled adapters' view of the abort (not copied by a spread: the copy reads `signal`). */
  get [CALL_SIGNAL](): CallSignal {
    const source = this.#source;
    return source.callSignal ?? source.signal;
  }

  static readSignal(call: AdapterCall<unknown>): AbortSignal {
    return call.#source.signal;
  }
}

const SIGNAL: PropertyDescriptor = {
  get(this: AdapterCall<unknown>) {
    return AdapterCall.readSignal(this);
  },
  enumerable: true,
};

/**
 * Why a candidate's adapter cannot serve a request: no adapter of that name, no `embed`, or (given
 * the request) an adapter that says it cannot honour it without changing its meaning.
 */
export function adapterSkip(
  adapter: ProviderAdapter | undefined,
  operation: Operation,
  request?: object,
): 'no_adapter' | 'no_embed' | 'unsupported' | undefined {
  if (!adapter) return 'no_adapter';
  if (operation === 'embed') return typeof adapter.embed === 'function' ? undefined : 'no_embed';
  if (request && adapter.cannotServe?.(request as ChatRequest) !== undefined) return 'unsupported';
  return undefined;
}

/** The adapter's reason for `unsupported`, as a `VALIDATION` error (400 on the relay). */
export function unsupportedError(adapter: ProviderAdapter | undefined, request: object): RouterError {
  const why = adapter?.cannotServe?.(request as ChatRequest) ?? 'unsupported';
  return new RouterError('VALIDATION', `No candidate can serve this request as asked: ${why}`);
}

const printable = new WeakMap<ProviderCall['provider'], ProviderCall['provider']>();

/**
 * The provider as an adapter sees it: the same fields, but its `keys` (with their secrets) are
 * non-enumerable, so an adapter that logs its call prints none. One copy per catalog version.
 */
function callProvider(provider: ProviderCall['provider']): ProviderCall['provider'] {
  let copy = printable.get(provider);
  if (!copy) {
    copy = { ...provider };
    Object.defineProperty(copy, 'keys', { value: provider.keys, enumerable: false });
    printable.set(provider, copy);
  }
  return copy;
}
