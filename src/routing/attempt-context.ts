import type { CandidateEntry, RouteTarget } from '../catalog/cache.js';
import { RouterError } from '../errors/router-error.js';
import type { ProviderCall } from '../providers/adapter.js';
import type { RateLimitInfo } from '../types/rate-limit.js';
import type { ChatRequest } from '../types/request.js';
import type { Usage } from '../types/result.js';

/** One request as the loop runs it. */
export interface RequestContext {
  readonly requestId: string;
  readonly target: RouteTarget;
  /** The caller's request with `model` resolved to a string. */
  readonly request: ChatRequest;
  readonly signal: AbortSignal | undefined;
  readonly stream: boolean;
  /** Clock time the request started. */
  readonly startedAt: number;
  /** Clock time past which no attempt may run (`totalMs`). */
  readonly deadline: number;
  readonly promptEstimate: number;
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

export type AttemptBody<T> = (rc: RequestContext, a: AttemptContext) => Promise<AttemptSuccess<T>>;

/** The adapter's view of one attempt: the same for `complete` and `stream`. */
export function providerCall(rc: RequestContext, a: AttemptContext): ProviderCall {
  return {
    provider: a.candidate.provider,
    model: a.candidate.model,
    key: { id: a.keyId },
    apiKey: a.apiKey,
    request: rc.request,
    signal: a.signal,
  };
}
