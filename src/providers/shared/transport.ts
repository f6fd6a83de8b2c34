/**
 * What the adapters need of an HTTP client: one POST and the response's status, headers and body.
 * A fetch `Response` has this shape, and so has the default transport's (node-transport.ts), so an
 * injected `fetch` and the default transport are read by the same code.
 */

/** Response headers, read by name (case-insensitive) or all at once. */
export interface HttpHeaders {
  get(name: string): string | null;
  forEach(callback: (value: string, name: string) => void): void;
}

/** A pull reader over the body's bytes; `cancel` settles a pending `read` as done. */
export interface HttpBodyReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason?: unknown): Promise<void>;
}

/** A response body: read once, or cancelled (which frees the connection's read). */
export interface HttpBody {
  getReader(): HttpBodyReader;
  cancel(reason?: unknown): Promise<void>;
}

export interface HttpResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: HttpHeaders;
  readonly body: HttpBody | null;
  /** The whole body, decoded as UTF-8. */
  text(): Promise<string>;
}

/** The one request shape the adapters send. */
export interface HttpPost {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

/** `fetch` narrowed to what the adapters use; `globalThis.fetch` is one. */
export type HttpFetch = (url: string, init: HttpPost) => Promise<HttpResponse>;
