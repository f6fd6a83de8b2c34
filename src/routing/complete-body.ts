import { ProviderError } from '../errors/provider-error.js';
import type { CompletionResult } from '../types/result.js';
import { completeUsage, tokensForChars } from '../usage/estimate.js';
import { type AttemptBody, type AttemptSuccess, armAttemptTimer, providerCall } from './attempt-context.js';
import type { Runtime } from './runtime.js';

/** The attempt body of `complete()`: one adapter call bounded by `attemptMs` and the total deadline. */
export function completeBody(rt: Runtime): AttemptBody<CompletionResult> {
  return async (rc, a) => {
    const { candidate } = a;
    const adapter = rt.options.adapters[candidate.provider.adapter]!;
    const { attemptMs, totalMs } = rt.options.timeouts;
    const timer = armAttemptTimer(a, attemptMs, totalMs);
    try {
      const res = await a.race(adapter.complete(providerCall(rc, a)));
      const content = res?.message?.content;
      if (typeof content !== 'string') {
        throw new ProviderError({ message: 'Adapter returned no message content', kind: 'protocol' });
      }
      const { toolCalls, reasoning } = res.message;
      let completionChars = content.length;
      if (toolCalls) for (const t of toolCalls) completionChars += t.name.length + t.arguments.length;
      if (reasoning) for (const r of reasoning) completionChars += r.text?.length ?? 0;
      const usage = completeUsage(res.usage, rc.promptEstimate, tokensForChars(completionChars));
      const message: CompletionResult['message'] = { role: 'assistant', content };
      if (toolCalls?.length) message.toolCalls = toolCalls;
      if (reasoning?.length) message.reasoning = reasoning;
      const value: CompletionResult = {
        id: res.id ?? rc.requestId,
        requestId: rc.requestId,
        model: { providerId: candidate.providerId, modelId: candidate.modelId },
        message,
        finishReason: res.finishReason ?? { unified: 'other' },
        usage,
        attempts: [],
        latencyMs: 0,
      };
      if (rc.target.group) value.groupName = rc.target.group.name;
      if (res.responseModel !== undefined) value.responseModel = res.responseModel;
      if (res.warnings?.length) value.warnings = res.warnings;
      if (res.raw !== undefined) value.raw = res.raw;
      if (res.wire !== undefined) value.wire = res.wire;
      const ok: AttemptSuccess<CompletionResult> = { value, usage };
      if (res.rateLimit) ok.rateLimit = res.rateLimit;
      return ok;
    } finally {
      clearTimeout(timer);
    }
  };
}
