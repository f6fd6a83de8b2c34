import { http } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type MemoryStorage,
  ModelRouter,
  RouterError,
  type RouterStorage,
  type UsageRecord,
  anthropic,
  memoryStorage,
  openaiCompatible,
} from '../../src/index.js';
import type { CatalogInput } from '../../src/catalog/inputs.js';
import { createAdminHandler, createRelayHandler } from '../../src/http/index.js';
import { manualClock } from '../../src/testing/manual-clock.js';
import { type MockProvider, mockProvider } from '../../src/testing/mock-provider.js';
import { exchange, replay, sseFixture, sseResponse, useServer } from '../providers/helpers.js';
import { expectReleased } from '../router/helpers.js';

/*
 * Bad input at every public entry: constructor options, catalog rows (options and memoryStorage),
 * requests and their options, names, admin calls, HTTP bodies. Each case must end in a typed
 * RouterError (VALIDATION unless said) whose `details.field` names the field — and leave the catalog,
 * the counters and the ledger exactly as they were. Provider garbage (last section) must map to the
 * right ProviderError kind and fail over, with sane usage.
 */

// biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input types
const any = (v: unknown): any => v;
const hi = [{ role: 'user' as const, content: 'hi' }];
const admin = { actor: { role: 'admin' } };
const HUGE = 'x'.repeat(100_000);

function baseCatalog(): CatalogInput {
  return {
    providers: [
      {
        id: 'a',
        adapter: 'mockA',
        keys: [{ id: 'a1', secret: 'secret-a1', rpm: 100, tpm: 10_000, maxConcurrent: 2 }],
      },
      { id: 'b', adapter: 'mockB', keys: [{ id: 'b1', secret: 'secret-b1' }] },
    ],
    models: [
      { providerId: 'a', modelId: 'model-a', contextWindow: 8000 },
      { providerId: 'b', modelId: 'model-b' },
    ],
    groups: [
      {
        name: 'coding',
        members: [
          { providerId: 'a', modelId: 'model-a', priority: 0 },
          { providerId: 'b', modelId: 'model-b', priority: 1 },
        ],
      },
    ],
  };
}

/** A copy of the base catalog with one change applied. */
function catalogWith(change: (c: Record<string, unknown>) => void): CatalogInput {
  const c = structuredClone(baseCatalog()) as Record<string, unknown>;
  change(c);
  return c as CatalogInput;
}

/** The error a call throws or rejects with (sync or async); `undefined` when it succeeds. */
async function errorOf(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectFieldError(error: unknown, field: string | RegExp, code = 'VALIDATION'): void {
  expect(error, 'expected a RouterError, got success').toBeDefined();
  expect(RouterError.isInstance(error), `not a RouterError: ${String(error)}`).toBe(true);
  const e = error as RouterError;
  expect(e.code, e.message).toBe(code);
  if (typeof field === 'string') expect(e.details.field, e.message).toBe(field);
  else expect(String(e.details.field), e.message).toMatch(field);
}

// ─── Constructor options ───────────────────────────────────────────────────────────────────────────

/** A storage that counts every call: a refused constructor must not have touched it. */
function spyStorage(): { storage: RouterStorage; calls: () => number } {
  const inner = memoryStorage({ catalog: baseCatalog() });
  let calls = 0;
  const storage = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { storage, calls: () => calls };
}

const adapters = () => ({ mockA: mockProvider(), mockB: mockProvider() });

const optionCases: Array<[name: string, options: () => unknown, field: string]> = [
  ['options null', () => null, 'options'],
  ['options a string', () => 'router', 'options'],
  ['adapters missing', () => ({}), 'options.adapters'],
  ['adapter without complete/stream', () => ({ adapters: { mockA: {} } }), 'options.adapters.mockA'],
  [
    'unknown top-level option (typo)',
    () => ({ adapters: adapters(), timeout: { attemptMs: 5 } }),
    'options.timeout',
  ],
  [
    '__proto__ top-level key',
    () => Object.assign(JSON.parse('{"__proto__": {"maxAttempts": 0}}'), { adapters: adapters() }),
    'options.__proto__',
  ],
  ['maxAttempts 0', () => ({ adapters: adapters(), maxAttempts: 0 }), 'options.maxAttempts'],
  ['maxAttempts negative', () => ({ adapters: adapters(), maxAttempts: -1 }), 'options.maxAttempts'],
  ['maxAttempts non-integer', () => ({ adapters: adapters(), maxAttempts: 1.5 }), 'options.maxAttempts'],
  ['maxAttempts NaN', () => ({ adapters: adapters(), maxAttempts: Number.NaN }), 'options.maxAttempts'],
  [
    'maxAttempts Infinity',
    () => ({ adapters: adapters(), maxAttempts: Number.POSITIVE_INFINITY }),
    'options.maxAttempts',
  ],
  ['maxAttempts a string', () => ({ adapters: adapters(), maxAttempts: '3' }), 'options.maxAttempts'],
  [
    'timeouts.attemptMs 0',
    () => ({ adapters: adapters(), timeouts: { attemptMs: 0 } }),
    'options.timeouts.attemptMs',
  ],
  [
    'timeouts.attemptMs NaN',
    () => ({ adapters: adapters(), timeouts: { attemptMs: Number.NaN } }),
    'options.timeouts.attemptMs',
  ],
  [
    'timeouts.totalMs Infinity',
    () => ({ adapters: adapters(), timeouts: { totalMs: Number.POSITIVE_INFINITY } }),
    'options.timeouts.totalMs',
  ],
  [
    'timeouts.idleMs past the timer range',
    () => ({ adapters: adapters(), timeouts: { idleMs: 2 ** 31 } }),
    'options.timeouts.idleMs',
  ],
  [
    'timeouts.firstChunkMs non-integer',
    () => ({ adapters: adapters(), timeouts: { firstChunkMs: 0.5 } }),
    'options.timeouts.firstChunkMs',
  ],
  [
    'timeouts.queueWaitMs negative',
    () => ({ adapters: adapters(), timeouts: { queueWaitMs: -1 } }),
    'options.timeouts.queueWaitMs',
  ],
  [
    'timeouts unknown field',
    () => ({ adapters: adapters(), timeouts: { attemptMS: 5 } }),
    'options.timeouts.attemptMS',
  ],
  [
    'retryBudget.ratio NaN',
    () => ({ adapters: adapters(), retryBudget: { ratio: Number.NaN } }),
    'options.retryBudget.ratio',
  ],
  [
    'retryBudget.minPerSecond negative',
    () => ({ adapters: adapters(), retryBudget: { minPerSecond: -1 } }),
    'options.retryBudget.minPerSecond',
  ],
  [
    'circuitBreaker.failureThreshold 0',
    () => ({ adapters: adapters(), circuitBreaker: { failureThreshold: 0 } }),
    'options.circuitBreaker.failureThreshold',
  ],
  [
    'cooldown.maxMs Infinity',
    () => ({ adapters: adapters(), cooldown: { maxMs: Number.POSITIVE_INFINITY } }),
    'options.cooldown.maxMs',
  ],
  [
    'cooldown.minMs above maxMs',
    () => ({ adapters: adapters(), cooldown: { minMs: 5000, maxMs: 100 } }),
    'options.cooldown.minMs',
  ],
  [
    'defaultStrategy unknown',
    () => ({ adapters: adapters(), defaultStrategy: 'fastest-ever' }),
    'options.defaultStrategy',
  ],
  ['defaultStrategy empty', () => ({ adapters: adapters(), defaultStrategy: '' }), 'options.defaultStrategy'],
  [
    'strategies not functions',
    () => ({ adapters: adapters(), strategies: { mine: 'x' } }),
    'options.strategies.mine',
  ],
  [
    'estimateTokens not a function',
    () => ({ adapters: adapters(), estimateTokens: 4 }),
    'options.estimateTokens',
  ],
  [
    'defaultMaxOutputTokens NaN',
    () => ({ adapters: adapters(), defaultMaxOutputTokens: Number.NaN }),
    'options.defaultMaxOutputTokens',
  ],
  [
    'defaultMaxOutputTokens negative',
    () => ({ adapters: adapters(), defaultMaxOutputTokens: -5 }),
    'options.defaultMaxOutputTokens',
  ],
  [
    'resolveSecret not a function',
    () => ({ adapters: adapters(), resolveSecret: 'env:X' }),
    'options.resolveSecret',
  ],
  ['authorize not a function', () => ({ adapters: adapters(), authorize: true }), 'options.authorize'],
  ['defaultModel empty', () => ({ adapters: adapters(), defaultModel: '' }), 'options.defaultModel'],
  ['onUsage not a function', () => ({ adapters: adapters(), onUsage: [] }), 'options.onUsage'],
  ['clock without now()', () => ({ adapters: adapters(), clock: {} }), 'options.clock'],
  ['random not a function', () => ({ adapters: adapters(), random: 0.5 }), 'options.random'],
  ['storage not an object', () => ({ adapters: adapters(), storage: 'postgres://x' }), 'options.storage'],
  ['quota not an object', () => ({ adapters: adapters(), quota: 42 }), 'options.quota'],
];

describe('constructor options', () => {
  it.each(optionCases)('%s → VALIDATION naming the field, storage untouched', (_name, options, field) => {
    const spy = spyStorage();
    const opts = options();
    const withStorage =
      typeof opts === 'object' && opts !== null && !('storage' in opts)
        ? Object.assign(opts, { storage: spy.storage })
        : opts;
    let error: unknown;
    try {
      new ModelRouter(any(withStorage));
    } catch (e) {
      error = e;
    }
    expectFieldError(error, field);
    expect(spy.calls()).toBe(0);
  });

  it('adapters with a __proto__ key → VALIDATION', () => {
    let error: unknown;
    try {
      new ModelRouter(any({ adapters: JSON.parse('{"__proto__": {"complete": 1}}') }));
    } catch (e) {
      error = e;
    }
    expectFieldError(error, 'options.adapters.__proto__');
  });
});

// ─── Catalog rows: in the router's options and in memoryStorage ───────────────────────────────────

/** A change to the base catalog: set `path` (dots; numbers index arrays) to `value`. */
type Change = (c: Record<string, unknown>) => void;
const set =
  (path: string, value: unknown): Change =>
  (c) => {
    const parts = path.split('.');
    let target = c;
    for (const part of parts.slice(0, -1)) target = target[part] as Record<string, unknown>;
    target[parts.at(-1)!] = value;
  };
const P0 = 'providers.0';
const K0 = 'providers.0.keys.0';
const M0 = 'models.0';
const G0 = 'groups.0';
const MEM0 = 'groups.0.members.0';
const PROTO_PROVIDER = '{"id":"a","adapter":"mockA","__proto__":{"enabled":false}}';

const catalogCases: Array<[name: string, change: Change, field: string]> = [
  ['catalog unknown field', set('extra', 1), 'catalog.extra'],
  ['provider id empty', set(`${P0}.id`, ''), 'catalog.providers[0].id'],
  ['provider id oversized', set(`${P0}.id`, 'a'.repeat(101)), 'catalog.providers[0].id'],
  ['provider id with NUL', set(`${P0}.id`, 'a\u0000b'), 'catalog.providers[0].id'],
  ['provider id with LF', set(`${P0}.id`, 'a\nb'), 'catalog.providers[0].id'],
  ['provider id with a slash', set(`${P0}.id`, 'a/b'), 'catalog.providers[0].id'],
  ['provider id duplicated', set('providers.1.id', 'a'), 'catalog.providers[1].id'],
  ['provider unknown field', set(`${P0}.adaptor`, 'x'), 'catalog.providers[0].adaptor'],
  ['provider __proto__ key', set(P0, JSON.parse(PROTO_PROVIDER)), 'catalog.providers[0].__proto__'],
  ['baseUrl ftp scheme', set(`${P0}.baseUrl`, 'ftp://example.com/v1'), 'catalog.providers[0].baseUrl'],
  ['baseUrl javascript scheme', set(`${P0}.baseUrl`, 'javascript:alert(1)'), 'catalog.providers[0].baseUrl'],
  ['baseUrl file scheme', set(`${P0}.baseUrl`, 'file:///etc/passwd'), 'catalog.providers[0].baseUrl'],
  [
    'baseUrl with credentials',
    set(`${P0}.baseUrl`, 'https://user:pass@example.com/v1'),
    'catalog.providers[0].baseUrl',
  ],
  [
    'baseUrl with a password only',
    set(`${P0}.baseUrl`, 'https://:pass@example.com/v1'),
    'catalog.providers[0].baseUrl',
  ],
  ['baseUrl not a URL', set(`${P0}.baseUrl`, 'example.com/v1'), 'catalog.providers[0].baseUrl'],
  [
    'key secret with CR/LF',
    set(`${K0}.secret`, 'secret\r\nX-Injected: 1'),
    'catalog.providers[0].keys[0].secret',
  ],
  ['key secret with LF', set(`${K0}.secret`, 'secret\n'), 'catalog.providers[0].keys[0].secret'],
  ['key secret empty', set(`${K0}.secret`, ''), 'catalog.providers[0].keys[0].secret'],
  ['key secret oversized', set(`${K0}.secret`, HUGE), 'catalog.providers[0].keys[0].secret'],
  ['key rpm negative', set(`${K0}.rpm`, -1), 'catalog.providers[0].keys[0].rpm'],
  ['key rpm 0', set(`${K0}.rpm`, 0), 'catalog.providers[0].keys[0].rpm'],
  ['key rpm non-integer', set(`${K0}.rpm`, 1.5), 'catalog.providers[0].keys[0].rpm'],
  ['key rpm NaN', set(`${K0}.rpm`, Number.NaN), 'catalog.providers[0].keys[0].rpm'],
  ['key rpm Infinity', set(`${K0}.rpm`, Number.POSITIVE_INFINITY), 'catalog.providers[0].keys[0].rpm'],
  ['key rpm a string', set(`${K0}.rpm`, '100'), 'catalog.providers[0].keys[0].rpm'],
  ['key tpm NaN', set(`${K0}.tpm`, Number.NaN), 'catalog.providers[0].keys[0].tpm'],
  [
    'key maxConcurrent negative',
    set(`${K0}.maxConcurrent`, -3),
    'catalog.providers[0].keys[0].maxConcurrent',
  ],
  [
    'key maxConcurrent non-integer',
    set(`${K0}.maxConcurrent`, 2.5),
    'catalog.providers[0].keys[0].maxConcurrent',
  ],
  ['key unknown field', set(`${K0}.rps`, 5), 'catalog.providers[0].keys[0].rps'],
  ['model id empty', set(`${M0}.modelId`, ''), 'catalog.models[0].modelId'],
  ['model id with control characters', set(`${M0}.modelId`, 'model\u0007a'), 'catalog.models[0].modelId'],
  ['model id oversized', set(`${M0}.modelId`, 'm'.repeat(513)), 'catalog.models[0].modelId'],
  ['model contextWindow negative', set(`${M0}.contextWindow`, -1), 'catalog.models[0].contextWindow'],
  [
    'model inputCostPerMTok NaN',
    set(`${M0}.inputCostPerMTok`, Number.NaN),
    'catalog.models[0].inputCostPerMTok',
  ],
  [
    'model outputCostPerMTok Infinity',
    set(`${M0}.outputCostPerMTok`, Number.POSITIVE_INFINITY),
    'catalog.models[0].outputCostPerMTok',
  ],
  [
    'model outputCostPerMTok negative',
    set(`${M0}.outputCostPerMTok`, -2),
    'catalog.models[0].outputCostPerMTok',
  ],
  ['group name empty', set(`${G0}.name`, ''), 'catalog.groups[0].name'],
  ['group name with BEL', set(`${G0}.name`, 'cod\u0007ing'), 'catalog.groups[0].name'],
  ['group name oversized', set(`${G0}.name`, 'g'.repeat(201)), 'catalog.groups[0].name'],
  ['group unknown field', set(`${G0}.strategy`, 'priority'), 'catalog.groups[0].strategy'],
  ['member weight negative', set(`${MEM0}.weight`, -1), 'catalog.groups[0].members[0].weight'],
  ['member weight NaN', set(`${MEM0}.weight`, Number.NaN), 'catalog.groups[0].members[0].weight'],
  ['member priority non-integer', set(`${MEM0}.priority`, 0.5), 'catalog.groups[0].members[0].priority'],
  ['member of an unknown model', set(`${MEM0}.modelId`, 'nope'), 'catalog.groups[0].members[0].modelId'],
];

describe('catalog rows', () => {
  it.each(catalogCases)('router catalog: %s → VALIDATION naming the field', (_name, change, field) => {
    const error = (() => {
      try {
        new ModelRouter({ adapters: adapters(), catalog: catalogWith(change) });
      } catch (e) {
        return e;
      }
    })();
    expectFieldError(error, field);
  });

  it.each(catalogCases)('memoryStorage catalog: %s → VALIDATION naming the field', (_name, change, field) => {
    let error: unknown;
    try {
      memoryStorage({ catalog: catalogWith(change) });
    } catch (e) {
      error = e;
    }
    expectFieldError(error, field);
  });

  it('router catalog: a group naming an unknown strategy → VALIDATION at its failoverStrategy', () => {
    let error: unknown;
    try {
      new ModelRouter({
        adapters: adapters(),
        catalog: catalogWith(set(`${G0}.failoverStrategy`, 'fastest-ever')),
      });
    } catch (e) {
      error = e;
    }
    expectFieldError(error, 'catalog.groups[0].failoverStrategy');
  });

  it('baseUrl with CR/LF → VALIDATION', () => {
    let error: unknown;
    try {
      memoryStorage({
        catalog: catalogWith(set(`${P0}.baseUrl`, 'http://example.com/v1\r\nX-Injected: 1')),
      });
    } catch (e) {
      error = e;
    }
    expectFieldError(error, 'catalog.providers[0].baseUrl');
  });

  it.each([
    ['maxUsageRecords negative', { maxUsageRecords: -1 }, 'memoryStorage.maxUsageRecords'],
    ['maxUsageRecords NaN', { maxUsageRecords: Number.NaN }, 'memoryStorage.maxUsageRecords'],
    [
      'snapshot with garbage rows',
      { snapshot: { providers: 5, models: [], groups: [] } },
      'memoryStorage.snapshot.providers',
    ],
    ['clock without now()', { clock: { now: 5 } }, 'memoryStorage.clock'],
  ])('memoryStorage options: %s → VALIDATION', (_name, options, field) => {
    let error: unknown;
    try {
      memoryStorage(any(options));
    } catch (e) {
      error = e;
    }
    expectFieldError(error, field);
  });

  it('memoryStorage unknown option → VALIDATION', () => {
    let error: unknown;
    try {
      memoryStorage(any({ catalg: baseCatalog() }));
    } catch (e) {
      error = e;
    }
    expectFieldError(error, 'memoryStorage.catalg');
  });
});

// ─── A live router: requests, names, admin, HTTP — each leaves everything unchanged ───────────────

interface Env {
  router: ModelRouter;
  storage: MemoryStorage;
  a: MockProvider;
  b: MockProvider;
  usage: UsageRecord[];
}

let env: Env;

beforeAll(async () => {
  const a = mockProvider({ name: 'mockA' });
  const b = mockProvider({ name: 'mockB' });
  const storage = memoryStorage({ catalog: baseCatalog() });
  const usage: UsageRecord[] = [];
  // maxBatch 1: each usage record reaches the ledger at once, so that the ledger is settled between cases.
  const wrapped: RouterStorage = Object.assign(Object.create(null), storage, {
    usageBatching: { maxBatch: 1 },
  });
  const router = new ModelRouter({
    storage: wrapped,
    adapters: { mockA: a, mockB: b },
    clock: manualClock(),
    onUsage: (r) => void usage.push(r),
  });
  // One real request first, so that counters and ledger are not trivially empty.
  await router.complete({ model: 'coding', messages: hi });
  for (let i = 0; i < 10 && storage.usage.length === 0; i++) await new Promise((r) => setImmediate(r));
  expect(storage.usage).toHaveLength(1);
  env = { router, storage, a, b, usage };
});

afterAll(async () => {
  await env.router.close();
});

/** Everything a bad input must leave alone: catalog (as the router and admin see it), counters, ledger, calls. */
async function snapshot(e: Env): Promise<unknown> {
  return {
    resolve: await e.router.resolve('coding'),
    providers: await e.router.admin.listProviders(),
    groups: await e.router.admin.listGroups(),
    models: await e.router.admin.listModels(),
    stats: e.router.stats(),
    ledger: e.storage.usage.length,
    usage: e.usage.length,
    calls: e.a.calls.length + e.b.calls.length,
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

/** Runs a case against the live router and checks the error and that nothing changed. */
async function expectRefusedUnchanged(
  run: (e: Env) => unknown,
  field: string | RegExp,
  code = 'VALIDATION',
): Promise<void> {
  const before = await snapshot(env);
  const error = await errorOf(() => run(env));
  expectFieldError(error, field, code);
  await settle();
  expect(await snapshot(env)).toEqual(before);
}

const requestCases: Array<[name: string, request: () => unknown, field: string]> = [
  ['request null', () => null, 'request'],
  ['request a string', () => 'hi', 'request'],
  ['messages missing', () => ({ model: 'coding' }), 'request.messages'],
  ['messages empty', () => ({ model: 'coding', messages: [] }), 'request.messages'],
  ['messages not an array', () => ({ model: 'coding', messages: 'hi' }), 'request.messages'],
  [
    'message role unknown',
    () => ({ model: 'coding', messages: [{ role: 'robot', content: 'x' }] }),
    'request.messages[0].role',
  ],
  [
    'message content a number',
    () => ({ model: 'coding', messages: [{ role: 'user', content: 5 }] }),
    'request.messages[0].content',
  ],
  ['model empty', () => ({ model: '', messages: hi }), 'request.model'],
  ['model oversized', () => ({ model: 'm'.repeat(641), messages: hi }), 'request.model'],
  ['model with NUL', () => ({ model: 'cod\u0000ing', messages: hi }), 'request.model'],
  ['model with CR/LF', () => ({ model: 'coding\r\n', messages: hi }), 'request.model'],
  ['model a number', () => ({ model: 5, messages: hi }), 'request.model'],
  ['model selector returning ""', () => ({ model: () => '', messages: hi }), 'request.model'],
  ['model selector returning a number', () => ({ model: () => 5, messages: hi }), 'request.model'],
  [
    'model selector throwing',
    () => ({
      model: () => {
        throw new Error('boom');
      },
      messages: hi,
    }),
    'request.model',
  ],
  ['maxTokens negative', () => ({ model: 'coding', messages: hi, maxTokens: -1 }), 'request.maxTokens'],
  ['maxTokens 0', () => ({ model: 'coding', messages: hi, maxTokens: 0 }), 'request.maxTokens'],
  ['maxTokens non-integer', () => ({ model: 'coding', messages: hi, maxTokens: 1.5 }), 'request.maxTokens'],
  ['maxTokens NaN', () => ({ model: 'coding', messages: hi, maxTokens: Number.NaN }), 'request.maxTokens'],
  [
    'maxTokens Infinity',
    () => ({ model: 'coding', messages: hi, maxTokens: Number.POSITIVE_INFINITY }),
    'request.maxTokens',
  ],
  ['maxTokens absurd', () => ({ model: 'coding', messages: hi, maxTokens: 1e15 }), 'request.maxTokens'],
  [
    'temperature NaN',
    () => ({ model: 'coding', messages: hi, temperature: Number.NaN }),
    'request.temperature',
  ],
  [
    'temperature negative',
    () => ({ model: 'coding', messages: hi, temperature: -0.1 }),
    'request.temperature',
  ],
  ['topP above 1', () => ({ model: 'coding', messages: hi, topP: 1.5 }), 'request.topP'],
  ['stop oversized', () => ({ model: 'coding', messages: hi, stop: 's'.repeat(1001) }), 'request.stop'],
  ['user oversized', () => ({ model: 'coding', messages: hi, user: HUGE }), 'request.user'],
  [
    'metadata value a number',
    () => ({ model: 'coding', messages: hi, metadata: { team: 5 } }),
    'request.metadata.team',
  ],
  [
    'providerOptions entry not an object',
    () => ({ model: 'coding', messages: hi, providerOptions: { a: 5 } }),
    'request.providerOptions.a',
  ],
  [
    'tools entry malformed',
    () => ({ model: 'coding', messages: hi, tools: [{ type: 'function', function: { name: '' } }] }),
    'request.tools[0].function.name',
  ],
];

describe('requests', () => {
  it.each(requestCases)(
    'complete(): %s → VALIDATION naming the field; nothing changed',
    async (_name, request, field) => {
      await expectRefusedUnchanged((e) => e.router.complete(any(request())), field);
    },
  );

  it.each(requestCases)(
    'stream(): %s → the stream and its result fail with VALIDATION; nothing changed',
    async (_name, request, field) => {
      await expectRefusedUnchanged(async (e) => {
        const s = e.router.stream(any(request()));
        const iterated = await errorOf(async () => {
          for await (const _ of s) {
            // no part may arrive
            throw new Error('a part arrived for an invalid request');
          }
        });
        expectFieldError(iterated, field);
        await s.result;
      }, field);
    },
  );

  it('unknown request field → VALIDATION', async () => {
    await expectRefusedUnchanged(
      (e) => e.router.complete(any({ model: 'coding', messages: hi, max_tokens: 5 })),
      'request.max_tokens',
    );
  });
  it('__proto__ key in a request → VALIDATION', async () => {
    const request = JSON.parse(
      '{"model":"coding","messages":[{"role":"user","content":"hi"}],"__proto__":{"maxTokens":-1}}',
    );
    await expectRefusedUnchanged((e) => e.router.complete(request), 'request.__proto__');
  });

  const optionCases: Array<[name: string, options: unknown, field: string]> = [
    ['options null', null, 'options'],
    ['options a string', 'fast', 'options'],
    ['signal not an AbortSignal', { signal: 'abort' }, 'options.signal'],
    ['signal a plain object', { signal: { aborted: false } }, 'options.signal'],
    ['requestId empty', { requestId: '' }, 'options.requestId'],
    ['requestId with CR/LF', { requestId: 'req\r\nX-Injected: 1' }, 'options.requestId'],
    ['requestId oversized', { requestId: HUGE }, 'options.requestId'],
    ['requestId a number', { requestId: 42 }, 'options.requestId'],
  ];
  it.each(optionCases)(
    'complete() options: %s → VALIDATION; nothing taken',
    async (_name, options, field) => {
      await expectRefusedUnchanged(
        (e) => e.router.complete({ model: 'coding', messages: hi }, any(options)),
        field,
      );
    },
  );
  it.each(optionCases)(
    'stream() options: %s → a failed stream; nothing changed',
    async (_name, options, field) => {
      await expectRefusedUnchanged(
        (e) => e.router.stream({ model: 'coding', messages: hi }, any(options)).result,
        field,
      );
    },
  );

  it.each([
    ['resolve', (e: Env) => e.router.resolve('')],
    ['resolve with NUL', (e: Env) => e.router.resolve('cod\u0000ing')],
    ['plan oversized', (e: Env) => e.router.plan('p'.repeat(641))],
    ['plan a number', (e: Env) => e.router.plan(any(5))],
  ])('%s: a bad name → VALIDATION at model; nothing changed', async (_name, run) => {
    await expectRefusedUnchanged(run, 'model');
  });
});

// ─── Admin ─────────────────────────────────────────────────────────────────────────────────────────

type AdminCase = [name: string, run: (e: Env) => Promise<unknown>, field: string];
const adminCases: AdminCase[] = [
  [
    'createProvider: id empty',
    (e) => e.router.admin.createProvider({ id: '', adapter: 'mockA' }, admin),
    'id',
  ],
  [
    'createProvider: id oversized',
    (e) => e.router.admin.createProvider({ id: 'p'.repeat(101), adapter: 'mockA' }, admin),
    'id',
  ],
  [
    'createProvider: id with control characters',
    (e) => e.router.admin.createProvider({ id: 'p\u001b[31m', adapter: 'mockA' }, admin),
    'id',
  ],
  [
    'createProvider: unknown field',
    (e) => e.router.admin.createProvider(any({ id: 'p', adapter: 'mockA', adaptor: 'x' }), admin),
    'adaptor',
  ],
  [
    'createProvider: __proto__ key',
    (e) =>
      e.router.admin.createProvider(
        JSON.parse('{"id":"p","adapter":"mockA","__proto__":{"enabled":false}}'),
        admin,
      ),
    '__proto__',
  ],
  [
    'createProvider: ftp baseUrl',
    (e) => e.router.admin.createProvider({ id: 'p', adapter: 'mockA', baseUrl: 'ftp://h/v1' }, admin),
    'baseUrl',
  ],
  [
    'createProvider: baseUrl with credentials',
    (e) => e.router.admin.createProvider({ id: 'p', adapter: 'mockA', baseUrl: 'https://u:p@h/v1' }, admin),
    'baseUrl',
  ],
  [
    'createProvider: key secret with CR/LF',
    (e) =>
      e.router.admin.createProvider({ id: 'p', adapter: 'mockA', keys: [{ secret: 's\r\nX: 1' }] }, admin),
    'keys[0].secret',
  ],
  [
    'createProvider: key rpm NaN',
    (e) =>
      e.router.admin.createProvider(
        { id: 'p', adapter: 'mockA', keys: [{ secret: 's', rpm: Number.NaN }] },
        admin,
      ),
    'keys[0].rpm',
  ],
  [
    'createProvider: key tpm Infinity',
    (e) =>
      e.router.admin.createProvider(
        { id: 'p', adapter: 'mockA', keys: [{ secret: 's', tpm: Number.POSITIVE_INFINITY }] },
        admin,
      ),
    'keys[0].tpm',
  ],
  ['addKey: secret with LF', (e) => e.router.admin.addKey('a', { secret: 'abc\n' }, admin), 'secret'],
  [
    'addKey: maxConcurrent negative',
    (e) => e.router.admin.addKey('a', { secret: 's', maxConcurrent: -1 }, admin),
    'maxConcurrent',
  ],
  ['addKey: provider id empty', (e) => e.router.admin.addKey('', { secret: 's' }, admin), 'providerId'],
  ['updateKey: rpm non-integer', (e) => e.router.admin.updateKey('a', 'a1', { rpm: 2.5 }, admin), 'rpm'],
  ['updateKey: unknown field', (e) => e.router.admin.updateKey('a', 'a1', any({ rpms: 5 }), admin), 'rpms'],
  [
    'updateKey: secret with CR',
    (e) => e.router.admin.updateKey('a', 'a1', { secret: 'x\ry' }, admin),
    'secret',
  ],
  [
    'updateProvider: javascript baseUrl',
    (e) => e.router.admin.updateProvider('a', { baseUrl: 'javascript:alert(1)' }, admin),
    'baseUrl',
  ],
  [
    'updateProvider: __proto__ patch',
    (e) => e.router.admin.updateProvider('a', JSON.parse('{"__proto__":{"enabled":false}}'), admin),
    '__proto__',
  ],
  [
    'createModel: modelId empty',
    (e) => e.router.admin.createModel({ providerId: 'a', modelId: '' }, admin),
    'modelId',
  ],
  [
    'createModel: cost NaN',
    (e) =>
      e.router.admin.createModel({ providerId: 'a', modelId: 'm2', inputCostPerMTok: Number.NaN }, admin),
    'inputCostPerMTok',
  ],
  [
    'createModel: contextWindow negative',
    (e) => e.router.admin.createModel({ providerId: 'a', modelId: 'm2', contextWindow: -1 }, admin),
    'contextWindow',
  ],
  [
    'createModel: unknown provider',
    (e) => e.router.admin.createModel({ providerId: 'zz', modelId: 'm2' }, admin),
    'providerId',
  ],
  [
    'updateModel: maxOutputTokens Infinity',
    (e) => e.router.admin.updateModel('a/model-a', { maxOutputTokens: Number.POSITIVE_INFINITY }, admin),
    'maxOutputTokens',
  ],
  ['createGroup: name empty', (e) => e.router.admin.createGroup({ name: '' }, admin), 'name'],
  ['createGroup: name with LF', (e) => e.router.admin.createGroup({ name: 'a\nb' }, admin), 'name'],
  [
    'createGroup: name oversized',
    (e) => e.router.admin.createGroup({ name: 'g'.repeat(201) }, admin),
    'name',
  ],
  [
    'createGroup: unknown strategy',
    (e) => e.router.admin.createGroup({ name: 'g2', failoverStrategy: 'fastest-ever' }, admin),
    'failoverStrategy',
  ],
  [
    'createGroup: member of an unknown model',
    (e) => e.router.admin.createGroup({ name: 'g2', members: [{ providerId: 'a', modelId: 'nope' }] }, admin),
    'members[0].modelId',
  ],
  [
    'createGroup: member weight NaN',
    (e) =>
      e.router.admin.createGroup(
        { name: 'g2', members: [{ providerId: 'a', modelId: 'model-a', weight: Number.NaN }] },
        admin,
      ),
    'members[0].weight',
  ],
  [
    'createGroup: member priority non-integer',
    (e) =>
      e.router.admin.createGroup(
        { name: 'g2', members: [{ providerId: 'a', modelId: 'model-a', priority: 0.5 }] },
        admin,
      ),
    'members[0].priority',
  ],
  [
    'createGroup: member unknown field',
    (e) =>
      e.router.admin.createGroup(
        { name: 'g2', members: [any({ providerId: 'a', modelId: 'model-a', prio: 1 })] },
        admin,
      ),
    'members[0].prio',
  ],
  [
    'updateGroup: name with NUL',
    (e) => e.router.admin.updateGroup('coding', { name: 'x\u0000' }, admin),
    'name',
  ],
  [
    'updateGroup: id oversized',
    (e) => e.router.admin.updateGroup('g'.repeat(201), { enabled: false }, admin),
    'id',
  ],
  [
    'addGroupMember: weight Infinity',
    (e) =>
      e.router.admin.addGroupMember(
        'coding',
        { providerId: 'a', modelId: 'model-a', weight: Number.POSITIVE_INFINITY },
        admin,
      ),
    'weight',
  ],
  ['getGroup: empty name', (e) => e.router.admin.getGroup(''), 'idOrName'],
  ['getModel: a number', (e) => e.router.admin.getModel(any(5)), 'idOrRef'],
  ['deleteProvider: an object id', (e) => e.router.admin.deleteProvider(any({}), admin), 'id'],
];

describe('admin', () => {
  it.each(adminCases)(
    '%s → VALIDATION naming the field; catalog, counters and ledger unchanged',
    async (_name, run, field) => {
      await expectRefusedUnchanged(run, field);
    },
  );

  it('a non-admin write with bad input → FORBIDDEN first (validation never reveals anything to it)', async () => {
    await expectRefusedUnchanged(
      (e) => e.router.admin.createProvider({ id: '', adapter: '' }, { actor: { role: 'viewer' } }),
      /.*/,
      'FORBIDDEN',
    );
  });
});

// ─── HTTP bodies (model-router/http) ───────────────────────────────────────────────────────────────

describe('HTTP bodies', () => {
  const post = (body: BodyInit, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    new Request('http://relay.test/v1/chat/completions', { method: 'POST', body, headers });
  const json = (v: unknown) => post(JSON.stringify(v));

  const relayCases: Array<[name: string, request: () => Request, status: number, param: string | null]> = [
    ['not JSON', () => post('{"model": "coding", "messages": ['), 400, 'body'],
    ['empty body', () => post(''), 400, 'body'],
    ['invalid UTF-8', () => post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 400, 'body'],
    [
      'oversized body',
      () => post(`{"model":"coding","messages":[{"role":"user","content":"${'x'.repeat(4096)}"}]}`),
      413,
      null,
    ],
    ['not application/json', () => post('{}', { 'content-type': 'text/plain' }), 415, null],
    ['messages missing', () => json({ model: 'coding' }), 400, 'messages'],
    [
      'message role unknown',
      () => json({ model: 'coding', messages: [{ role: 'robot', content: 'x' }] }),
      400,
      'messages[0].role',
    ],
    ['model with NUL', () => json({ model: 'cod\u0000ing', messages: hi }), 400, 'model'],
    ['model oversized', () => json({ model: 'm'.repeat(501), messages: hi }), 400, 'model'],
    ['max_tokens negative', () => json({ model: 'coding', messages: hi, max_tokens: -1 }), 400, 'max_tokens'],
    [
      'max_tokens non-integer',
      () => json({ model: 'coding', messages: hi, max_tokens: 1.5 }),
      400,
      'max_tokens',
    ],
    [
      'temperature Infinity (1e400)',
      () => post('{"model":"coding","messages":[{"role":"user","content":"hi"}],"temperature":1e400}'),
      400,
      'temperature',
    ],
    ['n other than 1', () => json({ model: 'coding', messages: hi, n: 3 }), 400, 'n'],
    [
      '__proto__ in place of model',
      () => post('{"__proto__":{"model":"coding"},"messages":[{"role":"user","content":"hi"}]}'),
      400,
      'model',
    ],
  ];

  it.each(relayCases)(
    'relay: %s → %i with a param naming the field; nothing changed',
    async (_name, request, status, param) => {
      const handler = createRelayHandler(env.router, { maxBodyBytes: 2048 });
      const before = await snapshot(env);
      const res = await handler(request());
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: { code: string; param: string | null } };
      if (status === 400) expect(body.error.code).toBe('VALIDATION');
      if (param !== null) expect(body.error.param).toBe(param);
      await settle();
      expect(await snapshot(env)).toEqual(before);
    },
  );

  it.each([
    [
      'createProvider: secret with CR/LF',
      'POST',
      '/providers',
      { id: 'p', adapter: 'mockA', keys: [{ secret: 's\r\nX: 1' }] },
      'keys[0].secret',
    ],
    [
      'createProvider: baseUrl with credentials',
      'POST',
      '/providers',
      { id: 'p', adapter: 'mockA', baseUrl: 'https://u:p@h' },
      'baseUrl',
    ],
    ['createGroup: name with control characters', 'POST', '/model-groups', { name: 'g\u0007' }, 'name'],
    ['updateKey: rpm negative', 'PATCH', '/providers/a/keys/a1', { rpm: -5 }, 'rpm'],
    [
      'createModel: unknown field',
      'POST',
      '/models',
      { providerId: 'a', modelId: 'm2', context: 5 },
      'context',
    ],
  ] as const)(
    'admin handler: %s → 400 naming the field; nothing changed',
    async (_name, method, path, body, param) => {
      const handler = createAdminHandler(env.router, { authenticate: () => ({ role: 'admin' }) });
      const before = await snapshot(env);
      const res = await handler(
        new Request(`http://admin.test${path}`, {
          method,
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
        }),
      );
      expect(res.status).toBe(400);
      const out = (await res.json()) as {
        error: { code: string; param: string | null; details?: { field?: string } };
      };
      expect(out.error.code).toBe('VALIDATION');
      expect(out.error.param ?? out.error.details?.field).toBe(param);
      await settle();
      expect(await snapshot(env)).toEqual(before);
    },
  );
});

// ─── Provider responses (msw + the real adapters) ──────────────────────────────────────────────────

describe('provider garbage (msw, real adapters)', () => {
  const OPENAI = 'https://api.openai.test/v1';
  const ANTHROPIC = 'https://api.anthropic.test/v1';
  const LIMITS = { maxBodyBytes: 4096, maxLineBytes: 1024, maxEventBytes: 2048 };
  const server = useServer();
  type Reply = () => Response;

  /** A router whose group `chat` tries openai (keys oa1, oa2) first, then anthropic. */
  function providerEnv(
    openai: Reply[],
    anth: Reply[] = [() => replay(exchange('anthropic', 'message-plain'))],
  ) {
    const clock = manualClock(1_750_000_000_000);
    const usage: UsageRecord[] = [];
    const cooldowns: Array<{ keyId: string; ms: number }> = [];
    const keysSeen: string[] = [];
    server.use(
      http.post(`${OPENAI}/chat/completions`, ({ request }) => {
        keysSeen.push(request.headers.get('authorization') ?? '');
        return (openai.length > 1 ? openai.shift()! : openai[0]!)();
      }),
      http.post(`${ANTHROPIC}/messages`, () => (anth.length > 1 ? anth.shift()! : anth[0]!)()),
    );
    const router = new ModelRouter({
      clock,
      onUsage: (r) => void usage.push(r),
      catalog: {
        providers: [
          {
            id: 'openai',
            adapter: 'openai',
            keys: [
              { id: 'oa1', secret: 'test-key-oa1' },
              { id: 'oa2', secret: 'test-key-oa2' },
            ],
          },
          {
            id: 'anthropic',
            adapter: 'anthropic',
            baseUrl: ANTHROPIC,
            keys: [{ id: 'an1', secret: 'test-key-an1' }],
          },
        ],
        models: [
          { providerId: 'openai', modelId: 'gpt-x' },
          { providerId: 'anthropic', modelId: 'claude-x' },
        ],
        groups: [
          {
            name: 'chat',
            failoverStrategy: 'priority',
            members: [
              { providerId: 'openai', modelId: 'gpt-x', priority: 0 },
              { providerId: 'anthropic', modelId: 'claude-x', priority: 1 },
            ],
          },
        ],
      },
      adapters: {
        openai: openaiCompatible({ baseURL: OPENAI, limits: LIMITS }),
        anthropic: anthropic({ limits: LIMITS }),
      },
    });
    router.on('cooldown', (c) => void cooldowns.push({ keyId: c.keyId, ms: c.until - clock.now() }));
    return { router, usage, cooldowns, keysSeen };
  }

  const text = (body: string, init: ResponseInit = {}) => new Response(body, init);
  const jsonReply = (body: unknown, init: ResponseInit = {}) =>
    new Response(JSON.stringify(body), {
      ...init,
      headers: { 'content-type': 'application/json', ...init.headers },
    });
  const chatWithUsage = (usage: unknown) => () =>
    jsonReply({
      id: 'c',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hello there' }, finish_reason: 'stop' }],
      usage,
    });
  const sse = (body: string) => () => sseResponse(body);
  const rateLimited = (headers: Record<string, string>) => () =>
    jsonReply({ error: { message: 'Rate limit reached', type: 'requests' } }, { status: 429, headers });

  function expectSaneUsage(records: UsageRecord[]): void {
    for (const r of records) {
      for (const n of [r.promptTokens, r.completionTokens, r.totalTokens]) {
        expect(Number.isInteger(n) && n >= 0, `${r.status} record has token count ${n}`).toBe(true);
      }
      expect(r.totalTokens).toBe(r.promptTokens + r.completionTokens);
    }
  }

  const failoverCases: Array<[name: string, stream: boolean, reply: Reply, kind: string]> = [
    [
      '200 with an HTML body',
      false,
      () => text('<html>502 Bad Gateway</html>', { headers: { 'content-type': 'text/html' } }),
      'protocol',
    ],
    [
      '200 with truncated JSON',
      false,
      () =>
        text('{"id":"c","choices":[{"index":0,"mess', { headers: { 'content-type': 'application/json' } }),
      'protocol',
    ],
    ['200 with a JSON array', false, () => jsonReply([1, 2, 3]), 'protocol'],
    ['200 without choices', false, () => jsonReply({ id: 'c', object: 'chat.completion' }), 'protocol'],
    [
      '200 with a body over maxBodyBytes (chunked)',
      false,
      () =>
        sseResponse(JSON.stringify({ id: 'x'.repeat(10_000) }), {
          headers: { 'content-type': 'application/json' },
        }),
      'protocol',
    ],
    [
      '200 with content-length over maxBodyBytes',
      false,
      () => text('{}', { headers: { 'content-type': 'application/json', 'content-length': '999999999' } }),
      'protocol',
    ],
    ['500 with a non-JSON body', false, () => text('oops', { status: 500 }), 'server'],
    ['500 with a 100 kB body', false, () => text('e'.repeat(100_000), { status: 500 }), 'server'],
    [
      '529 with garbage JSON',
      false,
      () => text('{"error":', { status: 529, headers: { 'content-type': 'application/json' } }),
      'overloaded',
    ],
    ['stream: malformed JSON event', true, sse('data: {"choices":[{"delta":{"content":"hi"\n\n'), 'protocol'],
    ['stream: a line over maxLineBytes', true, sse(`data: ${'x'.repeat(5000)}\n\n`), 'protocol'],
    [
      'stream: an error event before content',
      true,
      sse('data: {"error":{"message":"boom","type":"server_error"}}\n\n'),
      'server',
    ],
    ['stream: a JSON body where SSE was asked', true, () => jsonReply({ unexpected: true }), 'protocol'],
  ];

  it.each(failoverCases)(
    '%s → kind %s, failover to the next provider, usage sane, nothing held',
    async (_name, stream, reply, kind) => {
      const { router, usage } = providerEnv(
        [reply],
        [
          stream
            ? sse(sseFixture('anthropic', 'stream-text'))
            : () => replay(exchange('anthropic', 'message-plain')),
        ],
      );
      const request = { model: 'chat', messages: hi };
      const result = stream
        ? await (async () => {
            const s = router.stream(request);
            for await (const _ of s) {
              // drain
            }
            return s.result;
          })()
        : await router.complete(request);
      expect(result.model.providerId).toBe('anthropic');
      expect(result.attempts.map((a) => [a.providerId, a.status, a.errorKind])).toEqual([
        ['openai', 'error', kind],
        ['anthropic', 'success', undefined],
      ]);
      expect(usage.map((u) => u.errorCode)).toEqual([kind, undefined]);
      expectSaneUsage(usage);
      expectReleased(router);
      await router.close();
    },
  );

  const retryAfterCases: Array<[name: string, headers: Record<string, string>, cooldownMs: number]> = [
    ['Retry-After garbage', { 'retry-after': 'soon, maybe' }, 30_000],
    ['Retry-After negative', { 'retry-after': '-5' }, 1_000],
    ['Retry-After absurdly large', { 'retry-after': '999999999999' }, 600_000],
    ['retry-after-ms NaN', { 'retry-after-ms': 'NaN' }, 30_000],
    ['Retry-After an HTTP date in the past', { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }, 1_000],
    [
      'Retry-After with a garbage reset header',
      { 'retry-after': '1e400', 'x-ratelimit-reset-requests': '-7q', 'x-ratelimit-remaining-requests': '0' },
      30_000,
    ],
  ];

  it.each(retryAfterCases)(
    '429 with %s → rate_limited, a clamped finite cooldown, next key',
    async (_name, headers, cooldownMs) => {
      const { router, usage, cooldowns, keysSeen } = providerEnv([
        rateLimited(headers),
        () => replay(exchange('openai', 'chat-plain')),
      ]);
      const result = await router.complete({ model: 'chat', messages: hi });
      expect(result.model.providerId).toBe('openai');
      expect(keysSeen).toEqual(['Bearer test-key-oa1', 'Bearer test-key-oa2']);
      expect(usage.map((u) => [u.keyId, u.errorCode])).toEqual([
        ['oa1', 'rate_limited'],
        ['oa2', undefined],
      ]);
      expect(cooldowns).toHaveLength(1);
      expect(Number.isFinite(cooldowns[0]!.ms)).toBe(true);
      // Clamped to [cooldown.minMs 1 s, cooldown.maxMs 10 min]; garbage → cooldown.defaultMs (30 s).
      // (The garbage reset header is ignored; `1e400` seconds is Infinity, which must not become the cooldown.)
      expect(cooldowns[0]!.ms).toBe(cooldownMs);
      expectSaneUsage(usage);
      expectReleased(router);
      await router.close();
    },
  );

  const usageCases: Array<[name: string, stream: boolean, reply: Reply]> = [
    ['negative usage', false, chatWithUsage({ prompt_tokens: -5, completion_tokens: -1, total_tokens: -6 })],
    [
      '"NaN" and 1e400 usage',
      false,
      () =>
        text(
          '{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"hello there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":"NaN","completion_tokens":1e400,"total_tokens":null}}',
          { headers: { 'content-type': 'application/json' } },
        ),
    ],
    [
      'inconsistent usage (total below prompt)',
      false,
      chatWithUsage({ prompt_tokens: 12, completion_tokens: 'x', total_tokens: 5 }),
    ],
    [
      'non-integer usage',
      false,
      chatWithUsage({ prompt_tokens: 3.7, completion_tokens: 2.2, total_tokens: 5.9 }),
    ],
    ['usage an array', false, chatWithUsage([1, 2])],
    [
      'stream usage garbage',
      true,
      sse(
        'data: {"id":"c","choices":[{"index":0,"delta":{"content":"hello"},"finish_reason":null}]}\n\n' +
          'data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' +
          'data: {"id":"c","choices":[],"usage":{"prompt_tokens":-1,"completion_tokens":"many","total_tokens":-9}}\n\n' +
          'data: [DONE]\n\n',
      ),
    ],
  ];

  it.each(usageCases)(
    '%s → success with finite, non-negative, whole token counts',
    async (_name, stream, reply) => {
      const { router, usage } = providerEnv([reply]);
      const request = { model: 'chat', messages: hi };
      const result = stream
        ? await (async () => {
            const s = router.stream(request);
            for await (const _ of s) {
              // drain
            }
            return s.result;
          })()
        : await router.complete(request);
      expect(result.model.providerId).toBe('openai');
      expect(usage).toHaveLength(1);
      expectSaneUsage(usage);
      expectSaneUsage([{ ...usage[0]!, ...result.usage }]);
      expect(usage[0]).toMatchObject({
        promptTokens: result.usage.promptTokens,
        completionTokens: result.usage.completionTokens,
      });
      expectReleased(router);
      await router.close();
    },
  );

  it('anthropic: garbage usage → sane counts; a malformed event stream → protocol', async () => {
    const { router, usage } = providerEnv(
      [() => replay(exchange('openai', 'chat-plain'))],
      [
        () =>
          jsonReply({
            id: 'msg',
            type: 'message',
            role: 'assistant',
            content: [{ type: 'text', text: 'hi there' }],
            stop_reason: 'end_turn',
            usage: { input_tokens: -3, output_tokens: 'lots' },
          }),
        sse(
          'event: message_start\ndata: {"type":"message_start","message":{"id":"m","usage":{"input_tokens":1e400}}\n\n',
        ),
      ],
    );
    const ok = await router.complete({ model: 'anthropic/claude-x', messages: hi });
    expect(ok.model.providerId).toBe('anthropic');
    const s = router.stream({ model: 'anthropic/claude-x', messages: hi });
    const error = await errorOf(async () => {
      for await (const _ of s) {
        // drain
      }
    });
    expectFieldError(error, /.*/, 'ALL_CANDIDATES_FAILED');
    expect((error as RouterError).attempts?.map((a) => a.errorKind)).toEqual(['protocol']);
    expectSaneUsage(usage);
    expectReleased(router);
    await router.close();
  });
});
