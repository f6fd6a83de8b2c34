import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));

/** The fields of package.json that npm mirrors into the lockfile's root entry (`packages[""]`). */
const MIRRORED = [
  'name',
  'version',
  'license',
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'engines',
] as const;

// The README's first command is `npm install`: on a fresh clone it must leave `git status` clean,
// which means npm finds nothing to rewrite in package-lock.json.
describe('package-lock.json', () => {
  it('mirrors package.json in its root entry, and lists every direct dependency', () => {
    const pkg = read(root, 'package.json');
    const lock = read(root, 'package-lock.json');
    const entry = lock.packages[''];
    for (const field of MIRRORED) expect(entry[field], field).toEqual(pkg[field]);
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }))
      expect(lock.packages[`node_modules/${name}`], name).toBeDefined();
  });

  it('is left unchanged by npm install (lockfile only, in a copy)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'model-router-lock-'));
    try {
      for (const file of ['package.json', 'package-lock.json'])
        copyFileSync(join(root, file), join(dir, file));
      // --package-lock-only: npm resolves the tree exactly as `npm install` does and rewrites the
      // lockfile if it disagrees, without downloading or installing anything (a few seconds, from cache).
      await run(
        'npm',
        ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
        { cwd: dir, timeout: 120_000 },
      );
      expect(readFileSync(join(dir, 'package-lock.json'), 'utf8')).toBe(
        readFileSync(join(root, 'package-lock.json'), 'utf8'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
