import type { CandidateEntry, PoolKey } from '../catalog/cache.js';
import { ProviderError } from '../errors/provider-error.js';
import { RouterError } from '../errors/router-error.js';
import type { KeyBlock, QuotaKey, QuotaLease, SettleInput } from '../quota/quota-store.js';
import type { AttemptSummary, Usage } from '../types/result.js';
import type { UsageRecord } from '../types/usage-record.js';
import type { AttemptBody, RequestContext } from './attempt-context.js';
import { InterruptedAttempt } from './attempt-context.js';
import { AttemptControl } from './attempt-control.js';
import { failureSummary, usageRecord } from './attempt-records.js';
import { normalizeError } from './normalize-error.js';
import { reserveQuota, settleQuota } from '../quota/sync-quota.js';
import type { Runtime } from './runtime.js';

/** How one try of one candidate ended. */
export type AttemptOutcome<T> =
  | { kind: 'success'; value: T; usage: Usage; summary: AttemptSummary }
  /** No key had capacity: nothing was sent, nothing was spent. */
  | { kind: 'blocked'; blocked: KeyBlock[]; retryAfterMs: number | undefined }
  | { kind: 'failed'; error: unknown; keyId: string; summary: AttemptSummary };

/** Abort reason for an attempt the router has finished with; shared, so aborting costs no stack trace. */
const ATTEMPT_ENDED = new RouterError('ABORTED', 'The router finished this attempt');

const ZERO_USAGE: Usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0, estimated: false };

/**
 * Reserve a key of `candidate`, run one attempt, and release what was taken — exactly once, in the
 * `finally` of this function, on every path: success, provider error, timeout, abort, a throwing
 * hook, an adapter that never settles.
 */
export async function runAttempt<T, R extends object>(
  rt: Runtime,
  rc: RequestContext<R>,
  candidate: CandidateEntry,
  keys: readonly QuotaKey[],
  attemptNo: number,
  outputReserve: number,
  body: AttemptBody<T, R>,
  /** API keys already resolved for this request, by key id. */
  apiKeys?: ReadonlyMap<string, string>,
): Promise<AttemptOutcome<T>> {
  const reserving = reserveQuota(rt.quota, { keys, tokens: rc.promptEstimate + outputReserve });
  const reserved = reserving instanceof Promise ? await reserving : reserving;
  if (!reserved.ok)
    return { kind: 'blocked', blocked: reserved.blocked, retryAfterMs: reserved.retryAfterMs };

  const lease = reserved.lease;
  if (rc.signal?.aborted) {
    // The caller left while the store reserved: nothing was sent, so there is no attempt to
    // account (no usage record); the lease goes back at once.
    const settling = settleSafely(rt, lease, { tokens: 0 });
    if (settling) await settling;
    throw abortedError(rc.signal.reason);
  }
  const clock = rt.options.clock;
  const startedAt = clock.now();
  const a = new AttemptControl(attemptNo, candidate, lease.keyId, startedAt, rc.deadline);
  const signal = rc.signal;
  const onCallerAbort = signal ? () => a.abort(abortedError(signal.reason)) : undefined;
  rt.counters.inFlight++;
  rt.stats.begin(candidate.ref);
  let settle: SettleInput = { tokens: 0 };
  let succeeded = false;
  try {
    // Inside the try: whatever happens from here on, the finally below releases the lease.
    if (signal) signal.addEventListener('abort', onCallerAbort!, { once: true });
    if (signal?.aborted) throw abortedError(signal.reason);
    const key = keyOf(candidate, lease.keyId);
    if (!key) throw new RouterError('VALIDATION', `Key "${lease.keyId}" left the catalog`);
    if (rt.emitter.has('attempt')) {
      rt.emitter.emit('attempt', {
        requestId: rc.requestId,
        attempt: attemptNo,
        providerId: candidate.providerId,
        modelId: candidate.modelId,
        keyId: lease.keyId,
        stream: rc.stream,
      });
    }
    a.apiKey = apiKeys?.get(lease.keyId) ?? (await resolveKey(rt, key.entry));
    const ok = await body(rc, a);
    succeeded = true;
    const tokens = ok.usage.totalTokens;
    settle = ok.rateLimit ? { tokens, rateLimit: ok.rateLimit } : { tokens };
    const finishedAt = clock.now();
    rt.breakers.success(candidate.ref, finishedAt);
    rt.demotions.lift(candidate.ref);
    rt.stats.sample(candidate.ref, finishedAt - startedAt, ok.ttftMs, ok.usage.completionTokens);
    const summary: AttemptSummary = {
      attempt: attemptNo,
      providerId: candidate.providerId,
      modelId: candidate.modelId,
      keyId: lease.keyId,
      status: 'success',
      latencyMs: finishedAt - startedAt,
    };
    rt.usage.record(
      spend(rc, usageRecord(rc, candidate, summary, ok.usage, startedAt, finishedAt, ok.ttftMs)),
    );
    return { kind: 'success', value: ok.value, usage: ok.usage, summary };
  } catch (thrown) {
    const finishedAt = clock.now();
    const interrupted = thrown instanceof InterruptedAttempt ? thrown : undefined;
    const error = normalizeError(interrupted ? interrupted.error : thrown, candidate, lease.keyId, a.apiKey);
    const usage = interrupted ? interrupted.usage : ZERO_USAGE;
    settle = { tokens: usage.totalTokens };
    if (ProviderError.isProviderError(error) && error.rateLimit) settle.rateLimit = error.rateLimit;
    const summary = failureSummary(
      attemptNo,
      candidate,
      lease.keyId,
      finishedAt - startedAt,
      error,
      !!interrupted,
    );
    rt.usage.record(
      spend(rc, usageRecord(rc, candidate, summary, usage, startedAt, finishedAt, interrupted?.ttftMs)),
    );
    return {
      kind: 'failed',
      error: interrupted ? new InterruptedAttempt(error, usage, interrupted.ttftMs) : error,
      keyId: lease.keyId,
      summary,
    };
  } finally {
    if (signal) signal.removeEventListener('abort', onCallerAbort!);
    // After a failure, cancel whatever the adapter may still be doing. (A success needs nothing:
    // the adapter has answered; and an Error per request would cost a stack trace on the hot path.)
    if (!succeeded) a.abort(ATTEMPT_ENDED);
    rt.counters.inFlight--;
    rt.stats.end(candidate.ref);
    // Awaited: when complete() returns (or a stream ends) the slot is back in the store — a shared
    // store included — so the caller's next request never finds its own previous one still holding it.
    const settling = settleSafely(rt, lease, settle);
    if (settling) await settling;
  }
}

/**
 * The API key of a key. A secret that cannot be resolved (an unset `env:` variable, a vault that
 * fails) is the key's problem, not the provider's: it fails as kind `auth`, so the key is set aside
 * and the next key of the same provider serves, without counting toward the provider's circuit.
 */
async function resolveKey(rt: Runtime, key: PoolKey['entry']): Promise<string> {
  try {
    const secret = rt.options.resolveSecret(key);
    return typeof secret === 'string' ? secret : await secret;
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new ProviderError({
      message: `The secret of key "${key.id}" (provider "${key.providerId}") could not be resolved: ${why}`,
      kind: 'auth',
      cause,
    });
  }
}

/** Count an attempt's usage toward its request (tenant limits and budgets settle with it). */
function spend(rc: RequestContext<object>, record: UsageRecord): UsageRecord {
  rc.spent.tokens += record.totalTokens;
  if (record.costUsd !== undefined) rc.spent.usd += record.costUsd;
  return record;
}

function keyOf(candidate: CandidateEntry, keyId: string): PoolKey | undefined {
  for (const k of candidate.keys) if (k.keyId === keyId) return k;
  return undefined;
}

/**
 * Release a lease; a store failure is reported, never thrown into the request. `undefined` when the
 * store settled at once (nothing to wait for), else the promise to await.
 */
function settleSafely(rt: Runtime, lease: QuotaLease, input: SettleInput): Promise<void> | undefined {
  try {
    const settling = settleQuota(rt.quota, lease, input);
    if (settling === undefined) return undefined;
    return Promise.resolve(settling).then(undefined, (error: unknown) => reportQuota(rt, error));
  } catch (error) {
    reportQuota(rt, error);
    return undefined;
  }
}

function reportQuota(rt: Runtime, error: unknown): void {
  rt.emitter.emit('error', { source: 'quota', error });
}

export function abortedError(reason: unknown): RouterError {
  if (RouterError.isInstance(reason) && reason.code === 'ABORTED') return reason;
  return new RouterError('ABORTED', 'Request aborted by the caller', { cause: reason });
}
