import { Agent } from 'node:http';
import { type BenchOptions, type Result, figure, median } from './lib/result.js';
import { postJson, serverCpuUs } from './lib/relay-client.js';
import { startRelayProcesses } from './lib/relay-processes.js';
import { recordedContentEvents } from './lib/sse-fixture.js';

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

/** `router.stream()` behind a bare handler writing its text parts as SSE (no relay route). */
const BARE_STREAM = 'router.stream() behind a bare handler';
/** A thin streaming adapter's parts behind the same handler, no router: the streamed floor. */
const FLOOR_STREAM = 'floor: a thin stream adapter behind a bare handler';
/** `router.stream()` over that thin adapter, behind the same handler. */
const THIN_STREAM = 'router.stream() over the thin adapter';

/** Content events of the long stream (`bench_events`: the mock writes them one at a time). */
const LONG = 200;
const longBody = (body: string, events: number) => body.replace(/}$/, `,"bench_events":${events}}`);

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
 * streamed request (its `process.cpuUsage()`, steadier than latency on a busy machine), proxy vs relay,
 * and per streamed event: the same chat request for a stream of `LONG` content events that the mock
 * writes one at a time (each its own read and write on the way, as a model's tokens come), minus
 * the recorded stream's, per event more.
 */
export async function run({ quick }: BenchOptions): Promise<Result[]> {
  const rounds = quick ? 2 : 5;
  const perRound = quick ? 10 : 1_000;
  const warmup = quick ? 10 : 500;
  const cpuRequests = quick ? 20 : 1_000;

  const processes = await startRelayProcesses<{
    proxy: number;
    relay: number;
    bareStream: number;
    floorStream: number;
    thinStream: number;
    control: number;
  }>();
  const { upstreamPort: port, ports } = processes;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  try {
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
    const long = quick ? 20 : LONG;
    const cpuSides: Array<[string, () => Promise<Timed>]> = [
      ...sides.filter(([n]) => n === 'proxy' || n.startsWith('relay ')),
      [BARE_STREAM, () => post(ports.bareStream, chat, chatRelay)],
      [FLOOR_STREAM, () => post(ports.floorStream, chat, chatRelay)],
      [THIN_STREAM, () => post(ports.thinStream, chat, chatRelay)],
      [`proxy, ${long} events`, () => post(ports.proxy, chat, longBody(chatUpstream, long))],
      [`relay chat, ${long} events`, () => post(ports.relay, chat, longBody(chatRelay, long))],
    ];
    const cpu = await serverCpu(agent, ports.control, cpuSides, rounds, quick ? cpuRequests : 400);
    const proxyCpu = cpu.get('proxy')!;
    for (const [name, values] of cpu) {
      if (name.includes(' events')) continue;
      const label =
        name === 'proxy' ? 'plain node:http proxy' : name.startsWith('relay ') ? `${name} (streamed)` : name;
      out.push(figure(BENCH, `servers' CPU per request: ${label}`, 'µs', values));
      if (name !== 'proxy')
        out.push(
          figure(
            BENCH,
            `servers' CPU per request: ${label} ÷ plain proxy`,
            '×',
            values.map((v, i) => v / proxyCpu[i]!),
          ),
        );
    }
    // What the relay adds to the router's stream: the route, the pass-through, the SSE writer.
    const bareCpu = cpu.get(BARE_STREAM)!;
    out.push(
      figure(
        BENCH,
        `servers' CPU per request: relay chat (streamed) − ${BARE_STREAM}`,
        'µs',
        cpu.get('relay chat')!.map((v, i) => v - bareCpu[i]!),
      ),
    );
    // Layer by layer, each over the one before it, in the proxy's CPU: the router's stream over the
    // thin adapter, then `openaiCompatible` in its place, then the relay's route and SSE writer.
    const floorCpu = cpu.get(FLOOR_STREAM)!;
    const thinCpu = cpu.get(THIN_STREAM)!;
    for (const [layer, over, under] of [
      ['router.stream() over the streamed floor', thinCpu, floorCpu],
      ['openaiCompatible over the thin adapter', bareCpu, thinCpu],
      ['the relay over router.stream()', cpu.get('relay chat')!, bareCpu],
    ] as const) {
      out.push(
        figure(
          BENCH,
          `servers' CPU per request, streamed, added by ${layer} ÷ plain proxy`,
          '×',
          over.map((v, i) => (v - under[i]!) / proxyCpu[i]!),
        ),
      );
    }
    // Per event: the long stream's CPU minus the recorded stream's, over the events it has more.
    const more = long - recordedContentEvents('openai');
    const perEvent = (name: string, longName: string) =>
      cpu.get(longName)!.map((v, i) => (v - cpu.get(name)![i]!) / more);
    const proxyEvent = perEvent('proxy', `proxy, ${long} events`);
    const relayEvent = perEvent('relay chat', `relay chat, ${long} events`);
    out.push(figure(BENCH, `servers' CPU per streamed event: plain node:http proxy`, 'µs', proxyEvent));
    out.push(figure(BENCH, `servers' CPU per streamed event: relay chat`, 'µs', relayEvent));
    out.push(
      figure(
        BENCH,
        `servers' CPU per streamed event: relay chat ÷ plain proxy`,
        '×',
        relayEvent.map((v, i) => v / proxyEvent[i]!),
      ),
    );
    return out;
  } finally {
    agent.destroy();
    await processes.stop();
  }
}

/**
 * CPU time (user + system, µs) the servers' process spends per request of each side, by name, read from its
 * control port (`process.cpuUsage()`) between short bursts of one side at a time, the sides in
 * rotating order, many bursts a round: drift of the machine's load hits all alike.
 */
async function serverCpu(
  agent: Agent,
  controlPort: number,
  sides: Array<[string, () => Promise<Timed>]>,
  rounds: number,
  count: number,
): Promise<Map<string, number[]>> {
  const read = () => serverCpuUs(agent, controlPort);
  const burst = Math.min(count, 100);
  const bursts = Math.max(1, Math.round(count / burst));
  const cpu = new Map<string, number[]>(sides.map(([n]) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    const spent = sides.map(() => 0);
    let last = await read();
    for (let b = 0; b < bursts; b++) {
      for (let j = 0; j < sides.length; j++) {
        const k = (b + j) % sides.length;
        for (let i = 0; i < burst; i++) await sides[k]![1]();
        const now = await read();
        spent[k]! += now - last;
        last = now;
      }
    }
    for (const [k, [n]] of sides.entries()) cpu.get(n)!.push(spent[k]! / (burst * bursts));
  }
  return cpu;
}

/** One streamed POST over a keep-alive agent: µs to the first content in the body, and to its end. */
function timedStream(agent: Agent, port: number, path: string, body: string): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    postJson(
      agent,
      port,
      path,
      body,
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
      reject,
    );
  });
}
