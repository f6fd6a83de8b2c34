import type { CandidateEntry } from '../catalog/cache.js';
import { RouterError } from '../errors/router-error.js';
import { type RequestContext, adapterCall } from './attempt-context.js';
import { orderCandidates } from './order.js';
import type { Runtime } from './runtime.js';

/** What `router.countTokens()` answers. */
export interface TokenCount {
  /** Prompt tokens of the request. */
  inputTokens: number;
  /** True when no provider counted (the router's estimate, `estimateTokens`). */
  estimated: boolean;
  /** The provider that counted, when one did. */
  providerId?: string;
  modelId?: string;
}

/** How many candidates may be asked before the estimate is used. */
const MAX_TRIES = 2;

/**
 * Count a request's prompt tokens with the first candidates (in the strategy's order) whose
 * adapter can count — Anthropic's count endpoint — with a usable key; else the estimate. Counting
 * takes no quota and writes no usage record (providers rate-limit it apart and do not bill it); a
 * provider that fails only means the next candidate, then the estimate, answers.
 */
export async function countTokens(rt: Runtime, rc: RequestContext): Promise<TokenCount> {
  const now = rt.options.clock.now();
  let tries = 0;
  for (const cand of orderCandidates(rt, rc.target, now, true)) {
    const adapter = rt.options.adapters[cand.provider.adapter];
    if (!adapter?.countTokens) continue;
    const key = usableKey(rt, cand, now);
    if (!key) continue;
    if (tries++ >= MAX_TRIES) break;
    const controller = new AbortController();
    const onAbort = () => controller.abort(rc.signal?.reason);
    rc.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => controller.abort(new Error('count timed out')),
      rt.options.timeouts.attemptMs,
    );
    timer.unref?.();
    try {
      if (rc.signal?.aborted) throw rc.signal.reason;
      const secret = rt.options.resolveSecret(key.entry);
      const apiKey = typeof secret === 'string' ? secret : await secret;
      const counted = await adapter.countTokens(
        adapterCall(cand, rc.request, { keyId: key.keyId, apiKey, signal: controller.signal }),
      );
      if (Number.isSafeInteger(counted?.inputTokens) && counted.inputTokens >= 0) {
        return {
          inputTokens: counted.inputTokens,
          estimated: false,
          providerId: cand.providerId,
          modelId: cand.modelId,
        };
      }
    } catch (error) {
      if (rc.signal?.aborted) {
        throw new RouterError('ABORTED', 'Request aborted by the caller', { cause: rc.signal.reason });
      }
      rt.emitter.emit('error', { source: 'count_tokens', error });
    } finally {
      clearTimeout(timer);
      rc.signal?.removeEventListener('abort', onAbort);
    }
  }
  return { inputTokens: rc.promptEstimate, estimated: true };
}

function usableKey(rt: Runtime, cand: CandidateEntry, now: number) {
  return cand.keys.find((k) => {
    const view = rt.quota.view(k);
    return !((view?.coolingUntil ?? 0) > now) && !((view?.quarantinedUntil ?? 0) > now);
  });
}
