import { ModelRouter, type ProviderAdapter, anthropic, openaiCompatible } from '../src/index.js';
import { benchRequest, smallCatalog } from './lib/catalogs.js';
import { directCall, textParts } from './lib/instant-adapter.js';
import { type BenchOptions, type Result, figure, median, percentile } from './lib/result.js';
import { buildSseStream, chunkedStream, memoryFetch } from './lib/sse-fixture.js';

const BENCH = 'streaming';

/**
 * Streams: time to first content part and parts per second through `router.stream()` against
 * iterating the adapter's own stream; SSE parsing throughput of the two bundled adapters over a
 * recorded-style ~1 MB stream served from memory by an injected `fetch`.
 */
export async function run({ quick }: BenchOptions): Promise<Result[]> {
  return [...(await routerStreams(quick)), ...(await sseThroughput(quick))];
}

async function routerStreams(quick: boolean): Promise<Result[]> {
  const rounds = quick ? 2 : 7;
  const ttfpRequests = quick ? 50 : 5_000;
  const bigStream = quick ? 500 : 100_000;
  let parts = 16;
  const adapter: ProviderAdapter = {
    name: 'instant',
    complete: async () => {
      throw new Error('not used');
    },
    stream: async () => ({ parts: textParts(parts) }),
  };
  const router = new ModelRouter({ catalog: smallCatalog(), adapters: { instant: adapter } });
  const call = directCall('p1', 'gpt-4o-mini', { stream: true });

  /** Time (µs) from calling to the first content part, then drain; returns [ttfp, total parts]. */
  const viaRouter = async (): Promise<[number, number]> => {
    const t0 = process.hrtime.bigint();
    const it = router.stream(benchRequest())[Symbol.asyncIterator]();
    let ttfp = -1;
    let n = 0;
    for (;;) {
      const next = await it.next();
      if (next.done) break;
      n++;
      if (ttfp < 0 && next.value.type === 'text-delta') ttfp = Number(process.hrtime.bigint() - t0) / 1000;
    }
    return [ttfp, n];
  };
  const direct = async (): Promise<[number, number]> => {
    const t0 = process.hrtime.bigint();
    const s = await adapter.stream(call);
    const it = s.parts[Symbol.asyncIterator]();
    let ttfp = -1;
    let n = 0;
    for (;;) {
      const next = await it.next();
      if (next.done) break;
      n++;
      if (ttfp < 0 && next.value.type === 'text-delta') ttfp = Number(process.hrtime.bigint() - t0) / 1000;
    }
    return [ttfp, n];
  };
  const ttfpRun = async (fn: () => Promise<[number, number]>) => {
    const out = new Float64Array(ttfpRequests);
    for (let i = 0; i < ttfpRequests; i++) out[i] = (await fn())[0];
    return out;
  };
  const partsPerSecond = async (fn: () => Promise<[number, number]>) => {
    const t0 = process.hrtime.bigint();
    const [, n] = await fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (n < bigStream) throw new Error(`streaming: ${n} parts of ${bigStream}`);
    return bigStream / s;
  };

  const s = {
    delta: [] as number[],
    deltaP99: [] as number[],
    routerTtfp: [] as number[],
    directTtfp: [] as number[],
    routerPps: [] as number[],
    directPps: [] as number[],
  };
  try {
    await router.ready();
    for (let i = 0; i < (quick ? 20 : 5_000); i++) {
      await viaRouter();
      await direct();
    }
    for (let round = 0; round < rounds; round++) {
      parts = 16;
      const d = await ttfpRun(direct);
      const r = await ttfpRun(viaRouter);
      s.routerTtfp.push(median(r));
      s.directTtfp.push(median(d));
      s.delta.push(median(r) - median(d));
      s.deltaP99.push(percentile(r, 99) - percentile(d, 99));
      parts = bigStream;
      s.directPps.push(await partsPerSecond(direct));
      s.routerPps.push(await partsPerSecond(viaRouter));
    }
    if (router.stats().inFlight !== 0) throw new Error('streaming: requests still in flight');
  } finally {
    await router.close();
  }
  return [
    figure(BENCH, 'first content part: router − adapter, median', 'µs', s.delta, {
      target: { op: '<=', value: 200 },
    }),
    figure(BENCH, 'first content part: router − adapter, p99', 'µs', s.deltaP99),
    figure(BENCH, 'first content part via router, median', 'µs', s.routerTtfp),
    figure(BENCH, 'first content part from adapter, median', 'µs', s.directTtfp),
    figure(BENCH, `parts/s via router (${bigStream} parts)`, 'parts/s', s.routerPps),
    figure(BENCH, `parts/s from adapter (${bigStream} parts)`, 'parts/s', s.directPps),
  ];
}

async function sseThroughput(quick: boolean): Promise<Result[]> {
  const rounds = quick ? 2 : 9;
  const size = quick ? 64 * 1024 : 1024 * 1024;
  const results: Result[] = [];
  for (const provider of ['openai', 'anthropic'] as const) {
    const fixture = buildSseStream(provider, size);
    const fetch = memoryFetch(fixture.bytes);
    const adapter =
      provider === 'openai'
        ? openaiCompatible({ baseURL: 'http://bench.invalid/v1', fetch })
        : anthropic({ baseURL: 'http://bench.invalid', fetch });
    const call = directCall(provider, provider === 'openai' ? 'gpt-4o-mini' : 'claude-sonnet-4-5', {
      stream: true,
    });
    const mb = fixture.bytes.length / 1e6;
    const parse = async () => {
      const t0 = process.hrtime.bigint();
      const s = await adapter.stream(call);
      let deltas = 0;
      for await (const part of s.parts) if (part.type === 'text-delta') deltas++;
      const sec = Number(process.hrtime.bigint() - t0) / 1e9;
      if (deltas !== fixture.deltas)
        throw new Error(`${provider}: ${deltas} text-deltas of ${fixture.deltas}`);
      return mb / sec;
    };
    /** The ceiling: reading and decoding the same body with no parsing at all. */
    const rawRead = async () => {
      const t0 = process.hrtime.bigint();
      const decoder = new TextDecoder();
      let chars = 0;
      const reader = chunkedStream(fixture.bytes, 16_384).getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read())
        chars += decoder.decode(r.value, { stream: true }).length;
      const sec = Number(process.hrtime.bigint() - t0) / 1e9;
      if (chars === 0) throw new Error('empty body');
      return mb / sec;
    };
    const parsed: number[] = [];
    const raw: number[] = [];
    await parse();
    await rawRead();
    for (let round = 0; round < rounds; round++) {
      parsed.push(await parse());
      raw.push(await rawRead());
    }
    const label = provider === 'openai' ? 'openaiCompatible' : 'anthropic';
    const note = `${(fixture.bytes.length / 1e6).toFixed(2)} MB, ${fixture.deltas} content events, 16 KiB chunks`;
    results.push(figure(BENCH, `SSE parse ${label}`, 'MB/s', parsed, { note }));
    results.push(
      figure(BENCH, `body read+decode only (${provider} bytes)`, 'MB/s', raw, {
        note: 'no parsing: the ceiling',
      }),
    );
  }
  return results;
}
