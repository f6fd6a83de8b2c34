import type { CandidateEntry } from '../catalog/cache.js';
import { ProviderError } from '../errors/provider-error.js';
import { RouterError, hide } from '../errors/router-error.js';
import { type Scrub, scrubDeep, secretScrubber } from '../util/secret-scrub.js';

/**
 * Anything an adapter throws becomes a `ProviderError` with the candidate's ids (kind `unknown` when
 * it was not one), except the router's own `ABORTED`/`TIMEOUT`. Any fragment of the API key is
 * scrubbed from it, in case an upstream, an adapter or a library quoted it.
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
  scrubError(pe, secretScrubber(apiKey));
  return pe;
}

/**
 * Remove every recognisable fragment of the API key (see `secretScrubber`) from an error and its
 * `cause` chain — message and stack, which `util.inspect` prints, causes included — and from a
 * `ProviderError`'s hidden `body` and `headers`, in case an upstream, an adapter or a library
 * quoted it.
 */
function scrubError(error: ProviderError, scrub: Scrub): void {
  let e: unknown = error;
  for (let depth = 0; depth < 8 && e instanceof Error; depth++) {
    const stack = e.stack; // read before the message changes: V8 may format it lazily
    const message = scrub(e.message);
    if (message !== e.message) setHidden(e, 'message', message);
    if (typeof stack === 'string') {
      const clean = scrub(stack);
      if (clean !== stack) setHidden(e, 'stack', clean);
    }
    if (ProviderError.isProviderError(e)) {
      if (e.body !== undefined) hide(e, 'body', scrubDeep(e.body, scrub));
      if (e.headers !== undefined) hide(e, 'headers', scrubDeep(e.headers, scrub));
    }
    e = e.cause;
  }
}

function setHidden(target: Error, prop: 'message' | 'stack', value: string): void {
  Object.defineProperty(target, prop, { value, enumerable: false, writable: true, configurable: true });
}
