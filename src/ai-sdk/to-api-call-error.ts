import { RouterError } from 'model-router';
import { describeError, retryHeaders } from '../http/error-info.js';
import type { AiSdkProviderModule } from './peer.js';

/**
 * A router failure as the AI SDK's `APICallError`, always `isRetryable: false`: the router already
 * failed over and retried within its budget, and SDK retries on top would multiply the attempts.
 * The status is the one the HTTP relay would answer (404 unknown model, 429 quota with `retry-after`,
 * 502 all candidates failed, …); the `RouterError` is the `cause`. A caller's abort is rethrown as the
 * signal's reason, which the SDK recognises as an abort.
 */
export function toApiCallError(
  peer: AiSdkProviderModule,
  error: unknown,
  model: string,
  signal: AbortSignal | undefined,
): unknown {
  if (signal?.aborted && (!RouterError.isInstance(error) || error.code === 'ABORTED'))
    return signal.reason ?? error;
  if (!RouterError.isInstance(error)) return error;
  const info = describeError(error);
  return new peer.APICallError({
    message: info.message,
    url: `model-router:${model}`,
    requestBodyValues: { model },
    statusCode: info.status,
    responseHeaders: retryHeaders(info.retryAfterMs),
    isRetryable: false,
    cause: error,
    data: { code: info.code, ...(info.details ? { details: info.details } : {}) },
  });
}
