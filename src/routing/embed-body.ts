import { ProviderError } from '../errors/provider-error.js';
import { toEncoding } from '../embed/vectors.js';
import type { EmbedCall } from '../providers/adapter.js';
import type { EmbeddingResult } from '../types/embed.js';
import { completeUsage } from '../usage/estimate.js';
import { type AttemptBody, adapterCall, armAttemptTimer } from './attempt-context.js';
import type { Runtime } from './runtime.js';

/**
 * The attempt body of `embed()`: one adapter `embed` call bounded by `attemptMs` and the total
 * deadline, like `complete()`. A reply that does not hold one well-formed vector per input is a
 * protocol failure (retryable: the next candidate may answer properly).
 */
export function embedBody(rt: Runtime): AttemptBody<EmbeddingResult, EmbedCall['request']> {
  return async (rc, a) => {
    const { candidate } = a;
    const adapter = rt.options.adapters[candidate.provider.adapter];
    if (!adapter?.embed)
      throw new ProviderError({ message: 'The adapter has no embed()', kind: 'bad_request' });
    const { attemptMs, totalMs } = rt.options.timeouts;
    const timer = armAttemptTimer(a, attemptMs, totalMs);
    try {
      // The secret readable by the adapter, never printed by one that logs its call.
      const call: EmbedCall = adapterCall(candidate, rc.request, a);
      const res = await a.race(adapter.embed(call));
      const raw = res?.embeddings;
      const count = rc.request.input.length;
      if (!Array.isArray(raw) || raw.length !== count) {
        throw new ProviderError({
          message: `Adapter returned ${Array.isArray(raw) ? raw.length : 'no'} embeddings for ${count} inputs`,
          kind: 'protocol',
        });
      }
      const encoding = rc.request.encodingFormat ?? 'float';
      const embeddings = raw.map((value, i) => {
        const vector = toEncoding(value, encoding);
        if (vector === undefined) {
          throw new ProviderError({ message: `Embedding ${i} is not a vector`, kind: 'protocol' });
        }
        return vector;
      });
      const reported = res.usage;
      const prompt = reported?.promptTokens ?? reported?.totalTokens;
      // Embeddings produce no output tokens: 0 is a fact, not an estimate.
      const usage = completeUsage(
        prompt === undefined ? undefined : { promptTokens: prompt, completionTokens: 0 },
        rc.promptEstimate,
        0,
      );
      const value: EmbeddingResult = {
        embeddings: embeddings as EmbeddingResult['embeddings'],
        usage,
        providerId: candidate.providerId,
        modelId: candidate.modelId,
        attempts: [],
        requestId: rc.requestId,
        latencyMs: 0,
      };
      if (rc.target.group) value.groupName = rc.target.group.name;
      if (res.responseModel !== undefined) value.responseModel = res.responseModel;
      return { value, usage, ...(res.rateLimit ? { rateLimit: res.rateLimit } : {}) };
    } finally {
      clearTimeout(timer);
    }
  };
}
