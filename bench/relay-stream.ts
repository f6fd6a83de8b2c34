import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { buildScriptBundle } from './lib/build.js';
import { firstJsonLine, spawnNode, spawnTs, stopChild } from './lib/child.js';
import { type BenchOptions, type Result, figure, median } from './lib/result.js';

const BENCH = 'relay-stream';

const hello = [{ role: 'user', content: 'hello, how are you?' }];
const chatUpstream = JSON.stringify({ model: 'gpt-4o-mini', messages: hello, stream: true });
const chatRelay = JSON.stringify({ model: 'bench', messages: hello, stream: true });
const messagesUpstream = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 256,
  messages: hello,
  stream: true,
});
const messagesRelay = JSON.stringify({
  model: 'bench-claude',
  max_tokens: 256,
  messages: hello,
  stream: true,
});

/** The first content in a body: a non-empty `content` (chat chunk) or `text` (Anthropic delta). */
const CONTENT = /"(?:content|text)":"[^"]/;

/** Time to the first content and to the end of one streamed request, in µs. */
interface Timed {
  first: number;
  end: number;
}

/**
 * The relay hop for streams, over loopback: a client sends the same streamed chat request (the mock
 * answers with the recorded SSE stream) straight to the mock, through the plain node:http forwarding
 * proxy and through `createRelayHandler` on its node:http door — the servers of `relay-servers.ts`,
 * bundled as the package ships, interleaved with the order rotating. Per hop: the time added to the
 * first content and to the end of the stream, and each ÷ the proxy's. The Messages route streamed to
 * an Anthropic upstream (pass-through) likewise. Then the CPU the servers' process spends per
 * streamed request (from /proc, steadier than latency on a busy machine), proxy vs relay.
 */
export async function run({ quick }: BenchOptions): Promise<Result[]> {
  const rounds = quick ? 2 : 5;
  const perRound = quick ? 10 : 1_000;
  const warmup = quick ? 10 : 500;
  const cpuRequests = quick ? 20 : 1_000;

  const upstream = spawnTs('mock-openai-server.ts');
  let servers: ReturnType<typeof spawnNode> | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const [{ port }, bundle] = await Promise.all([
      firstJsonLine<{ port: number }>(upstream),
      buildScriptBundle('relay-servers.ts', 'relay-servers.js'),
    ]);
    servers = spawnNode(bundle, [String(port)]);
    const ports = await firstJsonLine<{ proxy: number; relay: number }>(servers);
    const post = (p: number, path: string, body: string) => timedStream(agent, p, path, body);
    const chat = '/v1/chat/completions';
    const sides: Array<[string, () => Promise<Timed>]> = [
      ['direct', () => post(port, chat, chatUpstream)],
      ['proxy', () => post(ports.proxy, chat, chatUpstream)],
      ['relay chat', () => post(ports.relay, chat, chatRelay)],
      ['direct messages', () => post(port, '/v1/messages', messagesUpstream)],
      ['relay messages', () => post(ports.relay, '/v1/messages', messagesRelay)],
    ];
    for (let i = 0; i < warmup; i++) for (const [, fn] of sides) await fn();
    const first = new Map<string, number[]>(sides.map(([n]) => [n, []]));
    const end = new Map<string, number[]>(sides.map(([n]) => [n, []]));
    for (let round = 0; round < rounds; round++) {
      const f = sides.map(() => new Float64Array(perRound));
      const e = sides.map(() => new Float64Array(perRound));
      for (let i = 0; i < perRound; i++) {
        for (let j = 0; j < sides.length; j++) {
          const k = (i + j) % sides.length;
          const t = await sides[k]![1]();
          f[k]![i] = t.first;
          e[k]![i] = t.end;
        }
      }
      for (const [k, [n]] of sides.entries()) {
        first.get(n)!.push(median(f[k]!));
        end.get(n)!.push(median(e[k]!));
      }
    }
    const out: Result[] = [];
    for (const [what, m] of [
      ['first content', first],
      ['end of stream', end],
    ] as const) {
      const direct = m.get('direct')!;
      const added = (name: string, base = direct) => m.get(name)!.map((v, i) => v - base[i]!);
      const proxy = added('proxy');
      out.push(figure(BENCH, `direct to upstream, ${what} p50`, 'µs', direct));
      out.push(figure(BENCH, `plain node:http proxy, added to ${what} p50`, 'µs', proxy));
      for (const [name, base] of [
        ['relay chat', direct],
        ['relay messages', m.get('direct messages')!],
      ] as const) {
        const hop = added(name, base);
        out.push(figure(BENCH, `${name} (streamed), added to ${what} p50`, 'µs', hop));
        out.push(
          figure(
            BENCH,
            `${name} (streamed) hop ÷ plain proxy hop, ${what}`,
            '×',
            hop.map((a, i) => a / proxy[i]!),
          ),
        );
      }
    }
    const proxyAndRelay = sides.filter(([n]) => n === 'proxy' || n.startsWith('relay '));
    out.push(...(await serverCpu(servers.pid, proxyAndRelay, rounds, cpuRequests)));
    return out;
  } finally {
    agent.destroy();
    if (servers) await stopChild(servers);
    await stopChild(upstream);
  }
}

/**
 * CPU time (user + system, µs) the servers' process spends per request of each side, `count` requests
 * of one side at a time (order rotating by round), read from /proc/<pid>/stat around them.
 */
async function serverCpu(
  pid: number | undefined,
  sides: Array<[string, () => Promise<Timed>]>,
  rounds: number,
  count: number,
): Promise<Result[]> {
  const ticks = () => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  try {
    ticks();
  } catch {
    return [{ bench: BENCH, name: 'servers CPU per streamed request', skipped: 'no /proc/<pid>/stat here' }];
  }
  // Clock ticks per second: 100 on Linux (USER_HZ), whatever the kernel's HZ.
  const usPerTick = 10_000;
  const cpu = new Map<string, number[]>(sides.map(([n]) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < sides.length; j++) {
      const [name, send] = sides[(round + j) % sides.length]!;
      const t0 = ticks();
      for (let i = 0; i < count; i++) await send();
      cpu.get(name)!.push(((ticks() - t0) * usPerTick) / count);
    }
  }
  const proxy = cpu.get('proxy')!;
  const out: Result[] = [];
  for (const [name, values] of cpu) {
    const label = name === 'proxy' ? 'plain node:http proxy' : `${name} (streamed)`;
    out.push(figure(BENCH, `servers' CPU per request: ${label}`, 'µs', values));
    if (name !== 'proxy')
      out.push(
        figure(
          BENCH,
          `servers' CPU per request: ${label} ÷ plain proxy`,
          '×',
          values.map((v, i) => v / proxy[i]!),
        ),
      );
  }
  return out;
}

/** One streamed POST over a keep-alive agent: µs to the first content in the body, and to its end. */
function timedStream(agent: Agent, port: number, path: string, body: string): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: 'Bearer sk-bench-1',
        },
      },
      (res) => {
        let first = -1;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (first >= 0) return;
          text += c;
          if (CONTENT.test(text)) first = Number(process.hrtime.bigint() - t0) / 1000;
        });
        res.on('end', () => {
          const end = Number(process.hrtime.bigint() - t0) / 1000;
          if (res.statusCode !== 200 || first < 0)
            reject(new Error(`relay-stream bench: ${path} answered ${res.statusCode} without content`));
          else resolve({ first, end });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
