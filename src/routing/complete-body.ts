import { ProviderError } from '../errors/provider-error.js';
import type { CompletionResult } from '../types/result.js';
import { completeUsage, tokensForChars } from '../usage/estimate.js';
import { type AttemptBody, providerCall, totalTimeout } from './attempt-context.js';
import type { Runtime } from './runtime.js';

/** The attempt body of `complete()`: one adapter call bounded by `attemptMs` and the total deadline. */
export function completeBody(rt: Runtime): AttemptBody<CompletionResult> {
  return async (rc, a) => {
    const { candidate } = a;
    const adapter = rt.options.adapters[candidate.provider.adapter]!;
    const { attemptMs, totalMs } = rt.options.timeouts;
    // One timer serves both limits: whichever comes first decides the reason.
    const remaining = Math.max(0, a.deadline - a.startedAt);
    const timer = setTimeout(
      () =>
        a.abort(
          remaining <= attemptMs
            ? totalTimeout(totalMs)
            : new ProviderError({ message: `Attempt exceeded attemptMs (${attemptMs} ms)`, kind: 'timeout' }),
        ),
      Math.min(attemptMs, remaining),
    );
    timer.unref?.();
    try {
      const res = await a.race(adapter.complete(providerCall(rc, a)));
      const content = res?.message?.content;
      if (typeof content !== 'string') {
        throw new ProviderError({ message: 'Adapter returned no message content', kind: 'protocol' });
      }
      const toolCalls = res.message.toolCalls;
      let completionChars = content.length;
      if (toolCalls) for (const t of toolCalls) completionChars += t.name.length + t.arguments.length;
      const usage = completeUsage(res.usage, rc.promptEstimate, tokensForChars(completionChars));
      const value: CompletionResult = {
        id: res.id ?? rc.requestId,
        requestId: rc.requestId,
        model: { providerId: candidate.providerId, modelId: candidate.modelId },
        message: { role: 'assistant', content, ...(toolCalls?.length ? { toolCalls } : {}) },
        finishReason: res.finishReason ?? { unified: 'other' },
        usage,
        attempts: [],
        latencyMs: 0,
      };
      if (rc.target.group) value.groupName = rc.target.group.name;
      if (res.responseModel !== undefined) value.responseModel = res.responseModel;
      if (res.raw !== undefined) value.raw = res.raw;
      return { value, usage, ...(res.rateLimit ? { rateLimit: res.rateLimit } : {}) };
    } finally {
      clearTimeout(timer);
    }
  };
}
