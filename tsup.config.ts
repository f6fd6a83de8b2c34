import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';
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

/**
 * zod is bundled (`noExternal`), without its translated error messages: loading the published
 * package is ~100 ES modules, and `zod/v4/core` and `zod/v4/classic` re-export every locale
 * (`z.locales`, 260 KB minified) which the router never uses. English, the only locale the router
 * speaks, is imported by zod's schemas directly and stays. The bench's `startup` figures measure it.
 */
export const zodWithoutLocales: Plugin = {
  name: 'zod-without-locales',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](core|classic)[\\/]/.test(args.importer)
        ? { path: 'zod-locales', namespace: 'zod-without-locales' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-without-locales' }, () => ({
      contents: 'export {};',
      loader: 'js',
    }));
  },
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
  // zod in the bundle: one module to load instead of zod's ~100 (see zodWithoutLocales).
  noExternal: ['zod'],
  esbuildPlugins: [zodWithoutLocales],
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
