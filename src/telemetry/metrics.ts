import type { RouterOperation } from '../events.js';
import type { ModelRouter } from '../router.js';
import type { OtelMeter, OtelObservableResult } from './otel-types.js';

const CIRCUIT: Record<string, number> = { closed: 0, half_open: 1, open: 2 };
/** The GenAI semantic conventions' operation names. */
export const GEN_AI_OPERATION: Record<RouterOperation, string> = { chat: 'chat', embed: 'embeddings' };

/**
 * OpenTelemetry metrics from the router's events and `stats()`: the GenAI client metrics
 * (`gen_ai.client.operation.duration`, `gen_ai.client.token.usage`) plus the router's own —
 * attempt duration, time to first token, cost, failovers by reason, queue wait, and observable gauges for key
 * headroom (rpm/tpm/concurrency), in-flight, queue length and circuit state. Attributes are bounded:
 * catalog ids, outcomes and error codes only — never request ids or content. Returns the detach function.
 */
export function meterRouter(router: ModelRouter, meter: OtelMeter): () => void {
  const opDuration = meter.createHistogram('gen_ai.client.operation.duration', {
    description: 'Duration of routed requests, all attempts included',
    unit: 's',
  });
  const tokenUsage = meter.createHistogram('gen_ai.client.token.usage', {
    description: 'Tokens per attempt',
    unit: '{token}',
  });
  const attemptDuration = meter.createHistogram('model_router.attempt.duration', { unit: 's' });
  const ttft = meter.createHistogram('model_router.time_to_first_token', { unit: 's' });
  const cost = meter.createCounter('model_router.cost', { unit: 'USD' });
  const cached = meter.createCounter('model_router.tokens.cached', { unit: '{token}' });
  const failovers = meter.createCounter('model_router.failovers', { description: 'Failovers by reason' });
  const queueWait = meter.createHistogram('model_router.queue.wait', {
    description: 'Time a request waited for capacity (a concurrency slot, a cooldown, a window)',
    unit: 's',
  });

  const offs = [
    router.on('usage', (r) => {
      const attrs = {
        'gen_ai.operation.name': GEN_AI_OPERATION[r.operation ?? 'chat'],
        'gen_ai.provider.name': r.providerId,
        'gen_ai.request.model': r.modelId,
        ...(r.groupName ? { 'model_router.group': r.groupName } : {}),
      };
      tokenUsage.record(r.promptTokens, { ...attrs, 'gen_ai.token.type': 'input' });
      tokenUsage.record(r.completionTokens, { ...attrs, 'gen_ai.token.type': 'output' });
      const cachedTokens = (r as { cachedPromptTokens?: number }).cachedPromptTokens;
      if (cachedTokens) cached.add(cachedTokens, attrs);
      attemptDuration.record(r.latencyMs / 1000, {
        ...attrs,
        'model_router.key_id': r.keyId,
        'model_router.status': r.status,
        ...(r.errorCode ? { 'error.type': r.errorCode } : {}),
      });
      if (r.ttftMs !== undefined) ttft.record(r.ttftMs / 1000, attrs);
      if (r.costUsd) cost.add(r.costUsd, attrs);
    }),
    router.on('failover', (e) =>
      failovers.add(1, {
        'gen_ai.provider.name': e.from.providerId,
        'gen_ai.request.model': e.from.modelId,
        'model_router.failover.action': e.action,
        'model_router.failover.reason': e.error.kind ?? e.error.code,
      }),
    ),
    router.on('success', (e) => {
      const { model, result, queueWaitMs } = e;
      const served = e.operation === 'chat' ? e.result.model : e.result;
      opDuration.record(result.latencyMs / 1000, {
        'gen_ai.operation.name': GEN_AI_OPERATION[e.operation],
        'gen_ai.request.model': model,
        'gen_ai.provider.name': served.providerId,
        'gen_ai.response.model': served.modelId,
      });
      queueWait.record(queueWaitMs / 1000, {
        'gen_ai.request.model': model,
        'model_router.outcome': 'success',
      });
    }),
    router.on('failure', ({ model, error, latencyMs, queueWaitMs, operation }) => {
      if (model === undefined) return; // refused before resolution: no model to attribute it to
      opDuration.record(latencyMs / 1000, {
        'gen_ai.operation.name': GEN_AI_OPERATION[operation],
        'gen_ai.request.model': model,
        'error.type': error.code,
      });
      queueWait.record(queueWaitMs / 1000, {
        'gen_ai.request.model': model,
        'model_router.outcome': 'error',
      });
    }),
  ];

  const gauges: Array<[ReturnType<OtelMeter['createObservableGauge']>, (o: OtelObservableResult) => void]> =
    [];
  const gauge = (name: string, unit: string, read: (o: OtelObservableResult) => void) => {
    const g = meter.createObservableGauge(name, { unit });
    g.addCallback(read);
    gauges.push([g, read]);
  };
  gauge('model_router.in_flight', '{attempt}', (o) => o.observe(router.stats().inFlight));
  gauge('model_router.queue.length', '{request}', (o) => o.observe(router.stats().queued));
  gauge('model_router.key.headroom', '1', (o) => {
    for (const k of router.stats().keys) {
      const key = { 'gen_ai.provider.name': k.providerId, 'model_router.key_id': k.keyId };
      if (k.rpm)
        o.observe(Math.max(0, 1 - k.requestsInWindow / k.rpm), { ...key, 'model_router.dimension': 'rpm' });
      if (k.tpm)
        o.observe(Math.max(0, 1 - k.tokensInWindow / k.tpm), { ...key, 'model_router.dimension': 'tpm' });
      if (k.maxConcurrent)
        o.observe(Math.max(0, 1 - k.inFlight / k.maxConcurrent), {
          ...key,
          'model_router.dimension': 'concurrency',
        });
    }
  });
  gauge('model_router.key.cooling', '1', (o) => {
    const now = Date.now();
    for (const k of router.stats().keys)
      o.observe((k.coolingUntil ?? 0) > now || (k.quarantinedUntil ?? 0) > now ? 1 : 0, {
        'gen_ai.provider.name': k.providerId,
        'model_router.key_id': k.keyId,
      });
  });
  gauge('model_router.circuit.state', '1', (o) => {
    for (const c of router.stats().candidates)
      o.observe(CIRCUIT[c.circuit] ?? 0, {
        'gen_ai.provider.name': c.providerId,
        'gen_ai.request.model': c.modelId,
      });
  });

  return () => {
    for (const off of offs) off();
    for (const [g, read] of gauges) g.removeCallback(read);
  };
}
