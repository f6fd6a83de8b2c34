import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { entries } from '../../tsup.config.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  exports: Record<string, unknown>;
  sideEffects: boolean;
  typesVersions: Record<string, Record<string, string[]>>;
};

/** What each public entry must export at runtime (a few names each: that the bundle is the right one). */
const EXPECTED: Record<string, string[]> = {
  'model-router': [
    'ModelRouter',
    'RouterError',
    'ProviderError',
    'memoryStorage',
    'memoryQuota',
    'openaiCompatible',
    'anthropic',
    'quotaAware',
  ],
  'model-router/postgres': ['postgresStorage', 'migrate'],
  'model-router/redis': ['redisQuota'],
  'model-router/http': ['createRelayHandler', 'createAdminHandler', 'toNodeListener'],
  'model-router/ai-sdk': ['createRouterProvider', 'aiSdkAdapter'],
  'model-router/testing': ['mockProvider', 'storageContract', 'quotaContract', 'manualClock'],
};

const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json');

beforeAll(async () => {
  // `npm test` builds first; a bare `vitest run` builds here so the test never reads a stale or missing dist.
  if (!existsSync(`${root}dist/index.js`)) await run('npx', ['tsup'], { cwd: root, timeout: 120_000 });
}, 180_000);

describe('the package', () => {
  it('has one build entry per subpath export, types first in every condition', () => {
    const fromExports = subpaths.map((p) => (p === '.' ? 'index' : `${p.slice(2)}/index`)).sort();
    expect(fromExports).toEqual(Object.keys(entries).sort());
    for (const p of subpaths) {
      const conditions = pkg.exports[p] as Record<string, Record<string, string>>;
      for (const kind of ['import', 'require'] as const)
        expect(Object.keys(conditions[kind]!)[0]).toBe('types');
    }
    expect(pkg.sideEffects).toBe(false);
    expect(Object.keys(EXPECTED).sort()).toEqual(
      subpaths.map((p) => (p === '.' ? 'model-router' : `model-router/${p.slice(2)}`)).sort(),
    );
  });

  for (const [specifier, names] of Object.entries(EXPECTED)) {
    it(`${specifier} imports from ESM and requires from CJS`, async () => {
      const list = JSON.stringify(names);
      const esm = `const m = await import('${specifier}'); const miss = ${list}.filter((n) => !(n in m)); if (miss.length) { console.error('missing', miss); process.exit(1); }`;
      const cjs = `const m = require('${specifier}'); const miss = ${list}.filter((n) => !(n in m)); if (miss.length) { console.error('missing', miss); process.exit(1); }`;
      // Run from the package root: Node resolves the package's own name to itself through `exports`.
      await run(process.execPath, ['--input-type=module', '-e', esm], { cwd: root });
      // CJS without require(esm) — Node 20.0–20.18 has none: the CJS build must need no ESM-only package.
      await run(process.execPath, ['--no-experimental-require-module', '-e', cjs], { cwd: root });
    });
  }

  it('every subpath resolves under moduleResolution node (typesVersions), to its own types', () => {
    const map = pkg.typesVersions['*']!;
    const expected = Object.fromEntries(
      subpaths.filter((p) => p !== '.').map((p) => [p.slice(2), [`./dist/${p.slice(2)}/index.d.ts`]]),
    );
    expect(map).toEqual(expected);
    for (const [p, [file]] of Object.entries(map)) {
      const conditions = pkg.exports[`./${p}`] as Record<string, Record<string, string>>;
      expect(conditions.import!.types).toBe(file);
    }
  });

  it('the shipped types never point at files or documents that do not ship', () => {
    const dts = readdirSync(`${root}dist`, { recursive: true, encoding: 'utf8' }).filter((f) =>
      /\.d\.c?ts$/.test(f),
    );
    expect(dts.length).toBeGreaterThan(6);
    for (const file of dts) {
      const text = readFileSync(`${root}dist/${file}`, 'utf8');
      expect(text, file).not.toMatch(/DESIGN|`[\w./-]+\.ts`|\bsrc\//);
    }
  });

  it('the core bundle (with the shared chunks it loads) does not import postgres, ioredis or the AI SDK', () => {
    for (const entry of ['dist/index.js', 'dist/index.cjs']) {
      const files = reachable(entry);
      expect(files.length).toBeGreaterThan(1); // the entry and its shared chunks
      for (const file of files) {
        const code = readFileSync(`${root}${file}`, 'utf8');
        expect(code).not.toMatch(
          /from ["'](postgres|ioredis|@ai-sdk\/provider|ai)["']|require\(["'](postgres|ioredis|@ai-sdk\/provider|ai)["']\)/,
        );
      }
    }
  });

  it('the core loads zod from its own bundle, without the locales it never uses (startup cost)', async () => {
    for (const entry of ['dist/index.js', 'dist/index.cjs']) {
      const code = reachable(entry)
        .map((file) => readFileSync(`${root}${file}`, 'utf8'))
        .join('\n');
      expect(code, entry).not.toMatch(/from ["']zod(\/[^"']*)?["']|require\(["']zod(\/[^"']*)?["']\)/);
      expect(code, entry).toContain('expected'); // zod's English messages are there…
      expect(code, entry).not.toContain('Ungültige Eingabe'); // …its German ones (and the other 60) are not
    }
    // The English messages are what a VALIDATION error says, from the built package.
    const script = `const { ModelRouter } = require('model-router');
      try { new ModelRouter({ adapters: {}, maxAttempts: 'five' }); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: root });
    const error = JSON.parse(stdout) as { code: string; message: string };
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toMatch(/^Invalid options\.maxAttempts: .*expected number/);
  });
});

/** `file` and every dist file it imports or requires by a relative path, transitively. */
function reachable(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [...seen];
  seen.add(file);
  const code = readFileSync(`${root}${file}`, 'utf8');
  for (const m of code.matchAll(/(?:from |import\(|require\()["'](\.{1,2}\/[^"']+)["']/g))
    reachable(posix.join(posix.dirname(file), m[1]!), seen);
  return [...seen];
}
