import { format, inspect } from 'node:util';

/**
 * Instruments a process for the soak: live timers, abort-signal listeners, console output, process
 * warnings and unhandled rejections. Each probe restores what it patched in `uninstall()`.
 */

/** Live timers created through the global `setTimeout`/`setInterval` (unref'd ones included). */
export interface TimerProbe {
  live(): number;
  /** Creation stacks of live timers, when `stacks` was asked for. */
  liveStacks(): string[];
  uninstall(): void;
}

export function probeTimers(options: { stacks?: boolean } = {}): TimerProbe {
  const g = globalThis as unknown as Record<string, unknown>;
  const original = {
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    setInterval: globalThis.setInterval,
    clearInterval: globalThis.clearInterval,
  };
  const live = new Map<object, string>();
  const track = (kind: 'timeout' | 'interval') =>
    function patched(this: unknown, callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) {
      const make = kind === 'timeout' ? original.setTimeout : original.setInterval;
      let handle: NodeJS.Timeout;
      const run = (...a: unknown[]) => {
        if (kind === 'timeout') live.delete(handle);
        callback(...a);
      };
      handle = (make as (cb: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => NodeJS.Timeout)(
        run,
        ms,
        ...args,
      );
      live.set(handle, options.stacks ? (new Error('timer created').stack ?? '') : '');
      // `refresh()` re-arms a timer that may already have fired.
      const refresh = handle.refresh;
      handle.refresh = function (this: NodeJS.Timeout) {
        live.set(handle, live.get(handle) ?? '');
        return refresh.call(this);
      };
      return handle;
    };
  const clear = (kind: 'timeout' | 'interval') =>
    function patchedClear(handle: unknown) {
      if (handle && typeof handle === 'object') live.delete(handle);
      (kind === 'timeout' ? original.clearTimeout : original.clearInterval)(handle as NodeJS.Timeout);
    };
  g.setTimeout = track('timeout');
  g.setInterval = track('interval');
  g.clearTimeout = clear('timeout');
  g.clearInterval = clear('interval');
  return {
    live: () => live.size,
    liveStacks: () => [...live.values()],
    uninstall() {
      Object.assign(g, original);
    },
  };
}

/** Counts the `Timeout` entries Node reports as keeping the loop alive (ref'd timers only). */
export function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/**
 * An AbortController whose signal counts the listeners attached to it (and removes them from the
 * count when a `{ once: true }` listener fires), like cockatiel's "does not leak abort listeners".
 */
export interface TrackedController {
  readonly controller: AbortController;
  readonly signal: AbortSignal;
  listeners(): number;
  /** Most listeners attached at once. */
  peak(): number;
}

export function trackedController(): TrackedController {
  const controller = new AbortController();
  const signal = controller.signal;
  const active = new Map<unknown, EventListenerOrEventListenerObject>();
  let peak = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    opts?: AddEventListenerOptions | boolean,
  ) => {
    if (!listener || active.has(listener)) return add(type, listener as EventListener, opts);
    const once = typeof opts === 'object' && opts?.once === true;
    const wrapped: EventListener = (event) => {
      if (once) active.delete(listener);
      if (typeof listener === 'function') listener.call(signal, event);
      else listener.handleEvent(event);
    };
    active.set(listener, wrapped);
    peak = Math.max(peak, active.size);
    add(type, wrapped, opts);
  }) as AbortSignal['addEventListener'];
  signal.removeEventListener = ((
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    opts?: EventListenerOptions | boolean,
  ) => {
    const wrapped = listener ? active.get(listener) : undefined;
    if (!wrapped) return remove(type, listener as EventListener, opts);
    active.delete(listener);
    remove(type, wrapped, opts);
  }) as AbortSignal['removeEventListener'];
  return { controller, signal, listeners: () => active.size, peak: () => peak };
}

/** Captures console output, process warnings and unhandled rejections while installed. */
export interface ProcessProbe {
  readonly output: string[];
  readonly warnings: string[];
  readonly unhandled: unknown[];
  uninstall(): void;
}

export function probeProcess(options: { echo?: boolean } = {}): ProcessProbe {
  const output: string[] = [];
  const warnings: string[] = [];
  const unhandled: unknown[] = [];
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) {
    const orig = console[m];
    console[m] = (...args: unknown[]) => {
      if (output.length < 10_000) output.push(format(...args));
      if (options.echo) orig.apply(console, args);
    };
  }
  // Writes straight to the streams (bypassing console) are captured too, and passed through.
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((s) => s.write);
  streams.forEach((stream, i) => {
    const write = writes[i]!;
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      if (output.length < 10_000) output.push(typeof chunk === 'string' ? chunk : String(chunk));
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as NodeJS.WriteStream['write'];
  });
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('warning', onWarning);
  process.on('unhandledRejection', onUnhandled);
  return {
    output,
    warnings,
    unhandled,
    uninstall() {
      methods.forEach((m, i) => {
        console[m] = saved[i]!;
      });
      streams.forEach((stream, i) => {
        stream.write = writes[i]!;
      });
      process.off('warning', onWarning);
      process.off('unhandledRejection', onUnhandled);
    },
  };
}

/**
 * Where a canary secret was found, if anywhere: the whole secret or any run of 8 of its characters,
 * in any case, also behind `\uXXXX` (any number of backslashes) or `%XX` escapes — what the router
 * promises to scrub (#11 defect 9). Errors are read with their non-enumerable `body` and `headers`.
 */
export class CanaryScanner {
  readonly found: string[] = [];
  scanned = 0;
  private readonly fragments: string[];

  constructor(private readonly canary: string) {
    const lower = canary.toLowerCase();
    const width = Math.min(8, lower.length);
    this.fragments = [];
    for (let i = 0; i + width <= lower.length; i++) this.fragments.push(lower.slice(i, i + width));
  }

  /** JSON (through `toJSON`) and, for errors, `util.inspect` with the cause chain, body and headers. */
  scan(where: string, value: unknown): void {
    this.scanned++;
    let text: string;
    try {
      text = typeof value === 'string' ? value : (JSON.stringify(value, replacer) ?? '');
    } catch (error) {
      text = `unserialisable: ${String(error)}`;
    }
    if (value instanceof Error) {
      text += inspect(value, { depth: 8, breakLength: Number.POSITIVE_INFINITY });
      for (let e: unknown = value, n = 0; e instanceof Error && n < 8; e = e.cause, n++) {
        const { body, headers } = e as { body?: unknown; headers?: unknown };
        if (body !== undefined) text += ` body ${safeJson(body)}`;
        if (headers !== undefined) text += ` headers ${safeJson(headersObject(headers))}`;
      }
    }
    const plain = decodeEscapes(text).toLowerCase();
    const hit = this.fragments.find((f) => plain.includes(f));
    if (hit !== undefined && this.found.length < 20)
      this.found.push(`${where}: ${excerpt(plain, hit)}${hit === this.canary ? '' : ` (fragment "${hit}")`}`);
  }
}

/** `\uXXXX` behind any number of backslashes, and `%XX`, decoded. */
function decodeEscapes(text: string): string {
  return text
    .replace(/\\+u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
    .replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

function headersObject(headers: unknown): unknown {
  if (!(headers instanceof Headers)) return headers;
  const out: Record<string, string> = {};
  headers.forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

function safeJson(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  } catch {
    return '';
  }
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    return { name: value.name, message: value.message, cause: (value as { cause?: unknown }).cause };
  }
  return value;
}

function excerpt(text: string, needle: string): string {
  const at = text.indexOf(needle);
  return text.slice(Math.max(0, at - 80), at + needle.length + 20);
}
