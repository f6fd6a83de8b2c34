/**
 * The part of undici's `Dispatcher` API the default transport uses: `dispatch(options, handler)` with
 * the handler interface every undici since 5 accepts (Node 20 and 22 bundle undici 6, Node 24 undici
 * 7). Node's `fetch` sends through the same dispatcher, the one registered under this symbol.
 */
export interface Dispatcher {
  dispatch(options: DispatchOptions, handler: DispatchHandler): boolean;
}

export interface DispatchOptions {
  origin: string;
  path: string;
  method: string;
  /** Flat `[name, value, …]`. */
  headers: string[];
  body: string;
  /** 0: no timeout of the dispatcher's own (the router's attempt timeout governs). */
  headersTimeout: number;
  bodyTimeout: number;
}

export interface DispatchHandler {
  /** Called once the request is on a connection; `abort` drops it (and the connection). */
  onConnect(abort: (reason?: Error) => void): void;
  /** `false` pauses the body until `resume()`. */
  onHeaders(status: number, rawHeaders: Uint8Array[], resume: () => void, statusText: string): boolean;
  /** `false` pauses the body until `resume()`. */
  onData(chunk: Buffer): boolean;
  onComplete(trailers: unknown): void;
  onError(error: Error): void;
}

/** Where undici (the package, or the copy inside Node that `fetch` uses) keeps the global dispatcher. */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');
const holder = globalThis as unknown as Record<symbol, Dispatcher | undefined>;
let loaded = false;

/**
 * The dispatcher `fetch` sends through: the one a user installed with undici's `setGlobalDispatcher`
 * (a proxy, TLS options, connection limits), else Node's own keep-alive `Agent` — which Node creates
 * when it first loads its fetch (a `Headers` is enough to load it). `undefined` in a runtime without
 * one (Bun, Deno): the adapters then use `fetch`.
 */
export function globalDispatcher(): Dispatcher | undefined {
  let dispatcher = holder[GLOBAL_DISPATCHER];
  if (dispatcher === undefined && !loaded) {
    loaded = true;
    if (typeof Headers === 'function') new Headers();
    dispatcher = holder[GLOBAL_DISPATCHER];
  }
  return typeof dispatcher?.dispatch === 'function' ? dispatcher : undefined;
}
