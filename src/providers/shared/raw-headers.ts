import type { HttpHeaders } from './transport.js';

/**
 * A response's headers over the `[name, value, …]` list the HTTP dispatcher hands over (bytes, as
 * they came), read as a fetch `Headers` reads them: by name in any case, a header sent more than once
 * joined with ", " (`cookie` with "; "). The list is decoded (latin1, as fetch and node:http decode a head) on the first
 * read; a response's few lookups (its length, its encoding, the rate-limit headers) then cost less
 * than building a `Headers`.
 */
export class RawHeaders implements HttpHeaders {
  private decoded: string[] | undefined;

  constructor(private readonly raw: ReadonlyArray<Uint8Array | string>) {}

  get(name: string): string | null {
    const key = name.toLowerCase();
    const list = this.list();
    let value: string | null = null;
    for (let i = 0; i < list.length; i += 2) {
      const field = list[i]!;
      if (field.length !== key.length || (field !== key && field.toLowerCase() !== key)) continue;
      value = value === null ? list[i + 1]! : `${value}${key === 'cookie' ? '; ' : ', '}${list[i + 1]!}`;
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
    if (this.decoded) return this.decoded;
    const raw = this.raw;
    const decoded = new Array<string>(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const item = raw[i]!;
      decoded[i] =
        typeof item === 'string'
          ? item
          : (Buffer.isBuffer(item)
              ? item
              : Buffer.from(item.buffer, item.byteOffset, item.byteLength)
            ).toString('latin1');
    }
    this.decoded = decoded;
    return decoded;
  }
}
