/**
 * Removing a secret from text an upstream sent back. Upstreams echo keys in many shapes: whole,
 * truncated, masked, lower-cased, JSON-`\u`-escaped, percent-encoded, in a header. Anything that
 * contains a run of `FRAGMENT` or more consecutive characters of the secret — compared without
 * case, after decoding `\uXXXX` (any number of backslashes), `\/` and `%XX` — is replaced with
 * `[redacted]`, escapes included.
 */

/** Shortest run of a secret's characters that counts as recognisable. */
export const FRAGMENT = 8;
/** Secrets shorter than this are not scrubbed at all: they would match ordinary words. */
const MIN_SECRET = 4;
const REDACTED = '[redacted]';

export type Scrub = (text: string) => string;

const identity: Scrub = (text) => text;

/** Build the scrubber of one secret (its fragments are computed once). */
export function secretScrubber(secret: string): Scrub {
  if (secret.length < MIN_SECRET) return identity;
  const lower = foldCase(secret);
  const width = Math.min(FRAGMENT, lower.length);
  const grams = new Set<string>();
  for (let i = 0; i + width <= lower.length; i++) grams.add(lower.slice(i, i + width));
  const list = [...grams];
  return (text) => (text.length < width ? text : scrub(text, list, width));
}

/** Lower-case each UTF-16 unit on its own, so that positions never shift. */
function foldCase(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const low = text[i]!.toLowerCase();
    out += low.length === 1 ? low : text[i];
  }
  return out;
}

/** Text decoded unit by unit: each unit is one character and the source span it came from. */
interface Decoded {
  text: string;
  /** Source offsets of each unit (absent when the source had no escapes: unit i is character i). */
  starts?: Int32Array;
  ends?: Int32Array;
}

/** `\uXXXX` behind any number of backslashes (JSON in JSON), `\/`, and `%XX`. */
const ESCAPE = /\\+u([0-9a-fA-F]{4})|\\+\/|%([0-9a-fA-F]{2})/g;

function decode(text: string): Decoded {
  if (!text.includes('\\') && !text.includes('%')) return { text: foldCase(text) };
  const parts: string[] = [];
  const starts = new Int32Array(text.length);
  const ends = new Int32Array(text.length);
  let unit = 0;
  let last = 0;
  const plain = (until: number) => {
    for (let k = last; k < until; k++, unit++) {
      starts[unit] = k;
      ends[unit] = k + 1;
    }
    parts.push(text.slice(last, until));
  };
  for (const m of text.matchAll(ESCAPE)) {
    plain(m.index);
    const hex = m[1] ?? m[2];
    parts.push(hex ? String.fromCharCode(Number.parseInt(hex, 16)) : '/');
    starts[unit] = m.index;
    ends[unit] = m.index + m[0].length;
    unit++;
    last = m.index + m[0].length;
  }
  plain(text.length);
  return { text: foldCase(parts.join('')), starts, ends };
}

function scrub(text: string, grams: readonly string[], width: number): string {
  const decoded = decode(text);
  // Every occurrence of every fragment (native indexOf: fast on long bodies), as unit ranges.
  const hits: Array<[number, number]> = [];
  for (const gram of grams) {
    for (let at = decoded.text.indexOf(gram); at !== -1; at = decoded.text.indexOf(gram, at + 1)) {
      hits.push([at, at + width]);
    }
  }
  if (hits.length === 0) return text;
  hits.sort((x, y) => x[0] - y[0]);
  const from = (unit: number) => (decoded.starts ? decoded.starts[unit]! : unit);
  const to = (unit: number) => (decoded.ends ? decoded.ends[unit - 1]! : unit); // unit is exclusive
  let out = '';
  let copied = 0;
  let [runStart, runEnd] = hits[0]!;
  const flush = () => {
    out += text.slice(copied, from(runStart)) + REDACTED;
    copied = to(runEnd);
  };
  for (const [start, end] of hits) {
    if (start <= runEnd) runEnd = Math.max(runEnd, end);
    else {
      flush();
      runStart = start;
      runEnd = end;
    }
  }
  flush();
  return out + text.slice(copied);
}

/**
 * A copy of `value` with every string (and object key) scrubbed: for error bodies and headers.
 * Iterative and bounded: past `maxNodes` values, or below `maxDepth`, strings are dropped rather
 * than risked.
 */
export function scrubDeep(value: unknown, scrubText: Scrub, maxNodes = 100_000, maxDepth = 64): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (typeof value !== 'object' || value === null) return value;
  let nodes = 0;
  const copy = (v: unknown, depth: number): unknown => {
    if (++nodes > maxNodes || depth > maxDepth) return undefined;
    if (typeof v === 'string') return scrubText(v);
    if (typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) return v.map((item) => copy(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) {
      Object.defineProperty(out, scrubText(k), {
        value: copy(item, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
  return copy(value, 1);
}
