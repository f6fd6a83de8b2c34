import { isObject } from '../shared/json.js';

/**
 * Gemini 3's streamed function-call arguments (Vertex AI, `toolConfig.functionCallingConfig.
 * streamFunctionCallArguments: true`): one call spread over several `functionCall` parts — the
 * first with its `name` and `willContinue: true`, the next ones with `partialArgs`
 * (`{ jsonPath: '$.city', stringValue: 'Par', willContinue: true }`: a value at an RFC 9535 path,
 * a string continued by the next partial of the same path while `willContinue` holds), the last
 * without `willContinue`. This builds the arguments object from them.
 *
 * Bounded whatever the upstream sends: paths of at most `MAX_DEPTH` segments, array indexes at most
 * one past the end (an index of 2³² must not make a sparse array), keys on null-prototype objects
 * (`__proto__` is an ordinary key), and at most `maxChars` characters of keys and values.
 */
export class PartialCall {
  private readonly root: Record<string, unknown> = Object.create(null);
  /** Paths whose string value the next partial continues. */
  private readonly continuing = new Set<string>();
  private chars = 0;

  constructor(
    readonly name: string,
    private readonly maxChars: number,
  ) {}

  /** Whole `args` sent beside partials: their top-level fields are set as given. */
  assign(args: unknown): void {
    if (!isObject(args)) return;
    for (const [key, value] of Object.entries(args)) {
      this.count(key.length + JSON.stringify(value ?? null).length);
      this.root[key] = value;
    }
  }

  /** Apply one `PartialArg`; returns an error message when it cannot be applied. */
  apply(partial: unknown): string | undefined {
    if (!isObject(partial) || typeof partial.jsonPath !== 'string') return 'a partialArg has no jsonPath';
    const path = parsePath(partial.jsonPath);
    if (path === undefined) return `unsupported jsonPath ${JSON.stringify(partial.jsonPath.slice(0, 80))}`;
    const { value, present } = deltaValue(partial);
    if (!present) return `a partialArg at ${partial.jsonPath.slice(0, 80)} carries no value`;
    const key = partial.jsonPath;
    const err = this.count(key.length + (typeof value === 'string' ? value.length : 8));
    if (err) return err;
    const placed = this.place(path, value, this.continuing.has(key));
    if (placed) return placed;
    if (partial.willContinue === true && typeof value === 'string') this.continuing.add(key);
    else this.continuing.delete(key);
    return undefined;
  }

  /** The arguments as JSON text. */
  json(): string {
    return JSON.stringify(this.root);
  }

  private count(n: number): string | undefined {
    this.chars += n;
    return this.chars > this.maxChars
      ? `streamed arguments of ${this.name} exceed ${this.maxChars} characters`
      : undefined;
  }

  private place(path: Segment[], value: unknown, append: boolean): string | undefined {
    if (path.length === 0) return 'a partialArg replaces the whole arguments object';
    let node: Record<string, unknown> | unknown[] = this.root;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      const nextIsIndex = !last && typeof path[i + 1] === 'number';
      if (typeof seg === 'number') {
        if (!Array.isArray(node)) return 'an index into something that is not an array';
        if (seg > node.length) return `array index ${seg} past the end (${node.length})`;
      } else if (Array.isArray(node)) return 'a name into an array';
      const container = node as Record<string | number, unknown>;
      if (last) {
        const prev = container[seg];
        container[seg] =
          append && typeof prev === 'string' && typeof value === 'string' ? prev + value : value;
        return undefined;
      }
      let child = container[seg];
      if (child === undefined || child === null || typeof child !== 'object') {
        child = nextIsIndex ? [] : Object.create(null);
        container[seg] = child;
      }
      node = child as Record<string, unknown> | unknown[];
    }
    return undefined;
  }
}

type Segment = string | number;

/** Paths deeper than this are refused (a hostile path must not build a deep object). */
const MAX_DEPTH = 32;
/** Array indexes above this are refused outright. */
const MAX_INDEX = 100_000;

/** `$`, `.name`, `['name']` / `["name"]`, `[0]` — the normalized paths RFC 9535 names. */
export function parsePath(text: string): Segment[] | undefined {
  if (!text.startsWith('$')) return undefined;
  const out: Segment[] = [];
  let i = 1;
  while (i < text.length) {
    if (out.length >= MAX_DEPTH) return undefined;
    const c = text[i];
    if (c === '.') {
      const m = /^[A-Za-z_\u0080-\uffff][\w\u0080-\uffff-]*/.exec(text.slice(i + 1));
      if (!m) return undefined;
      out.push(m[0]);
      i += 1 + m[0].length;
    } else if (c === '[') {
      const rest = text.slice(i);
      const index = /^\[(0|[1-9]\d{0,9})\]/.exec(rest);
      if (index) {
        const n = Number(index[1]);
        if (n > MAX_INDEX) return undefined;
        out.push(n);
        i += index[0].length;
        continue;
      }
      const quoted = /^\[(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/.exec(rest);
      if (!quoted) return undefined;
      const raw = quoted[1] ?? quoted[2]!;
      out.push(raw.replace(/\\(.)/g, '$1'));
      i += quoted[0].length;
    } else return undefined;
  }
  return out;
}

function deltaValue(p: Record<string, unknown>): { value: unknown; present: boolean } {
  if (typeof p.stringValue === 'string') return { value: p.stringValue, present: true };
  if (typeof p.numberValue === 'number' && Number.isFinite(p.numberValue))
    return { value: p.numberValue, present: true };
  if (typeof p.boolValue === 'boolean') return { value: p.boolValue, present: true };
  if ('nullValue' in p) return { value: null, present: true };
  return { value: undefined, present: false };
}
