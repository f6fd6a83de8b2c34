import type { RouterEvents } from '../events.js';
import type { RouterLogger } from './logger.js';

type ErrorPayload = RouterEvents['error'];

/** Longest error message a log line carries (upstream messages can be long). */
const MAX_MESSAGE = 300;

/**
 * Makes internal failures visible. With a `logger`, every failure goes to it. Without one, and with
 * no `error` listener attached, the first failure of each kind is written to stderr as one line —
 * a lost ledger write or a throwing hook is never silent by default. `logger: false` turns it off.
 */
export class Reporter {
  private readonly printed = new Set<string>();

  constructor(
    private readonly logger: RouterLogger | false | undefined,
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {}

  /** An `error` event; `listened` says whether the application attached an `error` listener. */
  internalError(payload: ErrorPayload, listened: boolean): void {
    const fields = errorFields(payload.error);
    const lost = payload.records?.length;
    const message = describe(payload.source, lost);
    const all = { source: payload.source, ...fields, ...(lost ? { records: lost } : {}) };
    if (this.logger) {
      if (lost) this.logger.error(all, message);
      else this.logger.warn(all, message);
      return;
    }
    if (this.logger === false || listened) return;
    // Records lost and a write to be retried are different kinds: the loss is printed even after a retry was.
    this.once(
      `${payload.source}:${lost ? 'lost' : 'failed'}:${fields.code ?? fields.errorName}`,
      all,
      message,
    );
  }

  /** A condition the operator must fix (a key whose secret cannot be resolved); reported once per `kind`. */
  notice(kind: string, fields: Record<string, unknown>, message: string): void {
    if (this.logger) {
      if (this.printed.has(kind)) return;
      this.printed.add(kind);
      this.logger.warn(fields, message);
      return;
    }
    if (this.logger === false) return;
    this.once(kind, fields, message);
  }

  /** Whether any notice or warning is up (`resolved` has something to clear). */
  get noticing(): boolean {
    return this.printed.size > 0;
  }

  /** The condition of `kind` is over: a later recurrence is reported again. */
  resolved(kind: string): void {
    this.printed.delete(kind);
  }

  private once(kind: string, fields: Record<string, unknown>, message: string): void {
    if (this.printed.has(kind)) return;
    this.printed.add(kind);
    const detail = Object.entries(fields)
      .filter(([k]) => k !== 'source')
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ');
    this.write(
      `model-router warning: ${message}${detail ? ` (${detail})` : ''}. Not repeated for this kind; attach router.on('error') or pass options.logger to see every occurrence.\n`,
    );
  }
}

function describe(source: ErrorPayload['source'], lost: number | undefined): string {
  switch (source) {
    case 'usage':
      return lost
        ? `${lost} usage record(s) could not be written to the ledger and are lost`
        : 'a usage ledger write failed and will be retried';
    case 'hook':
      return 'the onUsage hook threw';
    case 'listener':
      return 'an event listener threw';
    case 'catalog':
      return 'loading or refreshing the catalog failed';
    case 'quota':
      return 'the quota store failed';
    default:
      return `internal failure (${source})`;
  }
}

/** Name, code and a bounded one-line message; nothing else of the error (bodies and headers stay out). */
export function errorFields(error: unknown): { errorName: string; code?: string; message: string } {
  const e = error as { name?: unknown; code?: unknown; message?: unknown } | null | undefined;
  const name = typeof e?.name === 'string' ? e.name : typeof error;
  const raw = typeof e?.message === 'string' ? e.message : String(error);
  const message = raw.replace(/\s+/g, ' ').slice(0, MAX_MESSAGE);
  return { errorName: name, ...(typeof e?.code === 'string' ? { code: e.code } : {}), message };
}
