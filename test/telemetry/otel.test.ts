import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
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
import { ModelRouter, type ModelRouterOptions } from 'model-router';
import { createRelayHandler } from 'model-router/http';
import { mockProvider } from 'model-router/testing';
import OpenAI from 'openai';
import { serve } from '../http/harness.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(() => {
  context.disable();
  propagation.disable();
});
beforeEach(() => exporter.reset());

function setup(extra: Partial<ModelRouterOptions> = {}) {
  const a = mockProvider({ name: 'mockA' });
  const b = mockProvider({
    name: 'mockB',
    fallback: { text: 'from b', usage: { promptTokens: 7, completionTokens: 3 } },
  });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const router = new ModelRouter({
    catalog: {
      providers: [
        { id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 'sk-canary-secret-a1', rpm: 100 }] },
        { id: 'b', adapter: 'mockB', keys: [{ id: 'b1', secret: 'sk-canary-secret-b1', maxConcurrent: 4 }] },
      ],
      models: [
        { providerId: 'a', modelId: 'model-a' },
        { providerId: 'b', modelId: 'model-b' },
      ],
      groups: [
        {
          name: 'coding',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'a', modelId: 'model-a', priority: 0 },
            { providerId: 'b', modelId: 'model-b', priority: 1 },
          ],
        },
      ],
    },
    adapters: { mockA: a, mockB: b },
    telemetry: { tracerProvider, meterProvider },
    ...extra,
  });
  return { router, a, b, reader, meterProvider };
}

const hi = [{ role: 'user' as const, content: 'secret prompt text' }];

function metric(result: CollectionResult, name: string) {
  for (const scope of result.resourceMetrics.scopeMetrics)
    for (const m of scope.metrics) if (m.descriptor.name === name) return m;
  return undefined;
}

describe('telemetry: OpenTelemetry spans and metrics', () => {
  it('a request span (child of the caller’s span) with a child span per attempt, GenAI attributes, failover as an event', async () => {
    const { router, a } = setup();
    a.push({ error: { status: 503, message: 'overloaded' } });
    const caller = tracerProvider.getTracer('app').startSpan('handle /chat');
    const result = await context.with(trace.setSpan(context.active(), caller), () =>
      router.complete({ model: 'coding', messages: hi }),
    );
    caller.end();
    expect(result.model.providerId).toBe('b');

    const spans = exporter.getFinishedSpans();
    const request = spans.find((s) => s.name === 'chat coding')!;
    expect(request).toBeDefined();
    expect(request.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    expect(request.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'coding',
      'gen_ai.provider.name': 'b',
      'gen_ai.response.model': 'model-b',
      'gen_ai.usage.input_tokens': 7,
      'gen_ai.usage.output_tokens': 3,
      'model_router.group': 'coding',
      'model_router.attempts': 2,
      'model_router.queue_wait_ms': 0,
    });
    expect(request.events.map((e) => e.name)).toEqual(['model_router.failover']);
    expect(request.events[0]!.attributes).toMatchObject({
      'model_router.failover.from_provider': 'a',
      'model_router.failover.action': 'next_candidate',
    });

    const attempts = spans.filter((s) => s.parentSpanContext?.spanId === request.spanContext().spanId);
    expect(attempts.map((s) => s.attributes['gen_ai.provider.name'])).toEqual(['a', 'b']);
    expect(attempts[0]!.attributes).toMatchObject({ 'model_router.attempt': 1, 'model_router.key_id': 'a1' });
    expect(attempts[0]!.status.code).toBe(2); // ERROR
    expect(attempts[1]!.status.code).not.toBe(2);

    // Never a secret or the prompt in any attribute or event.
    const everything = JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events]));
    expect(everything).not.toContain('sk-canary');
    expect(everything).not.toContain('secret prompt');
    await router.close();
  });

  it('a failed request ends its span with error.type; streams are traced too', async () => {
    const { router, a, b, reader } = setup();
    a.push({ error: { status: 400, message: 'bad' } });
    await expect(router.complete({ model: 'coding', messages: hi })).rejects.toThrow();
    const failed = exporter.getFinishedSpans().find((s) => s.name === 'chat coding')!;
    expect(failed.attributes['error.type']).toBeDefined();
    expect(failed.status.code).toBe(2);
    // The failure is attributed to its model by the failure event itself.
    const duration = metric(await reader.collect(), 'gen_ai.client.operation.duration')!;
    expect(duration.dataPoints.map((p) => p.attributes)).toEqual([
      { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'coding', 'error.type': 'PROVIDER_ERROR' },
    ]);

    exporter.reset();
    b.push({ chunks: ['x', 'y'] });
    for await (const _ of router.stream({ model: 'b/model-b', messages: hi })) {
      // drain
    }
    const streamed = exporter.getFinishedSpans().find((s) => s.name === 'chat b/model-b')!;
    expect(streamed.attributes).toMatchObject({ 'model_router.stream': true, 'gen_ai.provider.name': 'b' });
    await router.close();
  });

  it('metrics: operation duration, token usage, failovers, key headroom and circuit state', async () => {
    const { router, a, reader } = setup();
    a.push({ error: { status: 503, message: 'overloaded' } });
    await router.complete({ model: 'coding', messages: hi });
    await router.complete({ model: 'coding', messages: hi });
    const result = await reader.collect();
    const duration = metric(result, 'gen_ai.client.operation.duration')!;
    expect(duration.dataPoints.length).toBeGreaterThan(0);
    const tokens = metric(result, 'gen_ai.client.token.usage')!;
    const types = tokens.dataPoints.map((p) => p.attributes['gen_ai.token.type']);
    expect(types).toContain('input');
    expect(types).toContain('output');
    const failovers = metric(result, 'model_router.failovers')!;
    expect(failovers.dataPoints[0]!.value).toBe(1);
    expect(failovers.dataPoints[0]!.attributes).toMatchObject({
      'model_router.failover.reason': 'overloaded',
    });
    const headroom = metric(result, 'model_router.key.headroom')!;
    const rpm = headroom.dataPoints.find((p) => p.attributes['model_router.dimension'] === 'rpm')!;
    expect(rpm.value).toBeCloseTo(1 - 2 / 100, 5); // a1 took two requests of its 100 rpm
    expect(metric(result, 'model_router.circuit.state')!.dataPoints.length).toBe(2);
    const wait = metric(result, 'model_router.queue.wait')!;
    expect(wait.dataPoints).toHaveLength(1);
    expect(wait.dataPoints[0]!.attributes).toEqual({
      'gen_ai.request.model': 'coding',
      'model_router.outcome': 'success',
    });
    expect((wait.dataPoints[0]!.value as { count: number }).count).toBe(2);
    // Bounded labels: no request ids anywhere.
    expect(JSON.stringify(result)).not.toMatch(/req_|model_router\.request_id/);
    await router.close();
  });

  it('telemetry: true follows the global providers: nothing while no SDK is registered, spans once one is (even registered later), metrics from one registered first', async () => {
    const { router } = setup({ telemetry: true });
    await router.complete({ model: 'coding', messages: hi });
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    trace.setGlobalTracerProvider(tracerProvider);
    const reader = new TestReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    try {
      await router.complete({ model: 'coding', messages: hi });
      expect(exporter.getFinishedSpans().map((s) => s.name)).toContain('chat coding');
      // A meter is taken when telemetry attaches: the router made before the SDK records none.
      expect(metric(await reader.collect(), 'gen_ai.client.operation.duration')).toBeUndefined();
      const { router: later } = setup({ telemetry: true });
      await later.complete({ model: 'coding', messages: hi });
      const duration = metric(await reader.collect(), 'gen_ai.client.operation.duration')!;
      expect(duration.dataPoints).toHaveLength(1);
      await later.close();
    } finally {
      trace.disable();
      metrics.disable();
      await router.close();
    }
  });

  it('off by default, and detached by close(): no span, no gauge callback after it', async () => {
    const { router: plain } = setup({ telemetry: false });
    await plain.complete({ model: 'coding', messages: hi });
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await plain.close();

    const { router, reader } = setup();
    await router.complete({ model: 'coding', messages: hi });
    await router.close();
    const after = await reader.collect();
    expect(metric(after, 'model_router.key.headroom')?.dataPoints ?? []).toHaveLength(0);
  });

  it('the relay continues a client’s traceparent: the request span joins the caller’s trace', async () => {
    const { router } = setup();
    const server = await serve(createRelayHandler(router));
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const client = new OpenAI({
      apiKey: 'k',
      baseURL: `${server.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { traceparent: `00-${traceId}-${parentId}-01` },
    });
    await client.chat.completions.create({ model: 'coding', messages: hi });
    const span = exporter.getFinishedSpans().find((s) => s.name === 'chat coding')!;
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe(parentId);
    await server.close();
    await router.close();
  });
});
