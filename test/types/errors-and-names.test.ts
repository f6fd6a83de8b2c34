import { createRelayHandler } from 'model-router/http';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type AttemptSummary,
  type BuiltinStrategyName,
  type GroupInput,
  ModelRouter,
  type ModelRouterOptions,
  ProviderError,
  type ProviderErrorKind,
  RouterError,
  type RouterErrorCode,
  type SkippedCandidateDetail,
  type StrategyName,
  type UsageRecord,
  type ValidationIssue,
} from '../../src/index.js';
import { mockProvider } from '../../src/testing/index.js';

describe('names that autocomplete', () => {
  it('strategy names: the built-in ones, and any registered name', () => {
    expectTypeOf<BuiltinStrategyName>().toMatchTypeOf<StrategyName>();
    expectTypeOf<'my_strategy'>().toMatchTypeOf<StrategyName>();
    expectTypeOf<ModelRouterOptions['defaultStrategy']>().toEqualTypeOf<StrategyName | undefined>();
    expectTypeOf<'quota_aware'>().toMatchTypeOf<NonNullable<GroupInput['failoverStrategy']>>();
  });

  it('attempts and usage records use the code and kind unions', () => {
    expectTypeOf<AttemptSummary['errorCode']>().toEqualTypeOf<RouterErrorCode | undefined>();
    expectTypeOf<AttemptSummary['errorKind']>().toEqualTypeOf<ProviderErrorKind | undefined>();
    expectTypeOf<UsageRecord['errorCode']>().toEqualTypeOf<ProviderErrorKind | RouterErrorCode | undefined>();
  });
});

describe('RouterError', () => {
  it('types details per code, narrowed by isInstance(e, code)', () => {
    const e: unknown = new RouterError('UNKNOWN_MODEL', 'x', { details: { model: 'm', suggestions: ['a'] } });
    if (RouterError.isInstance(e, 'UNKNOWN_MODEL')) {
      expectTypeOf(e.code).toEqualTypeOf<'UNKNOWN_MODEL'>();
      expectTypeOf(e.details.suggestions).toEqualTypeOf<string[] | undefined>();
      expectTypeOf(e.status).toEqualTypeOf<number>();
    }
    expectTypeOf<RouterError<'VALIDATION'>['details']['issues']>().toEqualTypeOf<
      ValidationIssue[] | undefined
    >();
    expectTypeOf<RouterError<'ALL_CANDIDATES_FAILED'>['details']['skipped']>().toEqualTypeOf<
      SkippedCandidateDetail[] | undefined
    >();
    expectTypeOf<RouterError<'NOT_FOUND'>['details']['entity']>().toEqualTypeOf<string | undefined>();
    // A ProviderError's `status` stays the upstream's, which may be absent (a network failure).
    expectTypeOf<ProviderError['status']>().toEqualTypeOf<number | undefined>();
    expect(RouterError.isInstance(e, 'UNKNOWN_MODEL')).toBe(true);
    expect(RouterError.isInstance(e, 'NOT_FOUND')).toBe(false);
    expect(RouterError.isInstance(e)).toBe(true);
  });

  it('status is what the relay answers, and stays out of JSON and inspect', async () => {
    const mock = mockProvider({
      script: [{ error: { status: 429, kind: 'rate_limited', retryAfterMs: 1_000 } }],
    });
    const router = new ModelRouter({
      catalog: {
        providers: [{ id: 'p', adapter: 'mock', keys: [{ id: 'k', secret: 's' }] }],
        models: [{ providerId: 'p', modelId: 'm' }],
        groups: [{ name: 'g', members: [{ providerId: 'p', modelId: 'm' }] }],
      },
      adapters: { mock },
      maxAttempts: 1,
    });
    const relay = createRelayHandler(router);
    const ask = async (model: string) => {
      const thrown = await router.complete({ model, messages: [{ role: 'user', content: 'hi' }] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      mock.push({ error: { status: 429, kind: 'rate_limited', retryAfterMs: 1_000 } });
      const res = await relay(
        new Request('http://relay.test/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
        }),
      );
      return { thrown, httpStatus: res.status };
    };
    try {
      const unknown = await ask('nope');
      expect(RouterError.isInstance(unknown.thrown, 'UNKNOWN_MODEL')).toBe(true);
      expect((unknown.thrown as RouterError).status).toBe(404);
      expect(unknown.httpStatus).toBe(404);

      // Every attempt rate limited: ALL_CANDIDATES_FAILED or QUOTA_EXHAUSTED, 429 both ways.
      const limited = await ask('g');
      const err = limited.thrown as RouterError;
      expect(err.status).toBe(429);
      expect(limited.httpStatus).toBe(err.status);
      expect(Object.keys(err)).not.toContain('status');
      expect(JSON.parse(JSON.stringify(err))).not.toHaveProperty('status');
    } finally {
      await router.close();
    }
  });

  it('a ProviderError keeps the upstream status', () => {
    const e = new ProviderError({ message: 'bad', kind: 'bad_request', status: 422 });
    expect(e.status).toBe(422);
  });
});
