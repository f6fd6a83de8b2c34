import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: children run from there so that `--import tsx` resolves. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Start `node [nodeArgs] --import tsx <script> [args]`, with stdout piped and stderr inherited. */
export function spawnTs(script: string, args: string[] = [], nodeArgs: string[] = []): ChildProcess {
  return spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', fileURLToPath(new URL(`../${script}`, import.meta.url)), ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
}

/** Start `node [nodeArgs] <file> [args]` (a bundled script), with stdout piped and stderr inherited. */
export function spawnNode(file: string, args: string[] = [], nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, file, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** The first stdout line of `child` parsed as JSON (the child's handshake), within `timeoutMs`. */
export function firstJsonLine<T>(child: ChildProcess, timeoutMs = 20_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(
      () => done(new Error(`child ${child.pid} said nothing within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      try {
        done(undefined, JSON.parse(buffered.slice(0, nl)) as T);
      } catch (error) {
        done(error as Error);
      }
    };
    const onExit = (code: number | null) =>
      done(new Error(`child ${child.pid} exited (${code}) before its handshake`));
    const done = (error: Error | undefined, value?: T) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value as T);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** All of a child's stdout, once it exits with code 0. */
export function stdoutOf(child: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve(out) : reject(new Error(`child ${child.pid} exited with ${code ?? signal}`)),
    );
  });
}

/** Stop a child we started, by its own PID: SIGTERM, then SIGKILL if it has not exited in `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null)
      process.kill(child.pid, 'SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}
