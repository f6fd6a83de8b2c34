import {
  type ProviderCall,
  ProviderError,
  type ProviderErrorKind,
  classifyProviderFailure,
} from 'model-router';
import type { AiSdkProviderModule } from './peer.js';

const CONTEXT_LENGTH =
  /context[ _-]?(length|window)|maximum context|too many tokens|prompt is too long|input is too long|token limit|exceeds? the (model'?s? )?(maximum|max)/i;

/** The kind an HTTP status means (the same table as the bundled adapters). `text` is the message and body, for 4xx refinement. */
export function kindForStatus(status: number | undefined, text: string): ProviderErrorKind {
  if (status === undefined) return 'network';
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 503 || status === 529) return 'overloaded';
  if (status === 504) return 'timeout';
  if (status >= 500) return 'server';
  if (status >= 400) return CONTEXT_LENGTH.test(text) ? 'context_length' : 'bad_request';
  return 'unknown';
}

/** `retry-after-ms`, else `retry-after` (seconds or an HTTP date), in ms. */
export function retryAfterMs(
  headers: Record<string, string> | undefined,
  now = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const get = (name: string) =>
    headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  const ms = Number.parseFloat(get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** AI SDK errors without a status, by name. */
const KIND_BY_NAME: Record<string, ProviderErrorKind> = {
  AI_LoadAPIKeyError: 'auth',
  AI_InvalidPromptError: 'bad_request',
  AI_InvalidArgumentError: 'bad_request',
  AI_UnsupportedFunctionalityError: 'bad_request',
  AI_InvalidResponseDataError: 'protocol',
  AI_JSONParseError: 'protocol',
  AI_EmptyResponseBodyError: 'protocol',
  AI_TypeValidationError: 'protocol',
  AI_NoContentGeneratedError: 'protocol',
  TimeoutError: 'timeout',
};

/**
 * What an AI SDK model threw, as the router's `ProviderError`: `APICallError` by status (429 with its
 * retry-after, 401/403 auth, 5xx server, 503/529 overloaded, 400 bad request or context length by its
 * message), other SDK errors by name. When the attempt was aborted the abort reason is returned as is:
 * the router settles aborted attempts itself.
 */
export function toProviderError(
  peer: AiSdkProviderModule,
  error: unknown,
  call: ProviderCall,
  now: () => number = Date.now,
): unknown {
  if (call.signal.aborted) return call.signal.reason ?? error;
  if (ProviderError.isProviderError(error)) return error;
  const ids = { providerId: call.provider.id, modelId: call.model.modelId, keyId: call.key.id };
  if (peer.APICallError.isInstance(error)) {
    const status = error.statusCode;
    // The same table as the bundled adapters: the status, then what the body says (content filters,
    // out-of-credit, context length, Google's RetryInfo), and the rate-limit headers.
    const failure =
      status === undefined
        ? undefined
        : classifyProviderFailure(status, error.responseBody ?? error.message, error.responseHeaders, now());
    let kind = failure?.kind ?? kindForStatus(status, `${error.message} ${error.responseBody ?? ''}`);
    // Some providers put the context-length signal only in the SDK's message.
    if (kind === 'bad_request' && kindForStatus(status, error.message) === 'context_length')
      kind = 'context_length';
    const retryAfter =
      failure?.retryAfterMs ??
      (kind === 'rate_limited' || kind === 'overloaded' ? retryAfterMs(error.responseHeaders) : undefined);
    return new ProviderError({
      message: error.message,
      kind,
      ...(status === undefined ? {} : { status }),
      ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
      ...(failure?.rateLimit ? { rateLimit: failure.rateLimit } : {}),
      ...ids,
      body: error.responseBody,
      ...(error.responseHeaders ? { headers: error.responseHeaders } : {}),
      cause: error,
    });
  }
  const name = error instanceof Error ? error.name : '';
  return new ProviderError({
    message: error instanceof Error ? error.message : String(error),
    kind: KIND_BY_NAME[name] ?? 'unknown',
    ...ids,
    cause: error,
  });
}
