import { Agent } from 'node:http';
import { type BenchOptions, type Result, figure, median } from './lib/result.js';
import { postJson, serverCpuUs } from './lib/relay-client.js';
import { startRelayProcesses } from './lib/relay-processes.js';
import { drive, spentInSlices } from './lib/slices.js';

const BENCH = 'relay';
/** The hand-written relay: parse the body, forward it, parse the answer, re-serialize it. */
const FLOOR = 'floor: parse, forward, re-serialize';
/** The floor served as a web handler through `toNodeListener`: minus the floor, what the conversion costs. */
const FLOOR_WEB = 'floor as a web handler (toNodeListener)';
/** The floor over the adapters' default transport: what any relay that parses the JSON can reach over it. */
const FLOOR_TRANSPORT = 'floor over the default transport';
/** `router.complete()` over an adapter that does the floor's work and no more, behind a bare handler. */
const THIN = 'router.complete() over a thin adapter';
const BARE = 'router.complete() behind a bare handler';

/** One relay route and the request a client sends to it (other wire formats add theirs here). */
export interface RelayBenchRoute {
  name: string;
  path: string;
  body: string;
  /** The same call straight to the upstream, when it is not the chat request (the hop's baseline). */
  direct?: { path: string; body: string };
}

const hello = [{ role: 'user', content: 'hello, how are you?' }];
export const RELAY_ROUTES: RelayBenchRoute[] = [
  {
    name: 'chat',
    path: '/v1/chat/completions',
    body: JSON.stringify({ model: 'bench', messages: hello }),
  },
  {
    name: 'responses',
    path: '/v1/responses',
    body: JSON.stringify({ model: 'bench', input: 'hello, how are you?', store: false }),
  },
  {
    // What the Anthropic SDK sends, passed through to an Anthropic upstream (the coding-agent path).
    name: 'messages',
    path: '/v1/messages',
    body: JSON.stringify({ model: 'bench-claude', max_tokens: 256, messages: hello }),
    direct: {
      path: '/v1/messages',
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 256, messages: hello }),
    },
  },
  {
    // The same Messages request served by the OpenAI-compatible group: translated both ways.
    name: 'messages → chat upstream',
    path: '/v1/messages',
    body: JSON.stringify({ model: 'bench', max_tokens: 256, messages: hello }),
  },
  {
    // What the openai client sends by default (base64), for two texts; vectors of 1536 floats.
    name: 'embeddings',
    path: '/v1/embeddings',
    body: JSON.stringify({ model: 'bench', input: ['hello', 'how are you?'], encoding_format: 'base64' }),
    direct: {
      path: '/v1/embeddings',
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        input: ['hello', 'how are you?'],
        encoding_format: 'base64',
      }),
    },
  },
];
/** The same request upstream (what the plain proxy forwards and `direct` sends). */
const upstreamBody = JSON.stringify({ model: 'gpt-4o-mini', messages: hello });

/**
 * The relay hop over loopback: a client sends the same chat request (1) straight to a mock OpenAI
 * server, (2) through a plain node:http forwarding proxy, (3) through `createRelayHandler` on its
 * node:http door and (4) on its web door — the servers in a child process, bundled as the package
 * ships (esbuild, no tsx), the mock in another, requests interleaved (order rotating) so that drift
 * of the machine hits all alike. Then throughput at concurrency 32 of the same four and of the
 * hand-written floor, in short slices of each, order rotating; then the servers' CPU per request (their `process.cpuUsage()` read
 * between short bursts at concurrency 32, each to one server), which a busy machine disturbs far
 * less than latency.
 */
export async function run({ quick }: BenchOptions): Promise<Result[]> {
  const rounds = quick ? 2 : 5;
  const perRound = quick ? 10 : 1_000;
  const warmup = quick ? 10 : 500;
  const burst = quick ? 64 : 4_000;

  const processes = await startRelayProcesses<{
    proxy: number;
    relay: number;
    relayWeb: number;
    relayAuth: number;
    floor: number;
    floorWeb: number;
    floorTransport: number;
    bareThin: number;
    bare: number;
    control: number;
  }>();
  const { upstreamPort: port, ports } = processes;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const post = (p: number, path: string, body: string) => timedPost(agent, p, path, body);
    const chat = RELAY_ROUTES[0]!;
    // The four ways to the upstream, for the chat request: what the hop and throughput compare.
    const ways: Array<[string, () => Promise<number>]> = [
      ['direct', () => post(port, '/v1/chat/completions', upstreamBody)],
      ['proxy', () => post(ports.proxy, '/v1/chat/completions', upstreamBody)],
      ['relay chat', () => post(ports.relay, chat.path, chat.body)],
      ['relay chat (web door)', () => post(ports.relayWeb, chat.path, chat.body)],
    ];
    // A hand-written JSON relay: the floor of any relay that parses (hop, throughput and CPU).
    const floor: [string, () => Promise<number>] = [FLOOR, () => post(ports.floor, chat.path, chat.body)];
    const floorTransport: [string, () => Promise<number>] = [
      FLOOR_TRANSPORT,
      () => post(ports.floorTransport, chat.path, chat.body),
    ];
    const sides: Array<[string, () => Promise<number>]> = [
      ...ways,
      // Where the relay's hop goes: the floor, and router.complete() behind a bare handler (the
      // router and adapter without the relay route).
      floor,
      [FLOOR_WEB, () => post(ports.floorWeb, chat.path, chat.body)],
      [BARE, () => post(ports.bare, chat.path, chat.body)],
      ['relay chat with authenticate', () => post(ports.relayAuth, chat.path, chat.body)],
      ...RELAY_ROUTES.slice(1).map((r): [string, () => Promise<number>] => [
        `relay ${r.name}`,
        () => post(ports.relay, r.path, r.body),
      ]),
      ...RELAY_ROUTES.flatMap((r): Array<[string, () => Promise<number>]> => {
        const d = r.direct;
        return d ? [[`direct ${r.name}`, () => post(port, d.path, d.body)]] : [];
      }),
    ];
    for (let i = 0; i < warmup; i++) for (const [, fn] of sides) await fn();
    const medians = new Map<string, number[]>(sides.map(([n]) => [n, []]));
    for (let round = 0; round < rounds; round++) {
      const lat = sides.map(() => new Float64Array(perRound));
      for (let i = 0; i < perRound; i++) {
        for (let j = 0; j < sides.length; j++) {
          const k = (i + j) % sides.length;
          lat[k]![i] = await sides[k]![1]();
        }
      }
      for (const [k, [n]] of sides.entries()) medians.get(n)!.push(median(lat[k]!));
    }
    const direct = medians.get('direct')!;
    const proxyAdded = medians.get('proxy')!.map((v, i) => v - direct[i]!);
    const out: Result[] = [
      figure(BENCH, 'direct to upstream, p50', 'µs', direct),
      figure(BENCH, 'plain node:http proxy, added p50', 'µs', proxyAdded),
    ];
    for (const [name] of sides.slice(2)) {
      if (name.startsWith('direct ')) continue;
      // A route with a direct call of its own (embeddings) is measured against it; others against chat.
      const base = medians.get(`direct ${name.replace(/^relay /, '')}`) ?? direct;
      const added = medians.get(name)!.map((v, i) => v - base[i]!);
      out.push(figure(BENCH, `${name}, added p50`, 'µs', added));
      out.push(
        figure(
          BENCH,
          `${name} hop ÷ plain proxy hop`,
          '×',
          added.map((a, i) => a / proxyAdded[i]!),
          name === 'relay chat' ? { target: { op: '<=', value: 1.2 } } : {},
        ),
      );
    }
    // toNodeListener's Web Request/Response conversion alone: the same floor, served both ways.
    const floorLat = medians.get(FLOOR)!;
    out.push(
      figure(
        BENCH,
        'toNodeListener alone (floor as a web handler − floor), added p50',
        'µs',
        medians.get(FLOOR_WEB)!.map((v, i) => v - floorLat[i]!),
        { target: { op: '<=', value: 100 } },
      ),
    );

    // Throughput at concurrency 32 (`drive`): the same number of requests each way.
    // The hand-written floor too: what any relay that parses the JSON can reach on this machine.
    const paced = [...ways, floor, floorTransport];
    // Each round's requests in short slices of each way, order rotating (see `spentInSlices`).
    const slices = quick ? 1 : 8;
    const slice = Math.max(1, Math.round(burst / slices));
    const spentMs = await spentInSlices(paced, { rounds, slices }, async ([, send]) => {
      const t0 = performance.now();
      await drive(send, slice);
      return performance.now() - t0;
    });
    const throughput = new Map<string, number[]>(
      paced.map(([name], k) => [name, spentMs[k]!.map((ms) => (slices * slice) / (ms / 1000))]),
    );
    const directRps = throughput.get('direct')!;
    const proxyRps = throughput.get('proxy')!;
    for (const [name, values] of throughput) {
      const label = name === 'direct' ? 'direct' : name === 'proxy' ? 'plain node:http proxy' : name;
      out.push(figure(BENCH, `throughput ${label}, c=32`, 'req/s', values));
    }
    for (const [name, values] of throughput) {
      if (name === 'direct') continue;
      const label = name === 'proxy' ? 'plain node:http proxy' : name;
      out.push(
        figure(
          BENCH,
          `throughput ${label} ÷ direct, c=32`,
          '×',
          values.map((v, i) => v / directRps[i]!),
          name === 'relay chat' ? { target: { op: '>=', value: 0.5 } } : {},
        ),
      );
      if (name !== 'proxy')
        out.push(
          figure(
            BENCH,
            `throughput ${label} ÷ plain proxy, c=32`,
            '×',
            values.map((v, i) => v / proxyRps[i]!),
          ),
        );
    }

    // The servers' CPU per request, user + system, for each server alone (order rotating): what
    // the relay's own work costs, without the client and the mock, nor the machine's other load.
    const cpuWays: Array<[string, () => Promise<number>]> = [
      ['plain node:http proxy', () => post(ports.proxy, '/v1/chat/completions', upstreamBody)],
      floor,
      [FLOOR_WEB, () => post(ports.floorWeb, chat.path, chat.body)],
      floorTransport,
      [THIN, () => post(ports.bareThin, chat.path, chat.body)],
      [BARE, () => post(ports.bare, chat.path, chat.body)],
      ['relay chat', () => post(ports.relay, chat.path, chat.body)],
      ['relay chat (web door)', () => post(ports.relayWeb, chat.path, chat.body)],
    ];
    const serverCpu = () => serverCpuUs(agent, ports.control);
    // Short bursts, the servers in rotating order, many per round: drift of the machine's load hits
    // all alike. One reading of the servers' CPU between bursts (its cost, shared by all, is tiny).
    const cpuBurst = quick ? 16 : 200;
    const cpuBursts = quick ? 1 : Math.max(1, Math.round(burst / cpuBurst));
    const cpu = new Map<string, number[]>(cpuWays.map(([n]) => [n, []]));
    for (let round = 0; round < rounds; round++) {
      const spent = cpuWays.map(() => 0);
      let last = await serverCpu();
      for (let b = 0; b < cpuBursts; b++) {
        for (let j = 0; j < cpuWays.length; j++) {
          const k = (b + j) % cpuWays.length;
          await drive(cpuWays[k]![1], cpuBurst);
          const now = await serverCpu();
          spent[k]! += now - last;
          last = now;
        }
      }
      for (const [k, [name]] of cpuWays.entries()) cpu.get(name)!.push(spent[k]! / (cpuBursts * cpuBurst));
    }
    const proxyCpu = cpu.get('plain node:http proxy')!;
    for (const [name, values] of cpu)
      out.push(figure(BENCH, `server CPU per request, ${name}, c=32`, 'µs', values));
    for (const [name, values] of cpu) {
      if (values === proxyCpu) continue;
      out.push(
        figure(
          BENCH,
          `server CPU per request, ${name} ÷ plain proxy`,
          '×',
          values.map((v, i) => v / proxyCpu[i]!),
        ),
      );
    }
    // Where the relay's CPU goes, layer by layer over the floor on the same transport: the router
    // (over a thin adapter), `openaiCompatible` (over the thin one), the relay's HTTP layer (over
    // the bare handler, which runs the same call).
    const layers: Array<[string, string, string]> = [
      ['the router (thin adapter − floor over the transport)', THIN, FLOOR_TRANSPORT],
      ['openaiCompatible (bare handler − thin adapter)', BARE, THIN],
      ['relay chat − bare handler', 'relay chat', BARE],
    ];
    for (const [label, over, under] of layers) {
      const base = cpu.get(under)!;
      out.push(
        figure(
          BENCH,
          `server CPU per request, ${label}`,
          'µs',
          cpu.get(over)!.map((v, i) => v - base[i]!),
        ),
      );
    }
    const floorCpu = cpu.get(FLOOR)!;
    out.push(
      figure(
        BENCH,
        'server CPU per request, toNodeListener alone (floor as a web handler − floor)',
        'µs',
        cpu.get(FLOOR_WEB)!.map((v, i) => v - floorCpu[i]!),
      ),
    );
    return out;
  } finally {
    agent.destroy();
    await processes.stop();
  }
}

/** One POST over a keep-alive agent; resolves with the latency in µs once the body is read. */
function timedPost(agent: Agent, port: number, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    postJson(
      agent,
      port,
      path,
      body,
      (res) => {
        let size = 0;
        res.on('data', (c: Buffer) => (size += c.length));
        res.on('end', () => {
          if (res.statusCode !== 200 || size === 0)
            reject(new Error(`relay bench: ${path} answered ${res.statusCode}`));
          else resolve(Number(process.hrtime.bigint() - t0) / 1000);
        });
      },
      reject,
    );
  });
}
