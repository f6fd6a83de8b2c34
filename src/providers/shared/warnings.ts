import type { RouterWarning } from '../../types/result.js';

/** Collects what an adapter leaves out of a request, once per code and field. */
export class Warnings {
  readonly list: RouterWarning[] = [];
  private readonly seen = new Set<string>();

  add(code: RouterWarning['code'], message: string, field?: string): void {
    const key = `${code}\0${field ?? ''}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push({ code, message, ...(field === undefined ? {} : { field }) });
  }

  /** The list, or `undefined` when nothing was left out (so results stay lean). */
  result(): RouterWarning[] | undefined {
    return this.list.length > 0 ? this.list : undefined;
  }
}
