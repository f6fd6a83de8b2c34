import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Inside the repository, so that the bundle's bare imports (zod, eventemitter3, …) resolve from node_modules. */
export const BUILD_DIR = fileURLToPath(new URL('../.build/', import.meta.url));

export type RouterModule = typeof import('../../src/index.js');

/**
 * `src/index.ts` bundled the way the package ships it (tsup = esbuild: ESM, node20, dependencies
 * and peers external, no `keepNames`), with a linked source map. tsx, which runs the benchmarks
 * from source, transforms with `keepNames` — every closure the router creates then pays an
 * `Object.defineProperty` — so the built figures are what users get.
 */
export function buildRouterBundle(): Promise<string> {
  return bundle(`${ROOT}src/index.ts`, 'index.js');
}

/**
 * A bench script (one that imports `src/`) bundled the same way, into `.build/<name>`: run it with
 * plain `node` to measure the code as shipped (the relay's servers).
 */
export function buildScriptBundle(script: string, name: string): Promise<string> {
  return bundle(fileURLToPath(new URL(`../${script}`, import.meta.url)), name);
}

/**
 * Any entry file bundled the same way into `.build/<name>` (another checkout's bench script: its
 * bundle still resolves the dependencies left outside from this repository's node_modules).
 */
export async function bundle(entry: string, name: string): Promise<string> {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  const outfile = `${BUILD_DIR}${name}`;
  const result = await build({
    write: false,
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'error',
    external: [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})],
  });
  // Written aside, then renamed: a concurrent run (npm test beside npm run bench) never imports half a file.
  mkdirSync(BUILD_DIR, { recursive: true });
  for (const file of result.outputFiles) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
  return outfile;
}

/** Build the bundle and import it. */
export async function importBuiltRouter(): Promise<RouterModule> {
  const file = await buildRouterBundle();
  return (await import(pathToFileURL(file).href)) as RouterModule;
}
