import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main as adminApi } from '../../examples/admin-api/main.js';
import { main as aiSdkStream } from '../../examples/ai-sdk-stream/main.js';
import { main as relayHono } from '../../examples/relay-hono/main.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** What `npm run example:<name>` runs: the file through tsx, with the package resolved by tsconfig paths. */
async function runExample(file: string): Promise<string> {
  const { stdout } = await run(`${root}node_modules/.bin/tsx`, [file], { cwd: root, timeout: 55_000 });
  return stdout;
}

describe('examples/relay-hono', () => {
  it('serves one OpenAI-client request through Hono, failing over, then stops', async () => {
    const lines: string[] = [];
    const out = await relayHono((l) => lines.push(l));
    expect(out).toEqual({ answer: 'Hi from steady-ai.', servedBy: 'steady-ai/sa-large' });
    expect(lines.at(-1)).toBe('stopped');
  });

  it('runs as a script', async () => {
    expect(await runExample('examples/relay-hono/main.ts')).toContain('answer: "Hi from steady-ai."');
  });
});

describe('examples/admin-api', () => {
  it('walks the admin REST API with the expected statuses', async () => {
    const lines: string[] = [];
    const out = await adminApi((l) => lines.push(l));
    expect(out.statuses).toEqual([200, 403, 201, 400, 200, 200, 204]);
    expect(lines.join('\n')).not.toContain('demo-secret-0123456789');
    expect(lines).toContain('  key oa-1 shows as dem…6789');
  });

  it('runs as a script', async () => {
    expect(await runExample('examples/admin-api/main.ts')).toContain('DELETE /model-groups/fast → 204');
  });
});

describe('examples/ai-sdk-stream', () => {
  it('streams through the AI SDK bridge after an invisible failover', async () => {
    let written = '';
    const out = await aiSdkStream((t) => {
      written += t;
    });
    expect(out.text).toBe('Routers route; streams stream; failover stays out of sight.');
    expect(out.servedBy).toMatchObject({ providerId: 'fallback', groupName: 'writer' });
    expect(written).toContain('[failover after overloaded 529]');
  });

  it('runs as a script', async () => {
    expect(await runExample('examples/ai-sdk-stream/main.ts')).toContain('failover stays out of sight.');
  });
});
