import { describe, expect, it, vi } from 'vitest';
import type { CandidateEntry } from '../../src/catalog/cache.js';
import { AttemptControl } from '../../src/routing/attempt-control.js';

/*
 * The attempt is its own CallSignal (what the bundled adapters' HTTP listens on instead of an
 * AbortSignal): it must abort exactly as the AbortSignal it stands in for.
 */
const attempt = () => new AttemptControl(1, {} as CandidateEntry, 'k', 0, 1_000);

describe('AttemptControl as a CallSignal', () => {
  it('runs each abort listener once, with the reason readable; removed and late ones never run', () => {
    const a = attempt();
    const seen: unknown[] = [];
    const first = vi.fn(() => seen.push(a.reason));
    const removed = vi.fn();
    a.addEventListener('abort', first);
    a.addEventListener('abort', first); // the same listener twice is one listener
    a.addEventListener('abort', removed);
    a.removeEventListener('abort', removed);
    expect(a.aborted).toBe(false);
    const reason = new Error('stop');
    a.abort(reason);
    a.abort(new Error('again'));
    expect(first).toHaveBeenCalledTimes(1);
    expect(removed).not.toHaveBeenCalled();
    expect(seen).toEqual([reason]);
    expect(a.aborted).toBe(true);
    const late = vi.fn();
    a.addEventListener('abort', late);
    expect(late).not.toHaveBeenCalled();
    // The AbortSignal made after the abort agrees.
    expect(a.signal.aborted).toBe(true);
    expect(a.signal.reason).toBe(reason);
  });

  it('a throwing listener stops neither the others nor the abort of the signal and the race', async () => {
    const a = attempt();
    const signal = a.signal; // made before the abort
    const race = a.race(new Promise(() => {}));
    const after = vi.fn();
    const boom = new Error('listener bug');
    const uncaught: unknown[] = [];
    const onError = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onError);
    try {
      a.addEventListener('abort', () => {
        throw boom;
      });
      a.addEventListener('abort', after);
      const reason = new Error('stop');
      a.abort(reason);
      expect(after).toHaveBeenCalledTimes(1);
      expect(signal.aborted).toBe(true);
      await expect(race).rejects.toBe(reason);
      await new Promise((r) => setImmediate(r));
      expect(uncaught).toEqual([boom]);
    } finally {
      process.off('uncaughtException', onError);
    }
  });
});
