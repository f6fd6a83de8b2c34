import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { type DecodedMap, decodeMappings, originalPosition } from './source-map.js';

/** A V8 profile's call frame (CPU and sampling heap profiles share it). */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

type Mapper = (line: number, column: number) => { file: string; line: number } | undefined;
const mappers = new Map<string, Mapper | undefined>();

/**
 * `file:line` of a frame in the original sources. For a bundle (bench/.build) through its linked
 * source map; for a source file that tsx ran, by redoing tsx's transform (the same esbuild, with its
 * `minifyWhitespace` and `keepNames`) with a source map. Unmappable positions are shown as they are.
 */
export function frameLocation(frame: CallFrame): string {
  if (!frame.url) return '(native)';
  if (!frame.url.startsWith('file:')) return `${frame.url}:${frame.lineNumber + 1}`;
  const mapped = mapperFor(frame.url)?.(frame.lineNumber, frame.columnNumber);
  if (mapped) return `${shorten(mapped.file)}:${mapped.line + 1}`;
  return `${shorten(fileURLToPath(frame.url))}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`;
}

const shorten = (p: string) => relative(process.cwd(), p).replace(/^(\.\.\/)*.*node_modules\//, '');

function mapperFor(url: string): Mapper | undefined {
  if (!mappers.has(url)) {
    let mapper: Mapper | undefined;
    try {
      mapper = makeMapper(fileURLToPath(url));
    } catch {
      mapper = undefined;
    }
    mappers.set(url, mapper);
  }
  return mappers.get(url);
}

function makeMapper(path: string): Mapper | undefined {
  let map: { mappings: string; sources: string[] };
  let base: string;
  if (/\.[mc]?ts$/.test(path)) {
    const out = transformSync(readFileSync(path, 'utf8'), {
      loader: 'ts',
      format: 'esm',
      target: `node${process.versions.node}`,
      sourcemap: 'external',
      sourcefile: path,
      minifyWhitespace: true,
      keepNames: true,
    });
    map = JSON.parse(out.map);
    map.sources = [path];
    base = '/';
  } else if (existsSync(`${path}.map`)) {
    map = JSON.parse(readFileSync(`${path}.map`, 'utf8'));
    base = dirname(path);
  } else return undefined;
  const decoded: DecodedMap = decodeMappings(map.mappings);
  return (line, column) => {
    const pos = originalPosition(decoded, line, column);
    if (!pos) return undefined;
    const source = map.sources[pos[0]];
    return source === undefined ? undefined : { file: resolve(base, source), line: pos[1] };
  };
}
