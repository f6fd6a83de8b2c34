import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

beforeAll(async () => {
  if (!existsSync(`${root}dist/index.js`)) await run('npx', ['tsup'], { cwd: root, timeout: 120_000 });
}, 180_000);

/**
 * One error from each subpath that reaches into the core directly (not through the package name):
 * each must be an instance of the `RouterError` the main entry exports — one copy of the core.
 * `m` is the subpath module, `core` the main entry; each snippet throws or rejects. (`http` and
 * `ai-sdk` import the core by the package's name, so they share it by construction.)
 */
const CASES: Record<string, string> = {
  'model-router/postgres': 'm.postgresStorage({})',
  'model-router/redis': 'm.redisQuota({})',
  'model-router/testing': `m.mockProvider({ script: [{ error: { status: 404 } }] }).complete({
    provider: { id: 'p' }, model: { modelId: 'x' }, key: { id: 'k' }, apiKey: 'none',
    request: { messages: [] }, signal: new AbortController().signal })`,
};

const body = (specifier: string, load: (s: string) => string) => `
(async () => {
  const core = ${load('model-router')};
  const m = ${load(specifier)};
  const util = ${load('node:util')};
  let error;
  try { await (async () => ${CASES[specifier]})(); } catch (e) { error = e; }
  if (!error) throw new Error('expected an error');
  const out = { instanceOf: error instanceof core.RouterError, code: error.code,
    provider: error instanceof core.ProviderError, name: error.name,
    stack: String(error.stack).split('\\n')[0].split(':')[0],
    inspect: util.inspect(error).split(':')[0] };
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

type Out = { instanceOf: boolean; code: string; stack: string; inspect: string };

async function node(args: string[]): Promise<Out> {
  // Run from the package root: Node resolves the package's own name to the built dist through `exports`.
  const { stdout } = await run(process.execPath, args, { cwd: root });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

describe('every subpath shares one copy of the core', () => {
  for (const specifier of Object.keys(CASES)) {
    it(`${specifier}: its error is instanceof RouterError in ESM`, async () => {
      const out = await node(['--input-type=module', '-e', body(specifier, (s) => `await import('${s}')`)]);
      expect(out.instanceOf).toBe(true);
      expect(out.code).toMatch(/^[A-Z_]+$/);
      expect(out.stack).toMatch(/^(RouterError|ProviderError)$/);
      expect(out.inspect).toBe(out.stack); // the class's own name, not a bundler's `_RouterError`
    });

    it(`${specifier}: its error is instanceof RouterError in CJS, without require(esm)`, async () => {
      const out = await node([
        '--no-experimental-require-module',
        '-e',
        body(specifier, (s) => `require('${s}')`),
      ]);
      expect(out.instanceOf).toBe(true);
      expect(out.stack).toMatch(/^(RouterError|ProviderError)$/);
      expect(out.inspect).toBe(out.stack); // the class's own name, not a bundler's `_RouterError`
    });
  }
});
