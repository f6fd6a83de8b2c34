import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText } from 'ai';
import { createFallback } from 'ai-fallback';
import { createRetryableModel, error as retryOn } from 'ai-retry/language-model';
import { importBuiltRouter } from './lib/build.js';
import { benchRequest, smallCatalog } from './lib/catalogs.js';
import { firstJsonLine, spawnTs, stopChild } from './lib/child.js';
import { type BenchOptions, type Result, figure, median } from './lib/result.js';
import { measureLatencies } from './lib/timing.js';

const BENCH = 'peers';

/**
 * Opt-in (`npm run bench -- --peers`): the router beside the in-process peers users compare it with —
 * ai-retry, ai-fallback and the AI SDK's own generateText/streamText — and a plain `fetch`, all
 * against the same mock OpenAI server in its own process, interleaved in one run (order rotating).
 * Every peer is a devDependency: nothing is installed at run time. Each figure is a ratio to `fetch`.
 * The relay hop's floor — a plain node:http forwarding proxy — is in `relay`, which the same
 * command (`npm run bench -- --peers`) runs: every figure of #19 from one command.
 */
export async function run({ quick }: BenchOptions): Promise<Result[]> {
  const rounds = quick ? 2 : 5;
  const perRound = quick ? 10 : 500;
  const warmup = quick ? 5 : 300;
  const burst = quick ? 64 : 4_000;

  const server = spawnTs('mock-openai-server.ts');
  // The bundle as the package ships it (the peers run as their packages ship them too).
  const { ModelRouter, openaiCompatible } = await importBuiltRouter();
  let router: InstanceType<typeof ModelRouter> | undefined;
  try {
    const { port } = await firstJsonLine<{ port: number }>(server);
    const baseURL = `http://127.0.0.1:${port}/v1`;
    router = new ModelRouter({
      catalog: smallCatalog('openai'),
      adapters: { openai: openaiCompatible({ baseURL }) },
    });
    const r = router;
    const openai = createOpenAI({ baseURL, apiKey: 'sk-bench-1' });
    const model = openai.chat('gpt-4o-mini');
    const retrying = createRetryableModel({ model, retries: [retryOn.isRetryable(true).retry()] });
    const fallback = createFallback({ models: [model, openai.chat('gpt-4o')] });
    const messages = benchRequest().messages;
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages });
    const streamBody = JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true });
    const post = (b: string) =>
      fetch(`${baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench-1' },
        body: b,
      });

    const complete: Array<[string, () => Promise<unknown>]> = [
      ['fetch', async () => (await post(body)).json()],
      ['model-router', () => r.complete(benchRequest())],
      ['AI SDK generateText', () => generateText({ model, messages, maxRetries: 0 })],
      ['ai-retry', () => generateText({ model: retrying, messages, maxRetries: 0 })],
      ['ai-fallback', () => generateText({ model: fallback, messages, maxRetries: 0 })],
    ];
    /** Time to the first text, in µs; the rest of the stream is drained. */
    const firstText = async (chunks: AsyncIterable<unknown>, isText: (c: unknown) => boolean, t0: bigint) => {
      let ttft = -1;
      for await (const c of chunks)
        if (ttft < 0 && isText(c)) ttft = Number(process.hrtime.bigint() - t0) / 1000;
      return ttft;
    };
    const decoder = new TextDecoder();
    const streams: Array<[string, () => Promise<number>]> = [
      [
        'fetch',
        async () => {
          const t0 = process.hrtime.bigint();
          const res = await post(streamBody);
          return firstText(
            res.body as unknown as AsyncIterable<Uint8Array>,
            (c) => decoder.decode(c as Uint8Array).includes('"content":"'),
            t0,
          );
        },
      ],
      [
        'model-router',
        async () => {
          const t0 = process.hrtime.bigint();
          return firstText(
            r.stream(benchRequest()),
            (p) => (p as { type: string }).type === 'text-delta',
            t0,
          );
        },
      ],
      [
        'AI SDK streamText',
        async () => {
          const t0 = process.hrtime.bigint();
          return firstText(streamText({ model, messages, maxRetries: 0 }).textStream, Boolean, t0);
        },
      ],
    ];

    const interleave = async <T>(
      sides: Array<[string, () => Promise<T>]>,
      measure: (fn: () => Promise<T>) => Promise<number>,
    ) => {
      for (let i = 0; i < warmup; i++) for (const [, fn] of sides) await fn();
      const med = new Map<string, number[]>(sides.map(([n]) => [n, []]));
      for (let round = 0; round < rounds; round++) {
        const lat = sides.map(() => new Float64Array(perRound));
        for (let i = 0; i < perRound; i++)
          for (let j = 0; j < sides.length; j++) {
            const k = (i + j) % sides.length;
            lat[k]![i] = await measure(sides[k]![1]);
          }
        for (const [k, [n]] of sides.entries()) med.get(n)!.push(median(lat[k]!));
      }
      return med;
    };
    const timed = async (fn: () => Promise<unknown>) => {
      const t0 = process.hrtime.bigint();
      await fn();
      return Number(process.hrtime.bigint() - t0) / 1000;
    };

    const out: Result[] = [];
    const c1 = await interleave(complete, timed);
    const base = c1.get('fetch')!;
    out.push(figure(BENCH, 'fetch, non-streaming p50', 'µs', base));
    for (const [name] of complete.slice(1)) {
      out.push(
        figure(BENCH, `${name} ÷ fetch, non-streaming p50`, '×', ratio(c1.get(name)!, base), {
          ...(name === 'model-router' ? { target: { op: '<=' as const, value: 1.1 } } : {}),
        }),
      );
    }
    const ttft = await interleave(streams, (fn) => fn());
    const baseTtft = ttft.get('fetch')!;
    out.push(figure(BENCH, 'fetch, time to first token p50', 'µs', baseTtft));
    for (const [name] of streams.slice(1)) {
      out.push(
        figure(BENCH, `${name} ÷ fetch, time to first token p50`, '×', ratio(ttft.get(name)!, baseTtft), {
          ...(name === 'model-router' ? { target: { op: '<=' as const, value: 1.15 } } : {}),
        }),
      );
    }
    // Throughput at concurrency 32, each side in turn (interleaving does not apply to bursts).
    const tput = new Map<string, number[]>(complete.map(([n]) => [n, []]));
    for (let round = 0; round < rounds; round++)
      for (const [name, fn] of complete) {
        const { elapsedUs } = await measureLatencies(fn, burst, 32);
        tput.get(name)!.push(burst / (elapsedUs / 1e6));
      }
    const baseRps = tput.get('fetch')!;
    out.push(figure(BENCH, 'fetch, throughput c=32', 'req/s', baseRps));
    for (const [name] of complete.slice(1)) {
      out.push(
        figure(BENCH, `${name} ÷ fetch, throughput c=32`, '×', ratio(tput.get(name)!, baseRps), {
          ...(name === 'model-router' ? { target: { op: '>=' as const, value: 0.98 } } : {}),
        }),
      );
    }
    return out;
  } finally {
    await router?.close();
    await stopChild(server);
  }
}

function ratio(a: readonly number[], b: readonly number[]): number[] {
  return a.map((v, i) => v / b[i]!);
}
