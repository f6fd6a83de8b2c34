import { ProviderError } from '../errors/provider-error.js';
import { RouterError } from '../errors/router-error.js';
import type { AttemptSummary } from '../types/result.js';
import type { InterruptedAttempt } from './attempt-context.js';
import type { SkipReason } from './headroom.js';
import type { Runtime } from './runtime.js';

/** A candidate the loop did not try, and why (`details.skipped` of the final error). */
export interface Skip {
  providerId: string;
  modelId: string;
  reason: SkipReason | 'concurrency' | 'rpm' | 'tpm';
  retryAfterMs?: number;
}

const QUOTA_REASONS = new Set<Skip['reason']>([
  'cooling',
  'quarantined',
  'exhausted',
  'rpm',
  'tpm',
  'no_keys',
]);

export function withAttempts(error: RouterError, attempts: AttemptSummary[]): RouterError {
  error.attempts = attempts;
  return error;
}

export function interruptedError(interrupted: InterruptedAttempt, attempts: AttemptSummary[]): RouterError {
  const cause = interrupted.error;
  const why = cause instanceof Error ? cause.message : String(cause);
  return new RouterError('STREAM_INTERRUPTED', `Stream interrupted after content was delivered: ${why}`, {
    cause,
    attempts,
    lastError: cause,
  });
}

export function finalError(
  rt: Runtime,
  attempts: AttemptSummary[],
  skipped: Skip[],
  lastError: unknown,
  stopReason: 'exhausted' | 'max_attempts' | 'retry_budget' | 'timeout',
  queueTimedOut: boolean,
  cooledMs: number | undefined,
): RouterError {
  // The earliest moment capacity returns: a skipped pool's, a key this request cooled, the last Retry-After.
  let retryAfterMs = cooledMs;
  for (const s of skipped) {
    if (s.retryAfterMs !== undefined) retryAfterMs = Math.min(retryAfterMs ?? s.retryAfterMs, s.retryAfterMs);
  }
  // A 429's Retry-After is already in `cooledMs`, clamped as the key's cooldown was.
  const hint =
    ProviderError.isProviderError(lastError) && lastError.kind !== 'rate_limited'
      ? lastError.retryAfterMs
      : undefined;
  if (hint !== undefined) retryAfterMs = Math.min(retryAfterMs ?? hint, hint);
  const details = { reason: stopReason, skipped };
  const base = { attempts, details, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  if (attempts.length === 0) {
    if (queueTimedOut) {
      return new RouterError(
        'QUEUE_TIMEOUT',
        `No concurrency slot freed within queueWaitMs (${rt.options.timeouts.queueWaitMs} ms)`,
        base,
      );
    }
    if (skipped.some((s) => QUOTA_REASONS.has(s.reason))) {
      const when = retryAfterMs === undefined ? '' : `; capacity returns in ${Math.ceil(retryAfterMs)} ms`;
      return new RouterError('QUOTA_EXHAUSTED', `Every key pool is exhausted or cooling${when}`, base);
    }
  }
  const why =
    stopReason === 'timeout'
      ? `the request ran out of time (totalMs ${rt.options.timeouts.totalMs} ms)`
      : stopReason === 'max_attempts'
        ? `maxAttempts (${rt.options.maxAttempts}) reached`
        : stopReason === 'retry_budget'
          ? 'the retry budget is spent'
          : 'no candidate left';
  const last = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
  return new RouterError(
    'ALL_CANDIDATES_FAILED',
    `All candidates failed after ${attempts.length} attempt(s): ${why}${last}`,
    {
      ...base,
      cause: lastError,
      lastError: stopReason === 'timeout' && !lastError ? new RouterError('TIMEOUT', why) : lastError,
    },
  );
}
