import type { ModelRouter } from 'model-router';
import type { PromClient, PromGauge, PromRegistry } from './prom-types.js';

const CIRCUIT: Record<string, number> = { closed: 0, half_open: 1, open: 2 };
const SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Register the router's metrics in `registry` and keep them current from its events; gauges read
 * `stats()` at scrape time. Labels are catalog ids, outcomes and error codes only (bounded by the
 * catalog), never request ids, users or content. Returns the detach function.
 */
export function registerRouterMetrics(
  router: ModelRouter,
  prom: PromClient,
  registry: PromRegistry,
  prefix: string,
): () => void {
  const registers = [registry];
  const n = (name: string) => `${prefix}${name}`;
  const requests = new prom.Counter({
    name: n('requests_total'),
    help: 'Routed requests by logical model, operation (chat, embed) and outcome',
    labelNames: ['model', 'operation', 'outcome', 'code'],
    registers,
  });
  const requestSeconds = new prom.Histogram({
    name: n('request_duration_seconds'),
    help: 'Duration of routed requests, all attempts included',
    labelNames: ['model', 'operation', 'provider', 'outcome'],
    buckets: SECONDS,
    registers,
  });
  const attempts = new prom.Counter({
    name: n('attempts_total'),
    help: 'Attempts by provider, model, key and status',
    labelNames: ['provider', 'model', 'key', 'status', 'code'],
    registers,
  });
  const attemptSeconds = new prom.Histogram({
    name: n('attempt_duration_seconds'),
    help: 'Duration of one attempt',
    labelNames: ['provider', 'model', 'status'],
    buckets: SECONDS,
    registers,
  });
  const ttft = new prom.Histogram({
    name: n('time_to_first_token_seconds'),
    help: 'Time to the first content part of streamed attempts',
    labelNames: ['provider', 'model'],
    buckets: SECONDS,
    registers,
  });
  const tokens = new prom.Counter({
    name: n('tokens_total'),
    help: 'Tokens by provider, model, key and type (input, output, cached)',
    labelNames: ['provider', 'model', 'key', 'type'],
    registers,
  });
  const cost = new prom.Counter({
    name: n('cost_usd_total'),
    help: 'Cost in USD of attempts, by provider and model',
    labelNames: ['provider', 'model', 'group'],
    registers,
  });
  const queueWait = new prom.Histogram({
    name: n('queue_wait_seconds'),
    help: 'Time a request waited for capacity (a concurrency slot, a cooldown, a window), by logical model and outcome',
    labelNames: ['model', 'outcome'],
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const failovers = new prom.Counter({
    name: n('failovers_total'),
    help: 'Failovers by the candidate left, action and reason',
    labelNames: ['provider', 'model', 'action', 'reason'],
    registers,
  });

  const gauges: Array<[PromGauge, (g: PromGauge) => void]> = [];
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: PromGauge) => void) => {
    const g: PromGauge = new prom.Gauge({
      name: n(name),
      help,
      labelNames,
      registers,
      collect: () => {
        g.reset();
        fill(g);
      },
    });
    gauges.push([g, fill]);
  };
  gauge('in_flight', 'Attempts calling a provider now', [], (g) => g.set({}, router.stats().inFlight));
  gauge('queued', 'Requests waiting for a concurrency slot now', [], (g) => g.set({}, router.stats().queued));
  gauge('key_in_flight', 'Attempts in flight per key', ['provider', 'key'], (g) => {
    for (const k of router.stats().keys) g.set({ provider: k.providerId, key: k.keyId }, k.inFlight);
  });
  gauge(
    'key_headroom_ratio',
    'Remaining fraction of a key’s limit (rpm, tpm, concurrency) in its sliding window',
    ['provider', 'key', 'dimension'],
    (g) => {
      for (const k of router.stats().keys) {
        const key = { provider: k.providerId, key: k.keyId };
        if (k.rpm) g.set({ ...key, dimension: 'rpm' }, Math.max(0, 1 - k.requestsInWindow / k.rpm));
        if (k.tpm) g.set({ ...key, dimension: 'tpm' }, Math.max(0, 1 - k.tokensInWindow / k.tpm));
        if (k.maxConcurrent)
          g.set({ ...key, dimension: 'concurrency' }, Math.max(0, 1 - k.inFlight / k.maxConcurrent));
      }
    },
  );
  gauge('key_cooling', '1 while a key cools down or is quarantined', ['provider', 'key'], (g) => {
    const now = Date.now();
    for (const k of router.stats().keys) {
      const out = (k.coolingUntil ?? 0) > now || (k.quarantinedUntil ?? 0) > now;
      g.set({ provider: k.providerId, key: k.keyId }, out ? 1 : 0);
    }
  });
  gauge(
    'circuit_state',
    'Circuit per candidate: 0 closed, 1 half-open, 2 open',
    ['provider', 'model'],
    (g) => {
      for (const c of router.stats().candidates)
        g.set({ provider: c.providerId, model: c.modelId }, CIRCUIT[c.circuit] ?? 0);
    },
  );

  const offs = [
    router.on('usage', (r) => {
      const m = { provider: r.providerId, model: r.modelId };
      attempts.inc({ ...m, key: r.keyId, status: r.status, code: r.errorCode ?? '' });
      attemptSeconds.observe({ ...m, status: r.status }, r.latencyMs / 1000);
      if (r.ttftMs !== undefined) ttft.observe(m, r.ttftMs / 1000);
      tokens.inc({ ...m, key: r.keyId, type: 'input' }, r.promptTokens);
      tokens.inc({ ...m, key: r.keyId, type: 'output' }, r.completionTokens);
      const cached = (r as { cachedPromptTokens?: number }).cachedPromptTokens;
      if (cached) tokens.inc({ ...m, key: r.keyId, type: 'cached' }, cached);
      if (r.costUsd) cost.inc({ ...m, group: r.groupName ?? '' }, r.costUsd);
    }),
    router.on('failover', (e) =>
      failovers.inc({
        provider: e.from.providerId,
        model: e.from.modelId,
        action: e.action,
        reason: e.error.kind ?? e.error.code,
      }),
    ),
    router.on('success', (e) => {
      const { model, result, queueWaitMs, operation } = e;
      const provider = e.operation === 'chat' ? e.result.model.providerId : e.result.providerId;
      requests.inc({ model, operation, outcome: 'success', code: '' });
      requestSeconds.observe({ model, operation, provider, outcome: 'success' }, result.latencyMs / 1000);
      queueWait.observe({ model, outcome: 'success' }, queueWaitMs / 1000);
    }),
    router.on('failure', ({ model, error, latencyMs, queueWaitMs, operation }) => {
      // Refused before resolution (unknown names): no model label, so no unbounded label values.
      requests.inc({ model: model ?? '', operation, outcome: 'error', code: error.code });
      if (model === undefined) return;
      requestSeconds.observe({ model, operation, provider: '', outcome: 'error' }, latencyMs / 1000);
      queueWait.observe({ model, outcome: 'error' }, queueWaitMs / 1000);
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
