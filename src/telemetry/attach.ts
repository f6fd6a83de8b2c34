import type { ModelRouter } from '../router.js';
import { loadOptional } from './load-optional.js';
import { meterRouter } from './metrics.js';
import type { TelemetryOptions } from './options.js';
import type { OtelApi, OtelMeter } from './otel-types.js';
import { traceRouter } from './tracing.js';

const SCOPE = 'model-router';

/**
 * Turn OpenTelemetry on for `router` (what the `telemetry` option does). Without `@opentelemetry/api`
 * installed this is a no-op. Returns the function that turns it off again (`close()` does too).
 */
export function attachTelemetry(router: ModelRouter, options: TelemetryOptions | true = {}): () => void {
  const o: TelemetryOptions = options === true ? {} : options;
  const api = loadOptional<OtelApi>('@opentelemetry/api');
  if (!api) return () => {};
  const detach: Array<() => void> = [];
  if (o.traces !== false) {
    const tracer = (o.tracerProvider ?? api.trace).getTracer(SCOPE);
    detach.push(traceRouter(router, api, tracer));
  }
  if (o.metrics !== false) {
    const meter = (o.meterProvider ?? api.metrics).getMeter(SCOPE);
    // The global provider while no SDK is registered hands out the no-op meter, and a meter never
    // switches to a provider registered later: its metrics would go nowhere, so none are computed.
    if (o.meterProvider || !isNoopMeter(api, meter)) detach.push(meterRouter(router, meter));
  }
  return () => {
    for (const d of detach) d();
  };
}

function isNoopMeter(api: OtelApi, meter: OtelMeter): boolean {
  const noop = api.createNoopMeter?.();
  return noop !== undefined && meter.constructor === noop.constructor;
}
