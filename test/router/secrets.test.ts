import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError, type ProviderAdapter, type ProviderCall } from '../../src/index.js';
import { type RecordedEvent, hi, recordEvents, setup, twoProviderCatalog } from './helpers.js';

const CANARY = 'sk-CANARY-5b9d1e77f3a2';
const CANARY_B = 'sk-CANARY-b-0c4e8a19d6';

/** Everything a user could log: JSON and util.inspect (default and deep) of each value. */
function expectNoCanary(values: unknown[]): void {
  for (const value of values) {
    const texts = [
      JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) ?? '',
      inspect(value, { depth: 20 }),
      value instanceof Error ? String(value.stack) + String(value.message) : '',
    ];
    for (const text of texts) {
      expect(text.includes('sk-CANARY'), `secret leaked in: ${text.slice(0, 400)}`).toBe(false);
    }
  }
}

const catalog = () =>
  twoProviderCatalog({
    aKeys: [
      { id: 'a1', secret: CANARY },
      { id: 'a2', secret: `env:ROUTER_TEST_KEY_VAR` },
    ],
    bKeys: [{ id: 'b1', secret: CANARY_B }],
  });

/** An adapter that quotes the API key in its errors, as some upstream SDKs and proxies do. */
function quotingAdapter(kind: 'provider' | 'plain'): ProviderAdapter {
  return {
    name: 'quoting',
    async complete(call: ProviderCall) {
      const message = `Incorrect API key provided: ${call.apiKey}. You can find your key at …`;
      if (kind === 'plain') throw new Error(message);
      throw new ProviderError({ message, kind: 'auth', status: 401, body: { error: message } });
    },
    async stream() {
      throw new Error('not used');
    },
  };
}

afterEach(() => {
  delete process.env.ROUTER_TEST_KEY_VAR;
});

describe('secrets never leak', () => {
  it('through results, errors, events, usage records and stats, on success and failure paths', async () => {
    process.env.ROUTER_TEST_KEY_VAR = `${CANARY}-env`;
    const { router, a, usage } = setup({
      catalog: catalog(),
      a: {
        script: [
          { error: { status: 429, retryAfterMs: 1_000 } },
          { error: { status: 401 } },
          { error: { status: 500 } },
          { error: { status: 400 } },
        ],
      },
    });
    const events: RecordedEvent[] = recordEvents(router);
    const outcomes: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      outcomes.push(await router.complete({ model: 'coding', messages: hi }).catch((e: unknown) => e));
    }
    outcomes.push(await router.complete({ model: 'a/model-a', messages: hi }).catch((e: unknown) => e));
    expect(a.calls.length).toBeGreaterThanOrEqual(2);
    expectNoCanary(outcomes);
    expectNoCanary(events.map((e) => e.payload));
    expectNoCanary(usage);
    expectNoCanary([
      router.stats(),
      await router.plan('coding'),
      await router.resolve('coding'),
      await router.listModels(),
    ]);
    expectNoCanary([a.calls]);
  });

  it('when an adapter quotes the key in a ProviderError', async () => {
    const { router, usage } = setup({
      catalog: catalog(),
      router: { adapters: { mockA: quotingAdapter('provider'), mockB: quotingAdapter('provider') } },
    });
    process.env.ROUTER_TEST_KEY_VAR = `${CANARY}-env`;
    const events = recordEvents(router);
    const err = await router.complete({ model: 'coding', messages: hi }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe('ALL_CANDIDATES_FAILED');
    expect(String((err as { lastError: Error }).lastError.message)).toContain('[redacted]');
    expectNoCanary([err, (err as { lastError: unknown }).lastError]);
    expectNoCanary(events.map((e) => e.payload));
    expectNoCanary(usage);
  });

  it('when an adapter quotes the key in a plain Error', async () => {
    process.env.ROUTER_TEST_KEY_VAR = `${CANARY}-env`;
    const { router, usage } = setup({
      catalog: catalog(),
      router: { adapters: { mockA: quotingAdapter('plain'), mockB: quotingAdapter('plain') } },
    });
    const events = recordEvents(router);
    const err = await router.complete({ model: 'coding', messages: hi }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe('ALL_CANDIDATES_FAILED');
    expectNoCanary([err, (err as { lastError: unknown }).lastError]);
    expectNoCanary(events.map((e) => e.payload));
    expectNoCanary(usage);
  });

  it('a missing env: secret names the variable, never a value', async () => {
    const { router } = setup({ catalog: catalog(), a: { script: [{ error: { status: 429 } }] } });
    const err = await router.complete({ model: 'a/model-a', messages: hi }).catch((e: unknown) => e);
    expect(inspect(err, { depth: 20 })).toContain('ROUTER_TEST_KEY_VAR');
    expectNoCanary([err]);
  });
});
