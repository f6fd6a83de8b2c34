import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LocalCluster {
  ports: number[];
  /** The redis-server child of each port. */
  nodes: Map<number, ChildProcess>;
  /** Stop one node by its PID (SIGKILL): a crash, not a shutdown. */
  kill(port: number): void;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 whose cluster bus port (+10000) is free too. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    if (port + 10_000 > 65_535) continue;
    const busFree = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port + 10_000, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (busFree) return port;
  }
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout;
}

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`cluster: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A Redis Cluster of `masters` masters with one replica each, on free 127.0.0.1 ports, each node a
 * `redis-server` child of this process (stopped by PID, never by name), its files in a temp dir.
 */
export async function startCluster(masters = 3, nodeTimeoutMs = 1500): Promise<LocalCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'mr-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < masters * 2; i++) ports.push(await freePort());
  const nodes = new Map<number, ChildProcess>();
  for (const port of ports) {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        String(nodeTimeoutMs),
        '--cluster-replica-validity-factor',
        '0',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'no',
      ],
      { stdio: 'ignore' },
    );
    nodes.set(port, child);
  }
  const cluster: LocalCluster = {
    ports,
    nodes,
    kill(port) {
      const child = nodes.get(port);
      if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    },
    async stop() {
      for (const child of nodes.values()) {
        if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          process.kill(child.pid, 'SIGKILL');
          await exited;
        }
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const port of ports)
      await until(`node ${port}`, 10_000, async () => (await cli(port, 'ping')).trim() === 'PONG');
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
    for (const port of ports)
      await until(`cluster_state:ok on ${port}`, 20_000, async () =>
        (await cli(port, 'cluster', 'info')).includes('cluster_state:ok'),
      );
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** The port of the master serving `key`'s slot now, as node `askPort` sees it. */
export async function masterOf(askPort: number, key: string): Promise<number> {
  const slot = Number((await cli(askPort, 'cluster', 'keyslot', key)).trim());
  for (const line of (await cli(askPort, 'cluster', 'nodes')).split('\n')) {
    const f = line.split(' ');
    if (!f[2]?.includes('master') || f[2].includes('fail')) continue;
    for (const range of f.slice(8)) {
      const [a, b] = range.split('-').map(Number);
      if (a !== undefined && slot >= a && slot <= (b ?? a)) return Number(f[1]!.split(':')[1]!.split('@')[0]);
    }
  }
  throw new Error(`no master for slot ${slot}`);
}

/** Wait until a master other than `deadPort` serves `key`'s slot (the replica was promoted). */
export async function waitForFailover(ports: number[], deadPort: number, key: string): Promise<number> {
  const ask = ports.find((p) => p !== deadPort)!;
  let promoted = 0;
  await until('replica promotion', 30_000, async () => {
    promoted = await masterOf(ask, key);
    return promoted !== deadPort && (await cli(ask, 'cluster', 'info')).includes('cluster_state:ok');
  });
  return promoted;
}

/**
 * Wait until a replica of the master on `port` acknowledged every write the master holds now (its
 * acknowledged offset reaches the master's): what a failover can lose is then nothing. Returns how
 * many replicas did. (`WAIT` would not do: it waits only for the writes of the connection that sends
 * it, and a fresh redis-cli connection sent none, so it answers at once — whatever the replica lags.)
 */
export async function waitReplicated(port: number): Promise<number> {
  const target = Number(/^master_repl_offset:(\d+)/m.exec(await cli(port, 'info', 'replication'))?.[1]);
  let acked = 0;
  let info = '';
  // A replica acknowledges about once a second; under the whole suite's load on 2 cores it has been
  // seen to take more than 5 s (a clean-clone CI run, 2026-12-07), so the wait is generous and a
  // timeout says what the master saw.
  await until('the replica to acknowledge the master', 20_000, async () => {
    // slave0:ip=127.0.0.1,port=…,state=online,offset=1234,lag=0
    info = await cli(port, 'info', 'replication');
    acked = [...info.matchAll(/^slave\d+:.*\boffset=(\d+)/gm)].filter((m) => Number(m[1]) >= target).length;
    return acked >= 1;
  }).catch((error: Error) => {
    const replicas = info.match(/^slave\d+:.*$/gm)?.join('; ') ?? 'no replica connected';
    throw new Error(`${error.message} (offset ${target}; ${replicas})`);
  });
  return acked;
}
