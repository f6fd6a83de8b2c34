import { defineConfig } from 'tsup';

/** Every subpath export in package.json has one entry here (checked by test/package/exports.test.ts). */
export const entries = {
  index: 'src/index.ts',
  'testing/index': 'src/testing/index.ts',
};

export default defineConfig({
  entry: entries,
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
  treeshake: true,
});
