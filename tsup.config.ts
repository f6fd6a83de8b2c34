import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';

/** Every subpath export in package.json has one entry here (checked by test/package/exports.test.ts). */
export const entries = {
  index: 'src/index.ts',
  'postgres/index': 'src/postgres/index.ts',
  'redis/index': 'src/redis/index.ts',
  'http/index': 'src/http/index.ts',
  'ai-sdk/index': 'src/ai-sdk/index.ts',
  'testing/index': 'src/testing/index.ts',
};

export default defineConfig({
  entry: entries,
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // Shared chunks: every entry (postgres, redis, testing import core modules directly) uses one copy of
  // the core, so `instanceof RouterError` holds for an error from any subpath, in ESM and in CJS.
  splitting: true,
  treeshake: true,
  // import.meta.url (used to find migrations/) gets a CJS shim.
  shims: true,
  // Peers stay imports: the core never bundles postgres, ioredis or the AI SDK; http and ai-sdk
  // import the core by the package's own name, so they share one copy of it.
  external: [
    'postgres',
    'ioredis',
    '@ai-sdk/provider',
    'ai',
    'model-router',
    /^model-router\//,
    // bedrock() loads these lazily (optional peers).
    /^@smithy\//,
  ],
  // The dashboard's chart library ships in the package (no CDN): dist/dashboard/uPlot.*.
  async onSuccess() {
    const dir = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));
    await mkdir('dist/dashboard', { recursive: true });
    for (const f of ['uPlot.iife.min.js', 'uPlot.min.css', '../LICENSE']) {
      await copyFile(join(dir, f), join('dist/dashboard', f === '../LICENSE' ? 'uPlot.LICENSE' : f));
    }
  },
});
