import type { ProviderError } from '../errors/provider-error.js';
import type { Required } from '../util/types.js';
import type { RetryOptions } from '../options.js';

/**
 * The wait before the `retry`-th retry (1-based) of the same candidate: exponential from `baseMs`,
 * capped at `maxMs`, jittered to 50–100 % (never zero, never more than the cap). A `Retry-After` the
 * provider gave is waited instead when it is longer. `undefined`: the wait does not fit before
 * `deadline`, so retrying would only fail later — the caller stops now.
 */
export function retryDelay(
  options: Required<RetryOptions>,
  retry: number,
  error: ProviderError,
  now: number,
  deadline: number,
  random: () => number,
): number | undefined {
  const exp = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(30, retry - 1));
  let delay = Math.round(exp * (1 - 0.5 * random()));
  if (error.retryAfterMs !== undefined && error.retryAfterMs > delay) delay = error.retryAfterMs;
  return now + delay < deadline ? delay : undefined;
}

/** Setting a timer longer than this makes Node fire it at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Resolve after `ms` on the timers (fake timers in tests move it), or reject with the signal's reason
 * when it aborts. Leaves no timer or listener behind either way.
 */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
    timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
