import type { ModelRouter } from '../router.js';
import { GEN_AI_OPERATION } from './metrics.js';
import type { RouterEvents } from '../events.js';
import type { UsageRecord } from '../types/usage-record.js';
import type { OtelApi, OtelSpan, OtelTracer } from './otel-types.js';

interface Open {
  span: OtelSpan;
  /** The GenAI operation name: `chat` or `embeddings`. */
  operation: string;
  context: unknown;
  attempts: Map<number, OtelSpan>;
}

/** Most requests traced at once; past it new requests go untraced (bounded memory whatever happens). */
const MAX_OPEN = 100_000;

/**
 * A span per request (`chat {model}`, kind CLIENT, the caller's active span as parent) and a child
 * span per attempt, following the GenAI semantic conventions plus router attributes (group, key id —
 * never the secret —, attempt number, failover reason, time waited for capacity). Built from the router's events, so a router
 * without telemetry pays nothing. Returns the detach function.
 */
export function traceRouter(router: ModelRouter, api: OtelApi, tracer: OtelTracer): () => void {
  const open = new Map<string, Open>();
  const offs = [
    router.on('request', (e) => {
      if (open.size >= MAX_OPEN) return;
      const operation = GEN_AI_OPERATION[e.operation];
      const span = tracer.startSpan(
        `${operation} ${e.model}`,
        {
          kind: api.SpanKind.CLIENT,
          attributes: {
            'gen_ai.operation.name': operation,
            'gen_ai.request.model': e.model,
            'model_router.request_id': e.requestId,
            'model_router.resolution': e.kind,
            'model_router.stream': e.stream,
            ...(e.groupName ? { 'model_router.group': e.groupName } : {}),
          },
        },
        api.context.active(),
      );
      // Nobody records it (no SDK registered, or sampled out): its attempts would not be recorded
      // either, so the request is not followed — the router pays one no-op span per request.
      if (span.isRecording?.() === false) return;
      open.set(e.requestId, {
        span,
        operation,
        context: api.trace.setSpan(api.context.active(), span),
        attempts: new Map(),
      });
    }),
    router.on('attempt', (e) => {
      const req = open.get(e.requestId);
      if (!req) return;
      const span = tracer.startSpan(
        `${req.operation} ${e.modelId}`,
        {
          kind: api.SpanKind.CLIENT,
          attributes: {
            'gen_ai.operation.name': req.operation,
            'gen_ai.provider.name': e.providerId,
            'gen_ai.request.model': e.modelId,
            'model_router.key_id': e.keyId,
            'model_router.attempt': e.attempt,
          },
        },
        req.context,
      );
      req.attempts.set(e.attempt, span);
    }),
    router.on('usage', (record) => {
      const req = open.get(record.requestId);
      const span = req?.attempts.get(record.attempt);
      if (!req || !span) return;
      req.attempts.delete(record.attempt);
      endAttempt(api, span, record);
    }),
    router.on('failover', (e) => {
      open.get(e.requestId)?.span.addEvent('model_router.failover', failoverAttributes(e));
    }),
    router.on('success', (e) => {
      const { requestId, result, queueWaitMs } = e;
      const req = take(requestId);
      if (!req) return;
      // An embedding has no id and no finish reason: only what both results carry, then the chat extras.
      const served = e.operation === 'chat' ? e.result.model : e.result;
      if (e.operation === 'chat') {
        req.span.setAttributes({
          'gen_ai.response.id': e.result.id,
          'gen_ai.response.finish_reasons': e.result.finishReason.raw ?? e.result.finishReason.unified,
        });
      }
      req.span.setAttributes({
        'model_router.queue_wait_ms': queueWaitMs,
        'gen_ai.provider.name': served.providerId,
        'gen_ai.response.model': result.responseModel ?? served.modelId,
        'gen_ai.usage.input_tokens': result.usage.promptTokens,
        'gen_ai.usage.output_tokens': result.usage.completionTokens,
        'model_router.usage.estimated': result.usage.estimated,
        'model_router.attempts': result.attempts.length,
      });
      req.span.end();
    }),
    router.on('failure', ({ requestId, error, queueWaitMs }) => {
      const req = take(requestId);
      if (!req) return;
      req.span.setAttribute('model_router.queue_wait_ms', queueWaitMs);
      req.span.setAttribute('error.type', error.code);
      req.span.setStatus({ code: api.SpanStatusCode.ERROR, message: error.code });
      req.span.end();
    }),
  ];

  /** The request's span, removed from the open set; attempts still open end with it. */
  function take(requestId: string): Open | undefined {
    const req = open.get(requestId);
    if (!req) return undefined;
    open.delete(requestId);
    for (const span of req.attempts.values()) span.end();
    return req;
  }

  return () => {
    for (const off of offs) off();
    for (const id of [...open.keys()]) take(id)?.span.end();
  };
}

function endAttempt(api: OtelApi, span: OtelSpan, record: UsageRecord): void {
  span.setAttributes({
    'gen_ai.usage.input_tokens': record.promptTokens,
    'gen_ai.usage.output_tokens': record.completionTokens,
    'model_router.usage.estimated': record.estimated,
    'model_router.status': record.status,
    ...(record.ttftMs !== undefined ? { 'model_router.ttft_ms': record.ttftMs } : {}),
    ...(record.costUsd !== undefined ? { 'model_router.cost_usd': record.costUsd } : {}),
    ...(record.httpStatus !== undefined ? { 'http.response.status_code': record.httpStatus } : {}),
  });
  if (record.status !== 'success') {
    span.setAttribute('error.type', record.errorCode ?? record.status);
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: record.errorCode ?? record.status });
  }
  span.end();
}

export function failoverAttributes(e: RouterEvents['failover']) {
  return {
    'model_router.failover.action': e.action,
    'model_router.failover.from_provider': e.from.providerId,
    'model_router.failover.from_model': e.from.modelId,
    'model_router.failover.from_key': e.from.keyId,
    'model_router.failover.reason': e.error.kind ?? e.error.code,
    ...(e.error.status !== undefined ? { 'http.response.status_code': e.error.status } : {}),
  };
}
