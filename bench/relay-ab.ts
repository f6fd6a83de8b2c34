/**
 * The relay's servers of two builds side by side: what a change does to their CPU per request,
 * measured in one run (this machine's drift between runs is larger than most changes).
 *   npx tsx bench/relay-ab.ts [--base HEAD] [--ways relay,bare] [--rounds 5] [--stream [--events N]] [--quick]
 * Bundles `relay-servers.ts` of `--base` (a git revision, checked out in a temporary worktree) and of
 * the working tree, starts both and a second copy of the base — the control, which shows the
 * method's own noise — pins the three to one core and the client and the mock upstream to the other
 * (with `taskset`, when the machine has it), and sends short bursts at concurrency 32 to each in
 * rotating order, reading each process's CPU around its own bursts. Prints each way's CPU per request
 * and, per round, the working tree ÷ the base, ÷ the control, and the control ÷ the base: a change
 * counts when it moves the first two further than the third moves (the processes' order of start
 * alone has been seen to move one by 3%). Ways are the servers' names (`relay`, `bare`, `bareThin`,
 * `floor`, `floorTransport`, `relayWeb`, `relayAuth`, `proxy`; streamed: `bareStream`, `thinStream`,
 * `floorStream`).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildScriptBundle, bundle } from './lib/build.js';
import { ROOT, firstJsonLine, spawnTs, stopChild } from './lib/child.js';
import { median } from './lib/result.js';
import { postJson, serverCpuUs } from './lib/relay-client.js';
import { drive } from './lib/slices.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string', default: 'HEAD' },
    ways: { type: 'string', default: 'relay,bare' },
    rounds: { type: 'string', default: '5' },
    // Streamed requests (the mock answers with the recorded SSE stream): for the ways that stream
    // (`relay`, `relayWeb`, `relayAuth`, `proxy`, and the three streamed bare handlers).
    stream: { type: 'boolean', default: false },
    // With `--stream`: a stream of this many content events (`bench_events`: the mock writes them one
    // at a time, as a model's tokens come) instead of the recorded one. The relays and the proxy pass
    // the field on; the bare handlers send only the messages, so they get the recorded stream.
    events: { type: 'string' },
    // A tiny run (the tests': the tool must not rot), whose figures mean nothing.
    quick: { type: 'boolean', default: false },
  },
});
const rounds = values.quick ? 1 : Number(values.rounds);
const names = values.ways.split(',').filter(Boolean);
const BURST = values.quick ? 16 : 200;
const BURSTS = values.quick ? 1 : 16;
const WARMUP = values.quick ? 16 : 3_000;

const pinnable = spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
/** A process onto core 0 (this one, the mock upstream); the servers start on core 1 (`spawnServers`). */
const pin = (pid: number | undefined) => {
  if (pinnable && pid !== undefined)
    spawnSync('taskset', ['-p', '-c', '0', String(pid)], { stdio: 'ignore' });
};
const spawnServers = (file: string, port: number): ChildProcess =>
  pinnable
    ? spawn('taskset', ['-c', '1', process.execPath, file, String(port)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
    : spawn(process.execPath, [file, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });

const worktree = mkdtempSync(join(tmpdir(), 'relay-ab-'));
execFileSync('git', ['worktree', 'add', '--detach', '--quiet', worktree, values.base], { cwd: ROOT });
const children: ChildProcess[] = [];
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
try {
  symlinkSync(join(ROOT, 'node_modules'), join(worktree, 'node_modules'));
  const upstream = spawnTs('mock-openai-server.ts');
  children.push(upstream);
  pin(process.pid);
  pin(upstream.pid);
  const [{ port }, baseBundle, nextBundle] = await Promise.all([
    firstJsonLine<{ port: number }>(upstream),
    bundle(join(worktree, 'bench/relay-servers.ts'), 'relay-servers.base.js'),
    buildScriptBundle('relay-servers.ts', 'relay-servers.js'),
  ]);
  const sides = [
    ['base', baseBundle],
    ['new', nextBundle],
    ['control', baseBundle],
  ] as const;
  const started = sides.map(([, file]) => spawnServers(file, port));
  children.push(...started);
  const ports = await Promise.all(started.map((c) => firstJsonLine<Record<string, number>>(c)));

  const hello = [{ role: 'user', content: 'hello, how are you?' }];
  const events = values.events === undefined ? {} : { bench_events: Number(values.events) };
  const streamed = values.stream ? { stream: true, ...events } : {};
  const relayBody = JSON.stringify({ model: 'bench', messages: hello, ...streamed });
  const upstreamBody = JSON.stringify({ model: 'gpt-4o-mini', messages: hello, ...streamed });
  const ways = names.flatMap((name) =>
    sides.map(([side], k) => {
      const to = ports[k]![name];
      if (to === undefined) throw new Error(`relay-ab: no server named ${name}`);
      const body = name === 'proxy' ? upstreamBody : relayBody;
      const send = () =>
        new Promise<void>((resolve, reject) =>
          postJson(
            agent,
            to,
            '/v1/chat/completions',
            body,
            (res) => {
              if (res.statusCode !== 200) reject(new Error(`relay-ab: ${name} answered ${res.statusCode}`));
              res.resume();
              res.on('end', resolve);
            },
            reject,
          ),
        );
      return { label: `${name} ${side}`, send, control: ports[k]!.control! };
    }),
  );
  for (const way of ways) await drive(way.send, WARMUP);
  const cpu = ways.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    const spent = ways.map(() => 0);
    for (let b = 0; b < BURSTS; b++) {
      for (let j = 0; j < ways.length; j++) {
        const k = (b + j) % ways.length;
        const way = ways[k]!;
        const before = await serverCpuUs(agent, way.control);
        await drive(way.send, BURST);
        spent[k]! += (await serverCpuUs(agent, way.control)) - before;
      }
    }
    for (const [k, us] of spent.entries()) cpu[k]!.push(us / (BURSTS * BURST));
  }
  const pinning = pinnable ? 'servers pinned to core 1' : 'no taskset: not pinned';
  const kind = values.stream ? `streamed (${values.events ?? 'recorded'} events)` : 'plain';
  console.log(`base ${values.base}, ${kind} requests, ${pinning}`);
  for (const [k, way] of ways.entries())
    console.log(`${way.label.padEnd(24)} ${median(cpu[k]!).toFixed(1).padStart(7)} µs per request`);
  // Per way: the working tree against both copies of the base, and the copies against each other.
  const pairs: Array<[number, number]> = [
    [1, 0],
    [1, 2],
    [2, 0],
  ];
  for (let k = 0; k < ways.length; k += sides.length) {
    for (const [a, b] of pairs) {
      const ratios = cpu[k + a]!.map((v, i) => v / cpu[k + b]![i]!);
      const each = ratios.map((r) => r.toFixed(3)).join(' ');
      const label = `${ways[k + a]!.label} ÷ ${sides[b]![0]}`;
      console.log(`${label.padEnd(28)} ${median(ratios).toFixed(3)}  (rounds: ${each})`);
    }
  }
} finally {
  agent.destroy();
  for (const child of children.reverse()) await stopChild(child);
  execFileSync('git', ['worktree', 'remove', '--force', worktree], { cwd: ROOT });
  rmSync(worktree, { recursive: true, force: true });
}
