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
});
