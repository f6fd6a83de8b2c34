import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeBlocks, strayMarkers } from './blocks.js';
import { FAKE_TEXT } from './fake-upstreams.js';

// Every ```ts block of the README type-checks as a user's file would — importing `model-router` by
// name, which resolves through the package's `exports` to the built `dist` (the files a tarball
// ships), under `moduleResolution` node16 and bundler — and every block not marked
// `<!-- readme-test: typecheck-only — reason -->` also runs, on the embedded defaults, with the
// names it takes from the reader's application (`router`, `catalog`, …) defined by `context.ts`.

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('./', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = readmeBlocks(readme);
// Inside the package, so that `model-router` resolves to the package itself (self-reference).
const dir = join(root, '.tmp', `readme-${process.pid}`);
const fileOf = (line: number) => join(dir, `block-${line}.ts`);

const COMPILER: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: ['node'],
};

beforeAll(async () => {
  // `npm test` builds first; a bare `vitest run` builds here so the blocks never meet a missing dist.
  if (!existsSync(join(root, 'dist/index.d.ts'))) await run('npx', ['tsup'], { cwd: root, timeout: 120_000 });
  mkdirSync(dir, { recursive: true });
  // `export {}`: each block is a module of its own (top-level await; no names shared between blocks).
  for (const b of blocks) writeFileSync(fileOf(b.line), `${b.code}\nexport {};\n`);
  // No `paths` here: tsx, which runs the blocks, reads this file and resolves `model-router` as Node does.
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext' } }));
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function typecheck(options: ts.CompilerOptions): string[] {
  const files = [
    ...blocks.map((b) => fileOf(b.line)),
    join(here, 'context.d.ts'),
    join(here, 'third-party.d.ts'),
  ];
  const program = ts.createProgram(files, { ...COMPILER, ...options });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const block = blocks.find((b) => d.file && fileOf(b.line) === d.file.fileName);
    if (!block || !d.file || d.start === undefined) return `${d.file?.fileName ?? ''}: ${text}`;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `README.md:${block.line + line}: ${text}`;
  });
}

describe('README code blocks', () => {
  it('are found, and every typecheck-only marker stands before a block, with its reason', () => {
    expect(blocks.length).toBeGreaterThan(10);
    expect(strayMarkers(readme)).toEqual([]);
    // The quick start is the block a reader runs first: it must never be typecheck-only.
    expect(blocks[0]!.typecheckOnly).toBeUndefined();
  });

  it('type-check under moduleResolution node16', () => {
    expect(
      typecheck({ module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 }),
    ).toEqual([]);
  }, 120_000);

  it('type-check under moduleResolution bundler', () => {
    expect(
      typecheck({ module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }),
    ).toEqual([]);
  }, 120_000);

  for (const block of blocks.filter((b) => !b.typecheckOnly)) {
    it(`README.md:${block.line} runs on the embedded defaults`, async () => {
      const context = pathToFileURL(join(here, 'context.ts')).href;
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', '--import', context, fileOf(block.line)],
        {
          cwd: dir,
          timeout: 50_000,
          env: { ...process.env, TSX_TSCONFIG_PATH: join(dir, 'tsconfig.json') },
        },
      );
      // A block that prints prints what the fake upstream answered: it really went through the router.
      if (/process\.stdout\.write|console\.log/.test(block.code) && /stream|complete/.test(block.code))
        expect(stdout).toContain(FAKE_TEXT);
    });
  }
});
