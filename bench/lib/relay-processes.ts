import type { ChildProcess } from 'node:child_process';
import { buildScriptBundle } from './build.js';
import { firstJsonLine, spawnNode, spawnTs, stopChild } from './child.js';

/** The relay benches' two child processes: the mock upstream and the bundled `relay-servers.ts`. */
export interface RelayProcesses<Ports> {
  /** The mock OpenAI server's port (`direct`). */
  upstreamPort: number;
  /** What `relay-servers.ts` printed: its servers' ports by name. */
  ports: Ports;
  /** Stop both processes. */
  stop(): Promise<void>;
}

/**
 * Start the mock upstream (through tsx) and the relay servers bundled as the package ships (no tsx),
 * the servers pointed at the mock; whatever started is stopped again when the start fails.
 */
export async function startRelayProcesses<Ports>(): Promise<RelayProcesses<Ports>> {
  const upstream = spawnTs('mock-openai-server.ts');
  let servers: ChildProcess | undefined;
  const stop = async () => {
    if (servers) await stopChild(servers);
    await stopChild(upstream);
  };
  try {
    const [{ port }, bundle] = await Promise.all([
      firstJsonLine<{ port: number }>(upstream),
      buildScriptBundle('relay-servers.ts', 'relay-servers.js'),
    ]);
    servers = spawnNode(bundle, [String(port)]);
    const ports = await firstJsonLine<Ports>(servers);
    return { upstreamPort: port, ports, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
