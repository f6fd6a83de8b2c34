import type { CandidateEntry } from '../catalog/cache.js';
import { ProviderError } from '../errors/provider-error.js';
import { RouterError } from '../errors/router-error.js';

/**
 * Anything an adapter throws becomes a `ProviderError` with the candidate's ids (kind `unknown` when
 * it was not one), except the router's own `ABORTED`/`TIMEOUT`. The API key is scrubbed from
 * messages, in case an adapter or a library quoted it.
 */
export function normalizeError(error: unknown, c: CandidateEntry, keyId: string, apiKey: string): unknown {
  if (RouterError.isInstance(error) && !ProviderError.isProviderError(error)) {
    if (error.code === 'ABORTED' || error.code === 'TIMEOUT') return error;
  }
  let pe: ProviderError;
  if (ProviderError.isProviderError(error)) pe = error;
  else {
    const message = error instanceof Error ? error.message : String(error);
    pe = new ProviderError({
      message: `Adapter failed: ${message}`,
      kind: RouterError.isInstance(error) && error.code === 'PROTOCOL_ERROR' ? 'protocol' : 'unknown',
      cause: error,
    });
  }
  pe.providerId ??= c.providerId;
  pe.modelId ??= c.modelId;
  pe.keyId ??= keyId;
  if (apiKey.length >= 4) scrubKey(pe, apiKey);
  return pe;
}

/**
 * Remove the API key from an error and its `cause` chain (message and stack: `util.inspect` prints
 * both, causes included), in case an adapter or a library quoted it.
 */
function scrubKey(error: ProviderError, apiKey: string): void {
  let e: unknown = error;
  for (let depth = 0; depth < 8 && e instanceof Error; depth++) {
    if (e.message.includes(apiKey)) {
      const stack = e.stack; // read before the message changes: V8 may format it lazily
      redact(e, 'message', e.message, apiKey);
      if (typeof stack === 'string') redact(e, 'stack', stack, apiKey);
    }
    e = e.cause;
  }
}

function redact(target: Error, prop: 'message' | 'stack', value: string, apiKey: string): void {
  Object.defineProperty(target, prop, {
    value: value.split(apiKey).join('[redacted]'),
    enumerable: false,
    writable: true,
    configurable: true,
  });
}
