import { ProviderError, type ProviderErrorKind } from '../../errors/provider-error.js';
import { classifyError } from '../shared/classify.js';
import { type CallContext, providerError } from '../shared/context.js';
import { describe } from '../shared/http.js';
import { isObject, str } from '../shared/json.js';

/**
 * Bedrock names its errors (`x-amzn-ErrorType` on HTTP errors, `:exception-type` in streams).
 * Some names decide the kind whatever the status: a `ServiceQuotaExceededException` (400) is a
 * quota, not a bad request; `ModelNotReadyException` (429) wants another try later.
 */
const BY_NAME: Record<string, ProviderErrorKind> = {
  throttlingexception: 'rate_limited',
  servicequotaexceededexception: 'rate_limited',
  modelnotreadyexception: 'overloaded',
  serviceunavailableexception: 'overloaded',
  modeltimeoutexception: 'timeout',
  internalserverexception: 'server',
  modelerrorexception: 'server',
  modelstreamerrorexception: 'server',
  accessdeniedexception: 'auth',
  unrecognizedclientexception: 'auth',
  expiredtokenexception: 'auth',
  resourcenotfoundexception: 'not_found',
};

/** `ThrottlingException:http://internal.amazon.com/…` → `throttlingexception`. */
export function errorName(raw: string | undefined): string | undefined {
  const name = raw?.split(':')[0]?.trim().toLowerCase();
  return name || undefined;
}

/** The kind for an error name and message; `ValidationException`s are read for context length. */
function kindFor(
  name: string | undefined,
  status: number | undefined,
  message: string | undefined,
): ProviderErrorKind {
  const byName = name === undefined ? undefined : BY_NAME[name];
  if (byName) return byName;
  return classifyError(status ?? (name === 'validationexception' ? 400 : undefined), {
    ...(message ? { message } : {}),
    ...(name ? { type: name } : {}),
  });
}

/** Refine an HTTP error thrown by `postJson` with the error name Bedrock put in a header. */
export function refineHttpError(error: unknown): unknown {
  if (!ProviderError.isProviderError(error) || error.status === undefined) return error;
  const name = errorName(error.headers?.['x-amzn-errortype']);
  if (name === undefined) return error;
  const body = error.body;
  const message = isObject(body) ? (str(body.message) ?? str(body.Message)) : undefined;
  const kind = kindFor(name, error.status, message);
  if (kind === error.kind) return error;
  return new ProviderError({
    message: error.message,
    kind,
    status: error.status,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    ...(error.rateLimit ? { rateLimit: error.rateLimit } : {}),
    ...(error.providerId ? { providerId: error.providerId } : {}),
    ...(error.modelId ? { modelId: error.modelId } : {}),
    ...(error.keyId ? { keyId: error.keyId } : {}),
    body,
    ...(error.headers ? { headers: error.headers } : {}),
    cause: error.cause,
  });
}

/** An `exception` (or `error`) message inside a 200 stream. */
export function streamException(ctx: CallContext, type: string | undefined, payload: unknown): ProviderError {
  const name = errorName(type);
  const message = isObject(payload) ? (str(payload.message) ?? str(payload.Message)) : undefined;
  return providerError(ctx, {
    kind: kindFor(name, undefined, message),
    message: describe(ctx, 'stream exception', {
      ...(type ? { type } : {}),
      ...(message ? { message } : {}),
    }),
    body: payload,
  });
}
