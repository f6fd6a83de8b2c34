import {
  AggregationTemporality,
  type CollectionResult,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ModelRouter, type RouterEvents, memoryStorage, openaiCompatible } from 'model-router';
import { createMetricsHandler } from 'model-router/http';
import { afterEach, describe, expect, it } from 'vitest';
import { type UpstreamHandler, embeddingsReply, openaiUpstream } from '../helpers/openai-upstream.js';
import { serve } from '../http/harness.js';

/*
 * Issue #14: embeddings are as visible as completions — the `request`, `success` and `failure`
 * events (with `operation: 'embed'`), a usage record per attempt in the hook, the event and the
 * storage's ledger, the Prometheus metrics and the OpenTelemetry spans and metrics. Through the public
 * API, against real openaiCompatible adapters calling node:http upstreams on 127.0.0.1.
 */

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function setup(a: UpstreamHandler) {
  const upA = await openaiUpstream(a);
  const upB = await openaiUpstream((r) => ({ json: embeddingsReply(r.body) }));
  open.push(upA, upB);
  const storage = memoryStorage({
    catalog: {
      providers: [
        { id: 'a', adapter: 'openai', baseUrl: upA.url, keys: [{ id: 'a1', secret: 'sk-embed-a1-secret' }] },
        { id: 'b', adapter: 'openai', baseUrl: upB.url, keys: [{ id: 'b1', secret: 'sk-embed-b1-secret' }] },
      ],
      models: [
        { providerId: 'a', modelId: 'embed-a', inputCostPerMTok: 2 },
        { providerId: 'b', modelId: 'embed-b' },
      ],
      groups: [
        {
          name: 'embeddings',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'a', modelId: 'embed-a', priority: 0 },
            { providerId: 'b', modelId: 'embed-b', priority: 1 },
          ],
        },
      ],
    },
  });
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const router = new ModelRouter({
    storage,
    adapters: { openai: openaiCompatible({ baseURL: 'http://127.0.0.1:9/unused' }) },
    telemetry: { tracerProvider, meterProvider },
  });
  const events: Array<[string, unknown]> = [];
  for (const name of ['request', 'attempt', 'failover', 'success', 'failure', 'usage'] as const)
    router.on(name, (e) => void events.push([name, e]));
  const metrics = await serve(createMetricsHandler(router));
  open.push(metrics, router);
  return { router, storage, events, exporter, reader, metrics };
}

function metric(result: CollectionResult, name: string) {
  for (const scope of result.resourceMetrics.scopeMetrics)
    for (const m of scope.metrics) if (m.descriptor.name === name) return m;
  return undefined;
}

describe('embeddings are visible like completions', () => {
  it('events, usage records in the hook and the ledger, Prometheus and OpenTelemetry — after a failover', async () => {
    const { router, storage, events, exporter, reader, metrics } = await setup((_r, i) =>
      i === 0
        ? { status: 503, json: { error: { message: 'overloaded', type: 'server_error' } } }
        : { json: { error: 'unused' } },
    );
    const res = await router.embed({ model: 'embeddings', input: ['alpha', 'beta'] }, { requestId: 'emb-1' });
    expect(res.providerId).toBe('b');

    const names = events.map(([n]) => n);
    expect(names).toEqual(['request', 'attempt', 'usage', 'failover', 'attempt', 'usage', 'success']);
    expect(events[0]![1]).toMatchObject({
      requestId: 'emb-1',
      model: 'embeddings',
      operation: 'embed',
      stream: false,
    });
    const success = events.at(-1)![1] as RouterEvents['success'];
    expect(success).toMatchObject({ requestId: 'emb-1', model: 'embeddings', operation: 'embed' });
    // The payload is the very result embed() returned, narrowed by operation.
    if (success.operation !== 'embed') throw new Error('expected an embed success');
    expect(success.result).toBe(res);
    expect(success.result.embeddings).toHaveLength(2);

    // One usage record per attempt, in the ledger too (flushed by close()).
    await router.close();
    expect(
      storage.usage.map((r) => [r.requestId, r.attempt, r.providerId, r.status, r.completionTokens]),
    ).toEqual([
      ['emb-1', 1, 'a', 'error', 0],
      ['emb-1', 2, 'b', 'success', 0],
    ]);
    expect(storage.usage[1]).toMatchObject({ promptTokens: res.usage.promptTokens, stream: false });

    // Prometheus: the request counted as a success of its logical model, each attempt by status.
    const text = await (await fetch(`${metrics.url}/metrics`)).text();
    expect(text).toMatch(
      /model_router_requests_total\{model="embeddings",operation="embed",outcome="success",code=""\} 1/,
    );
    expect(text).toMatch(
      /model_router_request_duration_seconds_count\{model="embeddings",operation="embed",provider="b",outcome="success"\} 1/,
    );
    expect(text).toMatch(/model_router_attempts_total\{provider="a",model="embed-a",key="a1",status="error"/);
    expect(text).toMatch(
      /model_router_attempts_total\{provider="b",model="embed-b",key="b1",status="success"/,
    );

    // OpenTelemetry: an `embeddings` span per request with a child per attempt, closed on success.
    const spans = exporter.getFinishedSpans();
    const request = spans.find((s) => s.name === 'embeddings embeddings');
    expect(request?.attributes).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'b',
      'gen_ai.response.model': res.responseModel,
      'model_router.attempts': 2,
    });
    expect(spans.filter((s) => s.name.startsWith('embeddings embed-')).map((s) => s.name)).toEqual([
      'embeddings embed-a',
      'embeddings embed-b',
    ]);
    const { resourceMetrics } = await reader.collect();
    const duration = metric({ resourceMetrics, errors: [] }, 'gen_ai.client.operation.duration');
    expect(duration?.dataPoints.map((p) => p.attributes['gen_ai.operation.name'])).toEqual(['embeddings']);
    const tokens = metric({ resourceMetrics, errors: [] }, 'gen_ai.client.token.usage');
    expect(new Set(tokens?.dataPoints.map((p) => p.attributes['gen_ai.operation.name']))).toEqual(
      new Set(['embeddings']),
    );
  });

  it('a failed embed() is a failure event with operation embed, and its attempts are in the ledger', async () => {
    const { router, storage, events } = await setup(() => ({
      status: 400,
      json: { error: { message: 'input too long', type: 'invalid_request_error' } },
    }));
    await expect(
      router.embed({ model: 'embeddings', input: 'x' }, { requestId: 'emb-2' }),
    ).rejects.toMatchObject({
      code: 'PROVIDER_ERROR',
    });
    const failure = events.find(([n]) => n === 'failure')![1];
    expect(failure).toMatchObject({ requestId: 'emb-2', model: 'embeddings', operation: 'embed' });
    expect(events.some(([n]) => n === 'success')).toBe(false);
    await router.close();
    expect(storage.usage.map((r) => [r.requestId, r.providerId, r.status, r.httpStatus])).toEqual([
      ['emb-2', 'a', 'error', 400],
    ]);
  });

  it('chat requests say operation chat', async () => {
    const { router, events } = await setup(() => ({
      json: {
        id: 'c1',
        object: 'chat.completion',
        model: 'embed-a',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      },
    }));
    await router.complete({ model: 'embeddings', messages: [{ role: 'user', content: 'hi' }] });
    expect(events.find(([n]) => n === 'request')![1]).toMatchObject({ operation: 'chat' });
    expect(events.find(([n]) => n === 'success')![1]).toMatchObject({ operation: 'chat' });
  });
});
