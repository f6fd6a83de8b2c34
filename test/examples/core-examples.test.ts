import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/** What `npm run example` / `npm run example:custom-storage` run: the file through tsx. */
async function example(file: string): Promise<string> {
  const { stdout } = await run(`${root}node_modules/.bin/tsx`, [file], { cwd: root, timeout: 55_000 });
  return stdout;
}

describe('examples run without keys or network', () => {
  it('npm run example: a group fails over from an exhausted provider to another', async () => {
    const out = await example('examples/failover.ts');
    expect(out).toContain('failover (next_key) after rate_limited 429');
    expect(out).toContain('cooldown fast-cloud/fc-key-1');
    expect(out).toMatch(/request 6:[\s\S]*⇒ steady-ai\/sa-large/);
    expect(out).toContain('fast-cloud/fc-small  headroom=0%');
    expect(out).toContain('in flight: 0, queued: 0, leases outstanding: 0');
    expect(out).not.toContain('demo-secret');
  });

  it('npm run example:custom-storage: a JSON-file catalog written by one router serves another', async () => {
    const out = await example('examples/custom-storage/main.ts');
    expect(out).toContain('chat → local/tiny: "hello from a JSON-file catalog"');
  });
});
