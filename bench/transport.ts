import { Agent, request } from 'node:http';
import { nodeFetch } from '../src/providers/shared/node-transport.js';
import { firstJsonLine, spawnTs, stopChild } from './lib/child.js';
import { type BenchOptions, type Result, figure } from './lib/result.js';
import { drive, spentInSlices } from './lib/slices.js';

const BENCH = 'transport';
const CONCURRENCY = 32;

/**
 * The adapters' HTTP client alone: this process's CPU per POST (user + system) at concurrency 32
 * against the mock OpenAI server in its own process, each way reading the whole body and parsing
 * its JSON — a node:http `ClientRequest` on a keep-alive agent (the transport before) and the
 * default transport (`nodeFetch`: undici's global dispatcher without web objects). The ways run in
 * short slices, order rotating (`spentInSlices`), so that the machine's drift hits both alike. What
 * decides the default transport, re-checked on every Node a user runs. (`fetch` is left out: in
 * the same process, the garbage of its web objects is collected during the other ways' slices and
 * billed to them; the `loopback` bench has it.)
 */
export async function run({ quick }: BenchOptions): Promise<Result[]> {
  const rounds = quick ? 1 : 5;
  const slices = quick ? 1 : 8;
  const slice = quick ? 32 : 500;
  const server = spawnTs('mock-openai-server.ts');
  const agent = new Agent({ keepAlive: true });
  try {
    const { port } = await firstJsonLine<{ port: number }>(server);
    const url = `http://127.0.0.1:${port}/v1/chat/completions`;
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-bench-1' };
    const check = (json: { choices?: unknown[] }) => {
      if (!json.choices?.length) throw new Error('transport bench: empty reply');
    };
    // The signal as the router hands it over: its attempt's own light view of the abort, not an
    // EventTarget (an `AbortSignal` costs a few µs per listener added and removed).
    const signal = { aborted: false, reason: undefined, addEventListener() {}, removeEventListener() {} };
    const ways: Array<[string, () => Promise<void>]> = [
      [
        'node:http ClientRequest',
        () =>
          new Promise<void>((resolve, reject) => {
            const req = request(
              { host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', agent, headers },
              (res) => {
                const chunks: Buffer[] = [];
                res.on('data', (c: Buffer) => chunks.push(c));
                res.on('end', () => {
                  check(JSON.parse(Buffer.concat(chunks).toString('utf8')));
                  resolve();
                });
              },
            );
            req.on('error', reject);
            req.end(body);
          }),
      ],
      [
        'default transport (nodeFetch)',
        async () => {
          const res = await nodeFetch(url, { method: 'POST', headers, body, signal });
          check(JSON.parse(await res.text()));
        },
      ],
    ];
    for (const [, send] of ways) await drive(send, quick ? 32 : 2_000, CONCURRENCY);
    const spentUs = await spentInSlices(ways, { rounds, slices }, async ([, send]) => {
      const before = process.cpuUsage();
      await drive(send, slice, CONCURRENCY);
      const used = process.cpuUsage(before);
      return used.user + used.system;
    });
    const cpu = new Map<string, number[]>(
      ways.map(([name], k) => [name, spentUs[k]!.map((us) => us / (slices * slice))]),
    );
    const http = cpu.get('node:http ClientRequest')!;
    const out: Result[] = [];
    for (const [name, values] of cpu) out.push(figure(BENCH, `CPU per POST, ${name}, c=32`, 'µs', values));
    for (const [name, values] of cpu) {
      if (values === http) continue;
      out.push(
        figure(
          BENCH,
          `CPU per POST, ${name} ÷ node:http ClientRequest`,
          '×',
          values.map((v, i) => v / http[i]!),
        ),
      );
    }
    return out;
  } finally {
    agent.destroy();
    await stopChild(server);
  }
}
