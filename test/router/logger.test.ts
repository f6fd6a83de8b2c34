import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelRouter, memoryStorage, type RouterLogger } from '../../src/index.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { hi, oneProviderCatalog, setup } from './helpers.js';

/** Everything written to stderr while `fn` runs. */
async function stderrOf(fn: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return lines.join('');
}

function recordingLogger() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
  const logger: RouterLogger = {
    error: (fields, message) => void lines.push({ level: 'error', fields, message }),
    warn: (fields, message) => void lines.push({ level: 'warn', fields, message }),
    debug: (fields, message) => void lines.push({ level: 'debug', fields, message }),
  };
  return { logger, lines };
}

/** A router whose usage ledger refuses every write (a database that is down). */
function lostLedger(options: { logger?: RouterLogger | false } = {}) {
  const storage = memoryStorage({
    catalog: oneProviderCatalog([{ id: 'a1', secret: 'sk-very-secret-key-1234' }]),
  });
  storage.recordUsage = async () => {
    throw new Error('connection refused');
  };
  return new ModelRouter({
    storage,
    adapters: { mockA: mockProvider({ name: 'mockA' }) },
    timeouts: { closeMs: 1000 },
    ...options,
  });
}

afterEach(() => vi.restoreAllMocks());

describe('internal failures are never silent', () => {
  it('by default, a lost ledger write prints one line to stderr (no listener, no logger)', async () => {
    const out = await stderrOf(async () => {
      const router = lostLedger();
      await router.complete({
        model: 'a/model-a',
        messages: [{ role: 'user', content: 'my private prompt' }],
      });
      await router.close();
    });
    expect(out).toMatch(/usage record\(s\) could not be written to the ledger and are lost/);
    expect(out).toMatch(/connection refused/);
    // One line per kind: the failed first write (retried) and the records lost after the retry.
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.filter((l) => /are lost/.test(l))).toHaveLength(1);
    expect(out).not.toContain('sk-very-secret-key-1234');
    expect(out).not.toContain('my private prompt');
  });

  it('a throwing onUsage hook is printed once per kind, however often it throws', async () => {
    const out = await stderrOf(async () => {
      const { router } = setup({
        router: {
          onUsage: () => {
            throw new Error('billing hook broke');
          },
        },
      });
      for (let i = 0; i < 3; i++) await router.complete({ model: 'coding', messages: hi });
    });
    expect(out.match(/onUsage hook threw/g)).toHaveLength(1);
    expect(out).toContain('billing hook broke');
  });

  it('an attached error listener takes over: nothing on stderr', async () => {
    const seen: string[] = [];
    const out = await stderrOf(async () => {
      const router = lostLedger();
      router.on('error', (e) => void seen.push(e.source));
      await router.complete({ model: 'a/model-a', messages: hi });
      await router.close();
    });
    expect(out).toBe('');
    expect(seen).toContain('usage');
  });

  it('a logger receives every failure with structured fields: error for lost records, warn for the rest', async () => {
    const { logger, lines } = recordingLogger();
    const out = await stderrOf(async () => {
      const router = lostLedger({ logger });
      await router.complete({ model: 'a/model-a', messages: hi });
      await router.complete({ model: 'a/model-a', messages: hi });
      await router.close();
    });
    expect(out).toBe('');
    const lost = lines.filter((l) => l.level === 'error');
    expect(lost.length).toBeGreaterThan(0);
    expect(lost[0]!.fields).toMatchObject({
      source: 'usage',
      errorName: 'Error',
      message: 'connection refused',
    });
    expect(lost.reduce((n, l) => n + (l.fields.records as number), 0)).toBe(2);
    expect(JSON.stringify(lines)).not.toContain('sk-very-secret-key-1234');
  });

  it('logger: false is silent; anything else without warn/error is a VALIDATION error', async () => {
    const out = await stderrOf(async () => {
      const router = lostLedger({ logger: false });
      await router.complete({ model: 'a/model-a', messages: hi });
      await router.close();
    });
    expect(out).toBe('');
    expect(() => lostLedger({ logger: { warn: () => {} } as never })).toThrow(/options\.logger/);
  });
});
