import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { type RouterModule, importBuiltRouter } from './lib/build.js';
import { benchRequest, smallCatalog } from './lib/catalogs.js';
import { instantAdapter } from './lib/instant-adapter.js';
import { type BenchOptions, type Result, figure, median } from './lib/result.js';
import { measureLatencies } from './lib/timing.js';

const BENCH = 'features';
const SESSIONS = 64;

type Router = InstanceType<RouterModule['ModelRouter']>;

/**
 * What each in-process route and feature costs, each as a ratio to the plain `complete()` of the
 * same bundle (as shipped) on an instant adapter, at c=1, interleaved in one run (blocks of requests
 * from each side in turn, the order rotating every round): affinity on a session key (and turned
 * off), telemetry on (an SDK tracer and meter provider that keep nothing) and turned on with no SDK
 * registered (the API's no-op globals) against off (the default: nothing attached), tags, a cost
 * ceiling, and the embeddings route. The wire routes (messages, responses, embeddings over HTTP) are
 * in `relay`, as a hop ÷ the plain proxy's hop.
 */
export async function run({ quick }: BenchOptions): Promise<Result[]> {
  const rounds = quick ? 2 : 7;
  const perRound = quick ? 128 : 10_000;
  const warmup = quick ? 128 : 20_000;
  const mod = await importBuiltRouter();
  const make = (options: Record<string, unknown> = {}): Router =>
    new mod.ModelRouter({
      catalog: pricedCatalog(),
      adapters: { instant: instantAdapter() },
      ...options,
    });
  const tracerProvider = new BasicTracerProvider();
  const meterProvider = new MeterProvider();
  const routers = {
    plain: make(),
    affinityOff: make({ affinity: false }),
    telemetry: make({ telemetry: { tracerProvider, meterProvider } }),
    // `telemetry: true` with no OpenTelemetry SDK registered: the API's global no-op providers.
    telemetryNoSdk: make({ telemetry: true }),
  };
  let session = 0;
  const sides: Array<[string, () => Promise<unknown>]> = [
    ['complete()', () => routers.plain.complete(benchRequest())],
    [
      'complete() with an affinityKey',
      () => routers.plain.complete({ ...benchRequest(), affinityKey: `s${session++ % SESSIONS}` }),
    ],
    ['complete(), affinity: false', () => routers.affinityOff.complete(benchRequest())],
    ['complete(), telemetry on', () => routers.telemetry.complete(benchRequest())],
    ['complete(), telemetry: true, no SDK registered', () => routers.telemetryNoSdk.complete(benchRequest())],
    ['complete() with tags', () => routers.plain.complete({ ...benchRequest(), tags: ['fast'] })],
    ['complete() with maxCostUsd', () => routers.plain.complete({ ...benchRequest(), maxCostUsd: 1 })],
    ['embed()', () => routers.plain.embed({ model: 'bench', input: ['hello', 'how are you?'] })],
  ];
  const med = new Map<string, number[]>(sides.map(([n]) => [n, []]));
  try {
    for (const [, fn] of sides) await measureLatencies(fn, warmup, 1);
    for (let round = 0; round < rounds; round++) {
      for (let j = 0; j < sides.length; j++) {
        const [name, fn] = sides[(round + j) % sides.length]!;
        med.get(name)!.push(median((await measureLatencies(fn, perRound, 1)).latencies));
      }
    }
    for (const r of Object.values(routers)) {
      const { inFlight } = r.stats();
      if (inFlight !== 0) throw new Error(`features: ${inFlight} requests still in flight`);
    }
  } finally {
    for (const r of Object.values(routers)) await r.close();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  }
  const base = med.get('complete()')!;
  const out: Result[] = [figure(BENCH, 'complete() [built], median, c=1', 'µs', base)];
  for (const [name] of sides.slice(1)) {
    const ratio = med.get(name)!.map((v, i) => v / base[i]!);
    out.push(
      figure(BENCH, `${name} ÷ complete(), median, c=1`, '×', ratio, {
        note: `${median(med.get(name)!).toFixed(2)} µs`,
      }),
    );
  }
  return out;
}

/** The bench catalog, its models priced (for `maxCostUsd`) and tagged `fast` (for `tags`). */
function pricedCatalog() {
  const c = smallCatalog();
  return {
    ...c,
    models: c.models!.map((m) => ({ ...m, inputCostPerMTok: 0.15, outputCostPerMTok: 0.6, tags: ['fast'] })),
  };
}
