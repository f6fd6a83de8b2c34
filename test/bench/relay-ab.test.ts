import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `bench/relay-ab.ts` is a tool, not a benchmark of the suite: run once at its tiny size so that it
 * cannot rot — it checks out HEAD in a worktree, builds both relay servers, prints both ways' CPU and
 * the three ratios, and removes the worktree again. Nothing here asserts a timing.
 */
describe('bench/relay-ab.ts (quick)', () => {
  it('compares the working tree with HEAD and cleans up its worktree', () => {
    const before = worktrees();
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/relay-ab.ts', '--quick', '--base', 'HEAD', '--ways', 'relay,proxy'],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/^base HEAD, plain requests, /m);
    for (const way of ['relay', 'proxy'])
      for (const side of ['base', 'new', 'control'])
        expect(out).toMatch(new RegExp(`^${way} ${side} +\\d+\\.\\d µs per request$`, 'm'));
    for (const ratio of [
      'relay new ÷ base',
      'relay new ÷ control',
      'relay control ÷ base',
      'proxy new ÷ base',
    ])
      expect(out).toMatch(new RegExp(`^${ratio} +\\d+\\.\\d{3}  \\(rounds: \\d+\\.\\d{3}\\)$`, 'm'));
    expect(worktrees()).toEqual(before);
  }, 150_000);
});

function worktrees(): string {
  return spawnSync('git', ['worktree', 'list', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).stdout;
}
