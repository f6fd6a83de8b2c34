/** Just enough of source map v3 to map a generated position back to its source file and line. */

/** Per generated line: [generatedColumn, sourceIndex, originalLine] triples, ascending by column. */
export type DecodedMap = Array<Array<[number, number, number]>>;

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Map([...BASE64].map((c, i) => [c, i]));

/** Decode the `mappings` field (base64 VLQ); names and original columns are dropped. */
export function decodeMappings(mappings: string): DecodedMap {
  const lines: DecodedMap = [];
  let source = 0;
  let sourceLine = 0;
  for (const line of mappings.split(';')) {
    const segments: Array<[number, number, number]> = [];
    let column = 0;
    for (const segment of line.split(',')) {
      if (segment === '') continue;
      const values = decodeVlq(segment);
      column += values[0] ?? 0;
      if (values.length >= 4) {
        source += values[1]!;
        sourceLine += values[2]!;
        segments.push([column, source, sourceLine]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

/** The [sourceIndex, line] (0-based) of the last mapped segment at or before (line, column), both 0-based. */
export function originalPosition(
  map: DecodedMap,
  line: number,
  column: number,
): [number, number] | undefined {
  const segments = map[line];
  if (!segments || segments.length === 0) return undefined;
  let lo = 0;
  let hi = segments.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (segments[mid]![0] <= column) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const s = segments[found]!;
  return [s[1], s[2]];
}

function decodeVlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of segment) {
    const digit = VALUE.get(c);
    if (digit === undefined) throw new Error(`bad VLQ digit ${c}`);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}
