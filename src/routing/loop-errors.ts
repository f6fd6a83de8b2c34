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
  /** Ms until it may be tried again, when known. */
  retryAfterMs?: number;
  /** Clock time (epoch ms) it may be tried again: a cooldown's end, an open circuit's next probe. */
  until?: number;
  /**
   * `secret_unavailable`: the keys whose secret did not resolve, and the first one's reason. The
   * candidate itself may have been tried with its other keys.
   */
  keyIds?: string[];
  message?: string;
}

export function skipOf(
  c: { providerId: string; modelId: string },
  reason: Skip['reason'],
  now: number,
  retryAfterMs?: number,
): Skip {
  const skip: Skip = { providerId: c.providerId, modelId: c.modelId, reason };
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs)) {
    skip.retryAfterMs = Math.max(0, retryAfterMs);
    skip.until = now + skip.retryAfterMs;
  }
  return skip;
}

/** Skipped candidates named in a message, and listed in `details.skipped`, at most. */
const MESSAGE_SKIPS = 6;
const DETAIL_SKIPS = 20;
/** Longest provider or model id quoted in a message (ids come from the catalog, not from clients). */
const MAX_ID = 64;

const REASON_TEXT: Record<Skip['reason'], string> = {
  circuit_open: 'circuit open',
  cooling: 'cooling',
  quarantined: 'keys quarantined',
  exhausted: 'rate window full',
  rpm: 'rpm window full',
  tpm: 'tpm window full',
  concurrency: 'every slot busy',
  no_adapter: 'no adapter',
  no_keys: 'no enabled key',
  disabled: 'disabled',
  context_window: 'context window too small',
  no_embed: 'adapter cannot embed',
  unsupported: 'cannot honour the request',
  secret_unavailable: 'secret unavailable',
  cost_ceiling: 'above maxCostUsd',
  tags: 'lacks a requested tag',
};

/** The last word on each candidate (a later pass may have seen it again), at most `DETAIL_SKIPS`. */
function lastPerCandidate(skipped: readonly Skip[]): { list: Skip[]; more: number } {
  const byRef = new Map<string, Skip>();
  for (const s of skipped) {
    // Keys without a secret are named beside the candidate's own last word (it may have been tried).
    const ref = `${s.providerId}/${s.modelId}${s.reason === 'secret_unavailable' ? '#keys' : ''}`;
    byRef.delete(ref); // keep the order of the last sighting
    byRef.set(ref, s);
  }
  const all = [...byRef.values()];
  return { list: all.slice(0, DETAIL_SKIPS), more: Math.max(0, all.length - DETAIL_SKIPS) };
}

function clip(id: string): string {
  return id.length > MAX_ID ? `${id.slice(0, MAX_ID - 1)}…` : id;
}

/** Longest quote of the last error's message in the final error's message. */
const MAX_LAST_ERROR = 300;

function clipText(text: string): string {
  return text.length > MAX_LAST_ERROR ? `${text.slice(0, MAX_LAST_ERROR - 1)}…` : text;
}

function seconds(ms: number): string {
  return `${Math.ceil(ms / 100) / 10} s`;
}

/** "a/m circuit open (next probe in 4.2 s), b/m cooling until 2026-…Z (in 30 s)", bounded. */
export function describeSkips(skips: readonly Skip[], more = 0): string {
  const parts = skips.slice(0, MESSAGE_SKIPS).map((s) => {
    let text = `${clip(s.providerId)}/${clip(s.modelId)} ${REASON_TEXT[s.reason] ?? s.reason}`;
    if (s.keyIds) text += ` for key(s) ${s.keyIds.map(clip).join(', ')}: ${clipText(s.message ?? '')}`;
    if (s.retryAfterMs !== undefined) {
      const when = s.reason === 'circuit_open' ? 'next probe in' : 'frees in';
      text +=
        s.until !== undefined && Number.isFinite(s.until) && s.until < 8.64e15
          ? ` until ${new Date(s.until).toISOString()} (${when} ${seconds(s.retryAfterMs)})`
          : ` (${when} ${seconds(s.retryAfterMs)})`;
    }
    return text;
  });
  const hidden = skips.length - parts.length + more;
  if (hidden > 0) parts.push(`and ${hidden} more`);
  return parts.join('; ');
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
  now: number,
): RouterError {
  const { list, more } = lastPerCandidate(skipped);
  // The earliest moment capacity returns: a skipped pool's, a key this request cooled, the last Retry-After.
  let retryAfterMs = cooledMs;
  for (const s of list) {
    if (s.until === undefined) continue;
    const ms = Math.max(0, s.until - now);
    retryAfterMs = Math.min(retryAfterMs ?? ms, ms);
  }
  // A 429's Retry-After is already in `cooledMs`, clamped as the key's cooldown was.
  const hint =
    ProviderError.isProviderError(lastError) && lastError.kind !== 'rate_limited'
      ? lastError.retryAfterMs
      : undefined;
  if (hint !== undefined) retryAfterMs = Math.min(retryAfterMs ?? hint, hint);
  const details: Record<string, unknown> = { reason: stopReason, skipped: list };
  if (more > 0) details.skippedMore = more;
  const skippedText = list.length > 0 ? `; skipped: ${describeSkips(list, more)}` : '';
  const base = { attempts, details, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  if (attempts.length === 0) {
    if (queueTimedOut) {
      return new RouterError(
        'QUEUE_TIMEOUT',
        `No concurrency slot freed within queueWaitMs (${rt.options.timeouts.queueWaitMs} ms)${skippedText}`,
        base,
      );
    }
    const capability = (r: Skip['reason']) => r === 'no_embed' || r === 'no_adapter' || r === 'unsupported';
    if (skipped.length > 0 && skipped.every((s) => capability(s.reason))) {
      // Asking what no candidate can do is the request's mistake, not an outage.
      if (RouterError.isInstance(lastError) && lastError.code === 'VALIDATION') {
        lastError.attempts = attempts;
        return lastError;
      }
      if (skipped.some((s) => s.reason === 'no_embed')) {
        return new RouterError(
          'NO_CANDIDATES',
          'No candidate can serve embeddings: their adapters have no embed()',
          base,
        );
      }
    }
    if (skipped.some((s) => QUOTA_REASONS.has(s.reason))) {
      const when = retryAfterMs === undefined ? '' : `; capacity returns in ${Math.ceil(retryAfterMs)} ms`;
      return new RouterError(
        'QUOTA_EXHAUSTED',
        `Every key pool is exhausted or cooling${when}${skippedText}`,
        base,
      );
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
  const last = lastError instanceof Error ? `; last error: ${clipText(lastError.message)}` : '';
  return new RouterError(
    'ALL_CANDIDATES_FAILED',
    `All candidates failed after ${attempts.length} attempt(s): ${why}${skippedText}${last}`,
    {
      ...base,
      cause: lastError,
      lastError: stopReason === 'timeout' && !lastError ? new RouterError('TIMEOUT', why) : lastError,
    },
  );
}
