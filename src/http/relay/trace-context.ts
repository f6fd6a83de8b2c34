import { createRequire } from 'node:module';
import type { HeaderReader } from './types.js';

interface PropagationApi {
  context: { active(): unknown; with<T>(context: unknown, fn: () => T): T };
  propagation: {
    extract(
      context: unknown,
      carrier: HeaderReader,
      getter: { get(c: HeaderReader, key: string): string | undefined; keys(c: HeaderReader): string[] },
    ): unknown;
  };
}

let api: PropagationApi | null | undefined;

function loadApi(): PropagationApi | null {
  if (api === undefined) {
    try {
      api = createRequire(import.meta.url)('@opentelemetry/api') as PropagationApi;
    } catch {
      api = null; // not installed: nothing to continue
    }
  }
  return api;
}

const getter = {
  get: (carrier: HeaderReader, key: string) => carrier.get(key) ?? undefined,
  keys: () => ['traceparent', 'tracestate', 'baggage'],
};

/**
 * Run `fn` in the trace context a client sent (`traceparent`, W3C), so the router's request span
 * continues the caller's trace. Without the header or without `@opentelemetry/api`, `fn` runs as is.
 */
export function withTraceContext<T>(headers: HeaderReader, fn: () => T): T {
  if (headers.get('traceparent') === null) return fn();
  const otel = loadApi();
  if (!otel) return fn();
  return otel.context.with(otel.propagation.extract(otel.context.active(), headers, getter), fn);
}
