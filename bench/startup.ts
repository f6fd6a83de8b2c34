import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { zodWithoutLocales } from '../tsup.config.js';
import { ROOT } from './lib/child.js';
import { type BenchOptions, type Result, figure } from './lib/result.js';

const BENCH = 'startup';
const exec = promisify(execFile);

/**
 * What a process pays before its first request, in a fresh `node` each sample: `import('model-router')`
 * (the built package, `dist/`, as a user's import resolves it), then `new ModelRouter(...)` with a
 * one-provider catalog (options and catalog validated), then `ready()` — side by side, ESM and CJS.
 * Plus the size of the core with its dependencies, minified (optional peers stay external), built as
 * tsup builds the package (zod without its locales), and how much of it is zod.
 */
export async function run({ quick }: BenchOptions): Promise<Result[]> {
  if (!existsSync(`${ROOT}dist/index.js`)) await exec('npx', ['tsup'], { cwd: ROOT, timeout: 180_000 });
  const samples = quick ? 2 : 15;
  const esm: Timing[] = [];
  const cjs: Timing[] = [];
  for (let i = 0; i < samples; i++) {
    esm.push(await timeChild('esm'));
    cjs.push(await timeChild('cjs'));
  }
  const note = `a fresh node process per sample (${samples}), dist/ as shipped`;
  const size = await coreBundleSize();
  return [
    figure(
      BENCH,
      "import('model-router') [esm]",
      'ms',
      esm.map((t) => t.importMs),
      { note },
    ),
    figure(
      BENCH,
      'new ModelRouter() [esm]',
      'ms',
      esm.map((t) => t.constructMs),
      {
        note: 'options and a one-provider catalog validated',
      },
    ),
    figure(
      BENCH,
      'ready() [esm]',
      'ms',
      esm.map((t) => t.readyMs),
    ),
    figure(BENCH, 'import + new + ready() [esm]', 'ms', esm.map(total), { note }),
    figure(
      BENCH,
      "require('model-router') [cjs]",
      'ms',
      cjs.map((t) => t.importMs),
      { note },
    ),
    figure(BENCH, 'import + new + ready() [cjs]', 'ms', cjs.map(total), { note }),
    figure(BENCH, 'core bundle, minified, dependencies included', 'KiB', [size.totalBytes / 1024], {
      note: 'esbuild --bundle --minify of src/index.ts; optional peers external',
    }),
    figure(BENCH, 'of which zod', 'KiB', [size.zodBytes / 1024]),
  ];
}

interface Timing {
  importMs: number;
  constructMs: number;
  readyMs: number;
}

const total = (t: Timing) => t.importMs + t.constructMs + t.readyMs;

/** The child's script: times measured inside it, so node's own start-up is left out. */
function childScript(kind: 'esm' | 'cjs'): string {
  const load =
    kind === 'esm' ? "const m = await import('model-router');" : "const m = require('model-router');";
  const body = `
    const t0 = performance.now();
    ${load}
    const t1 = performance.now();
    const router = new m.ModelRouter({
      catalog: {
        providers: [{ id: 'p', adapter: 'openai', keys: [{ id: 'k', secret: 'not-a-key', rpm: 60 }] }],
        models: [{ providerId: 'p', modelId: 'm', contextWindow: 8000 }],
        groups: [{ name: 'g', members: [{ providerId: 'p', modelId: 'm' }] }],
      },
      adapters: { openai: m.openaiCompatible({ baseURL: 'http://127.0.0.1:9/v1' }) },
    });
    const t2 = performance.now();
    await router.ready();
    const t3 = performance.now();
    await router.close();
    console.log(JSON.stringify({ importMs: t1 - t0, constructMs: t2 - t1, readyMs: t3 - t2 }));`;
  return kind === 'esm'
    ? body
    : `(async () => {${body}})().catch((e) => { console.error(e); process.exit(1); });`;
}

async function timeChild(kind: 'esm' | 'cjs'): Promise<Timing> {
  // From the package root, Node resolves the package's own name through its `exports`.
  const args = kind === 'esm' ? ['--input-type=module', '-e'] : ['-e'];
  const { stdout } = await exec(process.execPath, [...args, childScript(kind)], {
    cwd: ROOT,
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Timing;
}

async function coreBundleSize(): Promise<{ totalBytes: number; zodBytes: number }> {
  const result = await build({
    entryPoints: [`${ROOT}src/index.ts`],
    bundle: true,
    minify: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    plugins: [zodWithoutLocales],
    // Optional peers, loaded lazily by the features that need them: not part of the core.
    external: ['@opentelemetry/*', '@smithy/*', 'postgres', 'ioredis', '@ai-sdk/*', 'ai', 'prom-client'],
  });
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint)!;
  let zodBytes = 0;
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
    if (input.includes('node_modules/zod/')) zodBytes += bytesInOutput;
  return { totalBytes: output.bytes, zodBytes };
}
