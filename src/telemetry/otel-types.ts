/*
 * The few shapes of `@opentelemetry/api` the router uses, written structurally so that the core's
 * types never require the package (it is an optional peer).
 */
export type Attributes = Record<string, string | number | boolean | undefined>;

export interface OtelSpan {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setAttributes(attributes: Attributes): unknown;
  addEvent(name: string, attributes?: Attributes, time?: number): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(endTime?: number): void;
  /** False for a span nobody records (no SDK registered, or sampled out). */
  isRecording?(): boolean;
}

export interface OtelTracer {
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: Attributes; startTime?: number },
    context?: unknown,
  ): OtelSpan;
}

export interface OtelCounter {
  add(value: number, attributes?: Attributes): void;
}
export interface OtelHistogram {
  record(value: number, attributes?: Attributes): void;
}
export interface OtelObservableResult {
  observe(value: number, attributes?: Attributes): void;
}
export interface OtelObservableGauge {
  addCallback(callback: (result: OtelObservableResult) => void): void;
  removeCallback(callback: (result: OtelObservableResult) => void): void;
}

export interface OtelMeter {
  createCounter(name: string, options?: { description?: string; unit?: string }): OtelCounter;
  createHistogram(
    name: string,
    options?: { description?: string; unit?: string; advice?: { explicitBucketBoundaries?: number[] } },
  ): OtelHistogram;
  createObservableGauge(name: string, options?: { description?: string; unit?: string }): OtelObservableGauge;
}

/** The parts of the `@opentelemetry/api` module the router calls. */
export interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): OtelTracer;
    setSpan(context: unknown, span: OtelSpan): unknown;
  };
  metrics: { getMeter(name: string, version?: string): OtelMeter };
  /** The API's no-op meter: what the global provider hands out while no SDK is registered. */
  createNoopMeter?(): OtelMeter;
  context: { active(): unknown; with<T>(context: unknown, fn: () => T): T };
  propagation: { extract(context: unknown, carrier: unknown, getter?: unknown): unknown };
  SpanKind: { CLIENT: number; INTERNAL: number };
  SpanStatusCode: { ERROR: number; OK: number };
}

export interface TracerProviderLike {
  getTracer(name: string, version?: string): OtelTracer;
}
export interface MeterProviderLike {
  getMeter(name: string, version?: string): OtelMeter;
}
