import { describe, expect, it } from 'vitest';
import type { CatalogInput } from '../../src/catalog/inputs.js';
import { type ChatRequest, ModelRouter, type ModelRouterOptions } from '../../src/index.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { callCount, rejectsWith, setup, throwsWith, twoProviderCatalog } from './helpers.js';

const adapters = { mockA: mockProvider(), mockB: mockProvider() };

/** twoProviderCatalog with one change applied to a deep copy. */
function catalogWith(change: (c: CatalogInput & Record<string, never[]>) => void): CatalogInput {
  const c = structuredClone(twoProviderCatalog()) as CatalogInput & Record<string, never[]>;
  change(c);
  return c;
}

const build = (options: Partial<ModelRouterOptions>) => () => new ModelRouter({ adapters, ...options });

describe('invalid options → VALIDATION naming the field', () => {
  const cases: Array<[string, Partial<ModelRouterOptions>, string]> = [
    [
      'negative rpm',
      { catalog: catalogWith((c) => ((c.providers![0]!.keys![0] as { rpm?: number }).rpm = -1)) },
      'catalog.providers[0].keys[0].rpm',
    ],
    [
      'non-integer rpm',
      { catalog: catalogWith((c) => ((c.providers![0]!.keys![1] as { rpm?: number }).rpm = 1.5)) },
      'catalog.providers[0].keys[1].rpm',
    ],
    [
      'negative tpm',
      { catalog: catalogWith((c) => ((c.providers![1]!.keys![0] as { tpm?: number }).tpm = -100)) },
      'catalog.providers[1].keys[0].tpm',
    ],
    [
      'zero maxConcurrent',
      {
        catalog: catalogWith(
          (c) => ((c.providers![1]!.keys![0] as { maxConcurrent?: number }).maxConcurrent = 0),
        ),
      },
      'catalog.providers[1].keys[0].maxConcurrent',
    ],
    [
      'duplicate provider id',
      { catalog: catalogWith((c) => (c.providers![1]!.id = 'a')) },
      'catalog.providers[1].id',
    ],
    [
      'duplicate key id',
      { catalog: catalogWith((c) => ((c.providers![0]!.keys![1] as { id?: string }).id = 'a1')) },
      'catalog.providers[0].keys[1].id',
    ],
    [
      'duplicate group name',
      { catalog: catalogWith((c) => c.groups!.push({ name: 'coding' } as never)) },
      'catalog.groups[1].name',
    ],
    [
      'duplicate model',
      { catalog: catalogWith((c) => c.models!.push({ providerId: 'a', modelId: 'model-a' } as never)) },
      'catalog.models[2].modelId',
    ],
    [
      'a model of an unknown provider',
      { catalog: catalogWith((c) => c.models!.push({ providerId: 'zz', modelId: 'm' } as never)) },
      'catalog.models[2].providerId',
    ],
    [
      'a member naming an unknown model',
      { catalog: catalogWith((c) => (c.groups![0]!.members![1]!.modelId = 'model-zz')) },
      'catalog.groups[0].members[1].modelId',
    ],
    [
      'an unknown group failoverStrategy',
      { catalog: catalogWith((c) => (c.groups![0]!.failoverStrategy = 'quickest')) },
      'catalog.groups[0].failoverStrategy',
    ],
    [
      'a base URL with credentials',
      { catalog: catalogWith((c) => (c.providers![0]!.baseUrl = 'https://user:pw@api.example.com/v1')) },
      'catalog.providers[0].baseUrl',
    ],
    [
      'a base URL that is not http(s)',
      { catalog: catalogWith((c) => (c.providers![0]!.baseUrl = 'file:///etc/passwd')) },
      'catalog.providers[0].baseUrl',
    ],
    [
      'a secret with CR/LF',
      {
        catalog: catalogWith(
          (c) => ((c.providers![0]!.keys![0] as { secret: string }).secret = 'sk-1\r\nX-Evil: 1'),
        ),
      },
      'catalog.providers[0].keys[0].secret',
    ],
    [
      'an unknown key field (typo)',
      {
        catalog: catalogWith(
          (c) => ((c.providers![0]!.keys![0] as unknown as Record<string, unknown>).rpmLimit = 5),
        ),
      },
      'catalog.providers[0].keys[0].rpmLimit',
    ],
    ['attemptMs 0', { timeouts: { attemptMs: 0 } }, 'options.timeouts.attemptMs'],
    ['totalMs negative', { timeouts: { totalMs: -5 } }, 'options.timeouts.totalMs'],
    ['totalMs beyond 2^31 − 1', { timeouts: { totalMs: 2 ** 31 } }, 'options.timeouts.totalMs'],
    [
      'firstChunkMs Infinity',
      { timeouts: { firstChunkMs: Number.POSITIVE_INFINITY } },
      'options.timeouts.firstChunkMs',
    ],
    ['idleMs NaN', { timeouts: { idleMs: Number.NaN } }, 'options.timeouts.idleMs'],
    ['queueWaitMs negative', { timeouts: { queueWaitMs: -1 } }, 'options.timeouts.queueWaitMs'],
    ['a misspelled timeout', { timeouts: { attemptTimeout: 5 } as never }, 'options.timeouts.attemptTimeout'],
    ['an unknown defaultStrategy', { defaultStrategy: 'quickest' }, 'options.defaultStrategy'],
    ['cooldown.minMs > maxMs', { cooldown: { minMs: 10_000, maxMs: 5_000 } }, 'options.cooldown.minMs'],
    ['maxAttempts 0', { maxAttempts: 0 }, 'options.maxAttempts'],
    ['maxAttempts 2.5', { maxAttempts: 2.5 }, 'options.maxAttempts'],
    ['retryBudget.ratio negative', { retryBudget: { ratio: -1 } }, 'options.retryBudget.ratio'],
    [
      'circuitBreaker.failureThreshold 0',
      { circuitBreaker: { failureThreshold: 0 } },
      'options.circuitBreaker.failureThreshold',
    ],
    [
      'an adapter without complete()',
      { adapters: { mockA: { name: 'x' } as never } },
      'options.adapters.mockA',
    ],
    ['onUsage not a function', { onUsage: 'log' as never }, 'options.onUsage'],
    ['defaultModel empty', { defaultModel: '' }, 'options.defaultModel'],
  ];

  it.each(cases)('%s', (_what, options, field) => {
    const err = throwsWith(build(options), 'VALIDATION');
    expect(err.details.field).toBe(field);
    expect(err.message).toContain(field);
  });

  it('no adapters at all', () => {
    const err = throwsWith(() => new ModelRouter({} as ModelRouterOptions), 'VALIDATION');
    expect(err.details.field).toBe('options.adapters');
    throwsWith(() => new ModelRouter(undefined as never), 'VALIDATION');
  });

  it('the edges that are valid: 2^31 − 1 ms, queueWaitMs 0, cooldown.minMs = maxMs', () => {
    expect(
      build({
        timeouts: { totalMs: 2 ** 31 - 1, queueWaitMs: 0 },
        cooldown: { minMs: 5_000, maxMs: 5_000 },
        catalog: twoProviderCatalog(),
      }),
    ).not.toThrow();
  });

  it('a custom strategy makes its name valid for groups and as default', () => {
    const catalog = catalogWith((c) => (c.groups![0]!.failoverStrategy = 'mine'));
    expect(build({ catalog, strategies: { mine: (x) => [...x] }, defaultStrategy: 'mine' })).not.toThrow();
  });
});

describe('invalid requests → VALIDATION, and nothing happens', () => {
  const cases: Array<[string, unknown, string]> = [
    ['empty messages', { model: 'coding', messages: [] }, 'request.messages'],
    ['messages missing', { model: 'coding' }, 'request.messages'],
    [
      'a bad role',
      { model: 'coding', messages: [{ role: 'wizard', content: 'hi' }] },
      'request.messages[0].role',
    ],
    [
      'content not text',
      { model: 'coding', messages: [{ role: 'user', content: 42 }] },
      'request.messages[0].content',
    ],
    [
      'NaN temperature',
      { model: 'coding', messages: [{ role: 'user', content: 'hi' }], temperature: Number.NaN },
      'request.temperature',
    ],
    [
      'negative maxTokens',
      { model: 'coding', messages: [{ role: 'user', content: 'hi' }], maxTokens: -1 },
      'request.maxTokens',
    ],
    [
      'fractional maxTokens',
      { model: 'coding', messages: [{ role: 'user', content: 'hi' }], maxTokens: 1.5 },
      'request.maxTokens',
    ],
    [
      'topP above 1',
      { model: 'coding', messages: [{ role: 'user', content: 'hi' }], topP: 1.5 },
      'request.topP',
    ],
    ['an empty model name', { model: '', messages: [{ role: 'user', content: 'hi' }] }, 'request.model'],
    [
      'a model name with a control character',
      { model: 'cod\ning', messages: [{ role: 'user', content: 'hi' }] },
      'request.model',
    ],
    [
      'a model name with NUL',
      { model: 'coding\u0000', messages: [{ role: 'user', content: 'hi' }] },
      'request.model',
    ],
    [
      'a model function returning ""',
      { model: () => '', messages: [{ role: 'user', content: 'hi' }] },
      'request.model',
    ],
    [
      'a model function returning a number',
      { model: async () => 7, messages: [{ role: 'user', content: 'hi' }] },
      'request.model',
    ],
    // Text-only requests are checked without the schema: each bound of that check is a case.
    [
      'a model name of 641 characters',
      { model: 'm'.repeat(641), messages: [{ role: 'user', content: 'hi' }] },
      'request.model',
    ],
    [
      'a text of 10,000,001 characters',
      { model: 'coding', messages: [{ role: 'user', content: 'x'.repeat(10_000_001) }] },
      'request.messages[0].content',
    ],
    ['a null message', { model: 'coding', messages: [null] }, 'request.messages[0]'],
    [
      'a user name that is not text',
      { model: 'coding', messages: [{ role: 'user', content: 'hi', name: 42 }] },
      'request.messages[0].name',
    ],
    [
      'a system cacheControl of an unknown type',
      {
        model: 'coding',
        messages: [
          { role: 'system', content: 'be brief', cacheControl: { type: 'forever' } },
          { role: 'user', content: 'hi' },
        ],
      },
      'request.messages[0].cacheControl.type',
    ],
    [
      'assistant toolCalls that are not a list',
      {
        model: 'coding',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'ok', toolCalls: 'all' },
        ],
      },
      'request.messages[1].toolCalls',
    ],
    [
      'a tool message without toolCallId',
      { model: 'coding', messages: [{ role: 'tool', content: 'result' }] },
      'request.messages[0].toolCallId',
    ],
    [
      'temperature above 10',
      { model: 'coding', messages: [{ role: 'user', content: 'hi' }], temperature: 10.5 },
      'request.temperature',
    ],
    [
      'maxTokens of 0',
      { model: 'coding', messages: [{ role: 'user', content: 'hi' }], maxTokens: 0 },
      'request.maxTokens',
    ],
    [
      'a maxCostUsd of 0',
      { model: 'coding', messages: [{ role: 'user', content: 'hi' }], maxCostUsd: 0 },
      'request.maxCostUsd',
    ],
    [
      'an infinite maxCostUsd',
      { model: 'coding', messages: [{ role: 'user', content: 'hi' }], maxCostUsd: Number.POSITIVE_INFINITY },
      'request.maxCostUsd',
    ],
    [
      'an empty affinityKey',
      { model: 'coding', messages: [{ role: 'user', content: 'hi' }], affinityKey: '' },
      'request.affinityKey',
    ],
    [
      'a user of 501 characters',
      { model: 'coding', messages: [{ role: 'user', content: 'hi' }], user: 'u'.repeat(501) },
      'request.user',
    ],
    [
      'a tag with a space',
      { model: 'coding', messages: [{ role: 'user', content: 'hi' }], tags: ['eu west'] },
      'request.tags[0]',
    ],
    [
      'a tag list with a hole',
      {
        model: 'coding',
        messages: [{ role: 'user', content: 'hi' }],
        tags: Object.assign(['eu'], { 2: 'zdr' }),
      },
      'request.tags[1]',
    ],
    [
      '65 tags',
      {
        model: 'coding',
        messages: [{ role: 'user', content: 'hi' }],
        tags: Array.from({ length: 65 }, (_, i) => `t${i}`),
      },
      'request.tags',
    ],
    [
      'an unknown field set to undefined',
      { model: 'coding', messages: [{ role: 'user', content: 'hi' }], temprature: undefined },
      'request.temprature',
    ],
    [
      '100,001 messages',
      { model: 'coding', messages: Array.from({ length: 100_001 }, () => ({ role: 'user', content: 'hi' })) },
      'request.messages',
    ],
    [
      'a wire body of an unknown format',
      { model: 'coding', messages: [{ role: 'user', content: 'hi' }], wire: { format: 'xml', body: {} } },
      'request.wire.format',
    ],
    [
      'a wire body that is an array',
      {
        model: 'coding',
        messages: [{ role: 'user', content: 'hi' }],
        wire: { format: 'openai-chat', body: [] },
      },
      'request.wire.body',
    ],
    [
      'a wire body with a bad header',
      {
        model: 'coding',
        messages: [{ role: 'user', content: 'hi' }],
        wire: { format: 'openai-chat', body: {}, headers: { 'anthropic-beta': 1 } },
      },
      'request.wire.headers.anthropic-beta',
    ],
  ];

  it.each(cases)('%s', async (_what, request, field) => {
    const { router, a, b, usage } = setup();
    await router.ready();
    const before = router.stats();
    const seen: string[] = [];
    for (const e of ['request', 'attempt', 'usage'] as const) router.on(e, () => void seen.push(e));
    const err = await rejectsWith(router.complete(request as ChatRequest), 'VALIDATION');
    expect(err.details.field).toBe(field);
    expect(callCount(a, b)).toBe(0);
    expect(usage).toHaveLength(0);
    expect(seen).toEqual([]);
    expect(router.stats()).toEqual(before);
  });

  it('a request that is not an object', async () => {
    const { router, a } = setup();
    const err = await rejectsWith(router.complete(null as never), 'VALIDATION');
    expect(err.details.field).toBe('request');
    expect(a.calls).toHaveLength(0);
  });

  it('resolve() and plan() refuse bad names the same way', async () => {
    const { router } = setup();
    expect((await rejectsWith(router.resolve(''), 'VALIDATION')).details.field).toBe('model');
    expect((await rejectsWith(router.plan('a\tb'), 'VALIDATION')).details.field).toBe('model');
  });
});
