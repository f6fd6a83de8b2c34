import type { HttpHeaders } from './transport.js';

/**
 * A response's headers over the `[name, value, …]` list the HTTP dispatcher hands over (bytes, as
 * they came), read as a fetch `Headers` reads them: by name in any case, a header sent more than once
 * joined with ", " (`cookie` with "; "). A response's few lookups (its length, its encoding, the
 * rate-limit headers) compare names as bytes and decode only what they find: decoding every header
 * of a head costs more than all of them.
 */
export class RawHeaders implements HttpHeaders {
  private decoded: string[] | undefined;

  constructor(private readonly raw: ReadonlyArray<Uint8Array | string>) {}

  /** Names are compared as bytes and only a match's value is decoded: a lookup decodes no other header. */
  get(name: string): string | null {
    const key = name.toLowerCase();
    const raw = this.raw;
    let value: string | null = null;
    for (let i = 0; i < raw.length; i += 2) {
      const field = raw[i]!;
      if (field.length !== key.length || !sameName(field, key)) continue;
      const text = latin1(raw[i + 1]!);
      value = value === null ? text : `${value}${key === 'cookie' ? '; ' : ', '}${text}`;
    }
    return value;
  }

  /** As a fetch `Headers` iterates: lower-case names in order, repeats joined, each `set-cookie` apart. */
  forEach(callback: (value: string, name: string) => void): void {
    const list = this.list();
    const names = new Set<string>();
    for (let i = 0; i < list.length; i += 2) names.add(list[i]!.toLowerCase());
    for (const name of [...names].sort()) {
      if (name !== 'set-cookie') {
        callback(this.get(name)!, name);
        continue;
      }
      for (let i = 0; i < list.length; i += 2)
        if (list[i]!.toLowerCase() === name) callback(list[i + 1]!, name);
    }
  }

  private list(): string[] {
    this.decoded ??= this.raw.map(latin1);
    return this.decoded;
  }
}

/** Whether a header name (bytes or text) is `key` (lower case), in any case. */
function sameName(field: Uint8Array | string, key: string): boolean {
  if (typeof field === 'string') return field === key || field.toLowerCase() === key;
  for (let j = 0; j < key.length; j++) {
    let c = field[j]!;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20; // A–Z → a–z
    if (c !== key.charCodeAt(j)) return false;
  }
  return true;
}

/** A head's bytes as text, latin1 as fetch and node:http decode a head. */
function latin1(item: Uint8Array | string): string {
  if (typeof item === 'string') return item;
  return (Buffer.isBuffer(item) ? item : Buffer.from(item.buffer, item.byteOffset, item.byteLength)).toString(
    'latin1',
  );
}
