import type { MeterProviderLike, TracerProviderLike } from './otel-types.js';

/**
 * OpenTelemetry for one router (`telemetry: true` or these options). Spans and metrics go through
 * `@opentelemetry/api` (an optional peer): without it installed, telemetry is off (a no-op).
 */
export interface TelemetryOptions {
  /** Where spans go. @default the global tracer provider of `@opentelemetry/api` */
  tracerProvider?: TracerProviderLike;
  /** Where metrics go. @default the global meter provider of `@opentelemetry/api` */
  meterProvider?: MeterProviderLike;
  /** Emit spans (a request span with a child span per attempt). @default true */
  traces?: boolean;
  /** Record metrics (durations, tokens, cost, failovers, key headroom, circuit state). @default true */
  metrics?: boolean;
}
