import { describe, expect, it, vi } from 'vitest';
import { LightSignal } from '../../src/util/light-signal.js';

describe('LightSignal (a stream request abort without an EventTarget)', () => {
  it('runs each abort listener once, in order; a removed one or one added after the abort never runs', async () => {
    const s = new LightSignal();
    const seen: string[] = [];
    const a = () => seen.push('a');
    const removed = () => seen.push('removed');
    s.addEventListener('abort', a);
    s.addEventListener('abort', a); // added twice: runs once, as on an EventTarget
    s.addEventListener('abort', removed);
    s.addEventListener('abort', { handleEvent: () => seen.push('object') });
    s.removeEventListener('abort', removed);
    s.abort('why');
    s.abort('again');
    s.addEventListener('abort', () => seen.push('late'));
    expect(seen).toEqual(['a', 'object']);
    expect(s.aborted).toBe(true);
    expect(s.reason).toBe('why');
    expect(() => s.throwIfAborted()).toThrow('why');
  });

  it('a throwing listener is reported without stopping the others', async () => {
    const s = new LightSignal();
    const reported = vi.fn();
    const onError = (e: unknown) => reported(e);
    process.on('uncaughtException', onError);
    try {
      const after = vi.fn();
      s.addEventListener('abort', () => {
        throw new Error('listener failed');
      });
      s.addEventListener('abort', after);
      s.abort('stop');
      expect(after).toHaveBeenCalledOnce();
      await vi.waitFor(() => expect(reported).toHaveBeenCalledOnce());
    } finally {
      process.off('uncaughtException', onError);
    }
  });
});
