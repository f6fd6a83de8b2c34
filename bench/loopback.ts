import { ModelRouter, openaiCompatible } from '../src/index.js';
import { benchRequest, smallCatalog } from './lib/catalogs.js';
import { directCall } from './lib/instant-adapter.js';
import { firstJsonLine, spawnTs, stopChild } from './lib/child.js';
import { type BenchOptions, type Result, figure, median, percentile } from './lib/result.js';

const BENCH = 'loopback';

/**
 * Over loopback HTTP: the router with `openaiCompatible` against a mock OpenAI server in its own
 * process, against a plain `fetch` of the same request to the same server. Requests alternate
 * between the three (router, adapter alone, fetch; the order rotates) so that drift of the machine hits both alike.
 */
export async function run({ quick }: BenchOptions): Promise<Result[]> {
  const rounds = quick ? 2 : 5;
  const perRound = quick ? 10 : 2_000;
  const warmup = quick ? 10 : 1_000;

  const server = spawnTs('mock-openai-server.ts');
  let router: ModelRouter | undefined;
  try {
    const { port } = await firstJsonLine<{ port: number }>(server);
    const baseURL = `http://127.0.0.1:${port}/v1`;
    const adapter = openaiCompatible({ baseURL });
    router = new ModelRouter({ catalog: smallCatalog('openai'), adapters: { openai: adapter } });
    const call = directCall('p1', 'gpt-4o-mini', { apiKey: 'sk-bench-1' });
    const r = router;
    const request = benchRequest();
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: request.messages, stream: false });
    const viaRouter = async () => {
      const t0 = process.hrtime.bigint();
      const res = await r.complete(benchRequest());
      if (!res.message.content) throw new Error('loopback: empty reply');
      return Number(process.hrtime.bigint() - t0) / 1000;
    };
    /** The adapter alone, without the router: splits the added latency into adapter and router. */
    const adapterOnly = async () => {
      const t0 = process.hrtime.bigint();
      const res = await adapter.complete(call);
      if (!res.message.content) throw new Error('loopback: empty reply');
      return Number(process.hrtime.bigint() - t0) / 1000;
    };
    const direct = async () => {
      const t0 = process.hrtime.bigint();
      const res = await fetch(`${baseURL}/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: 'Bearer sk-bench-1',
        },
        body,
      });
      const json = (await res.json()) as { choices: Array<{ message: { content: string } }> };
      if (!json.choices[0]?.message.content) throw new Error('loopback: empty reply');
      return Number(process.hrtime.bigint() - t0) / 1000;
    };

    for (let i = 0; i < warmup; i++) {
      await viaRouter();
      await adapterOnly();
      await direct();
    }
    const s = {
      added: [] as number[],
      addedP99: [] as number[],
      pct: [] as number[],
      router: [] as number[],
      adapter: [] as number[],
      adapterAdded: [] as number[],
      direct: [] as number[],
    };
    for (let round = 0; round < rounds; round++) {
      const rl = new Float64Array(perRound);
      const al = new Float64Array(perRound);
      const dl = new Float64Array(perRound);
      for (let i = 0; i < perRound; i++) {
        // Rotate the order, so that no side always runs first.
        for (let j = 0; j < 3; j++) {
          const which = (i + j) % 3;
          if (which === 0) rl[i] = await viaRouter();
          else if (which === 1) al[i] = await adapterOnly();
          else dl[i] = await direct();
        }
      }
      const rMed = median(rl);
      const dMed = median(dl);
      s.router.push(rMed);
      s.direct.push(dMed);
      s.adapter.push(median(al));
      s.adapterAdded.push(median(al) - dMed);
      s.added.push(rMed - dMed);
      s.addedP99.push(percentile(rl, 99) - percentile(dl, 99));
      s.pct.push(((rMed - dMed) / dMed) * 100);
    }
    return [
      figure(BENCH, 'added latency median (router − fetch)', 'µs', s.added),
      figure(BENCH, 'added latency p99 (router − fetch)', 'µs', s.addedP99),
      figure(BENCH, 'added latency median, % of direct', '%', s.pct, { target: { op: '<=', value: 3 } }),
      figure(BENCH, 'router + openaiCompatible, median', 'µs', s.router),
      figure(BENCH, 'openaiCompatible alone − fetch, median', 'µs', s.adapterAdded, {
        note: "the adapter's share of the added latency; the rest is the router",
      }),
      figure(BENCH, 'openaiCompatible alone, median', 'µs', s.adapter),
      figure(BENCH, 'plain fetch, median', 'µs', s.direct),
    ];
  } finally {
    await router?.close();
    await stopChild(server);
  }
}
