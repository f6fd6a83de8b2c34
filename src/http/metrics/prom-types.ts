/* The few shapes of `prom-client` used here, structural so that our types never require it. */
export interface PromCounter {
  inc(labels: Record<string, string>, value?: number): void;
}
export interface PromHistogram {
  observe(labels: Record<string, string>, value: number): void;
}
export interface PromGauge {
  set(labels: Record<string, string>, value: number): void;
  reset(): void;
}
export interface PromRegistry {
  metrics(): Promise<string>;
  readonly contentType: string;
  removeSingleMetric(name: string): void;
}
interface MetricConfig {
  name: string;
  help: string;
  labelNames?: readonly string[];
  registers?: PromRegistry[];
  buckets?: number[];
  collect?: () => void | Promise<void>;
}
export interface PromClient {
  Registry: new () => PromRegistry;
  Counter: new (config: MetricConfig) => PromCounter;
  Histogram: new (config: MetricConfig) => PromHistogram;
  Gauge: new (config: MetricConfig) => PromGauge;
}
