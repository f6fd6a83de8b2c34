import { describe, expectTypeOf, it } from 'vitest';
import {
  type ChatRequest,
  type CompletionResult,
  type EmbeddingResult,
  ModelRouter,
  type PlannedCandidate,
  type ProviderError,
  type ProviderErrorKind,
  type QuotaStore,
  type Resolution,
  RouterError,
  type RouterErrorCode,
  type RouterEvents,
  type RouterStats,
  type RouterStorage,
  type RouterStream,
  type Strategy,
  type StreamPart,
  type UsageRecord,
} from '../../src/index.js';
import { mockProvider } from '../../src/testing/index.js';

const router = new ModelRouter({ adapters: { mock: mockProvider() } });

describe('public types', () => {
  it('complete() and stream() return what DESIGN says', () => {
    expectTypeOf(router.complete).parameter(0).toEqualTypeOf<ChatRequest>();
    expectTypeOf(router.complete).returns.toEqualTypeOf<Promise<CompletionResult>>();
    expectTypeOf(router.stream).returns.toEqualTypeOf<RouterStream>();
    expectTypeOf<RouterStream>().toMatchTypeOf<AsyncIterable<StreamPart>>();
    expectTypeOf<RouterStream['result']>().toEqualTypeOf<Promise<CompletionResult>>();
    expectTypeOf(router.resolve).returns.toEqualTypeOf<Promise<Resolution>>();
    expectTypeOf(router.plan).returns.toEqualTypeOf<Promise<PlannedCandidate[]>>();
    expectTypeOf(router.stats).returns.toEqualTypeOf<RouterStats>();
    expectTypeOf<ChatRequest['model']>().toEqualTypeOf<
      string | (() => string | Promise<string>) | undefined
    >();
  });

  it('stream parts are a union discriminated by type', () => {
    expectTypeOf<StreamPart['type']>().toEqualTypeOf<
      'start' | 'text-delta' | 'tool-call-delta' | 'reasoning-delta' | 'wire' | 'finish'
    >();
    expectTypeOf<Extract<StreamPart, { type: 'text-delta' }>>().toEqualTypeOf<{
      type: 'text-delta';
      text: string;
    }>();
    expectTypeOf<Extract<StreamPart, { type: 'finish' }>['usage']['estimated']>().toEqualTypeOf<boolean>();
    expectTypeOf<Extract<StreamPart, { type: 'start' }>['groupName']>().toEqualTypeOf<string | undefined>();
  });

  it('events: each name has its payload, listeners are typed, on() returns an unsubscribe', () => {
    expectTypeOf<keyof RouterEvents>().toEqualTypeOf<
      | 'request'
      | 'attempt'
      | 'failover'
      | 'cooldown'
      | 'success'
      | 'failure'
      | 'usage'
      | 'catalog'
      | 'error'
      | 'skip'
    >();
    expectTypeOf<RouterEvents['usage']>().toEqualTypeOf<UsageRecord>();
    expectTypeOf<RouterEvents['failure']['error']>().toEqualTypeOf<RouterError>();
    // success: narrowed by operation — a chat result or an embedding result.
    expectTypeOf<
      Extract<RouterEvents['success'], { operation: 'chat' }>['result']
    >().toEqualTypeOf<CompletionResult>();
    expectTypeOf<
      Extract<RouterEvents['success'], { operation: 'embed' }>['result']
    >().toEqualTypeOf<EmbeddingResult>();
    expectTypeOf<RouterEvents['request']['operation']>().toEqualTypeOf<'chat' | 'embed'>();
    expectTypeOf<RouterEvents['failure']['operation']>().toEqualTypeOf<'chat' | 'embed'>();
    const off = router.on('cooldown', (e) => {
      expectTypeOf(e.until).toEqualTypeOf<number>();
      expectTypeOf(e.reason).toEqualTypeOf<'rate_limited' | 'auth' | 'rate_limit_headers'>();
    });
    expectTypeOf(off).toEqualTypeOf<() => void>();
    off();
    // @ts-expect-error: no such event
    router.on('nope', () => {});
  });

  it('error codes and provider error kinds are closed string unions', () => {
    expectTypeOf<RouterError['code']>().toEqualTypeOf<RouterErrorCode>();
    expectTypeOf<'QUOTA_EXHAUSTED'>().toMatchTypeOf<RouterErrorCode>();
    expectTypeOf<'ALL_CANDIDATES_FAILED'>().toMatchTypeOf<RouterErrorCode>();
    expectTypeOf<'TEAPOT'>().not.toMatchTypeOf<RouterErrorCode>();
    expectTypeOf<ProviderError['kind']>().toEqualTypeOf<ProviderErrorKind>();
    expectTypeOf<ProviderError>().toMatchTypeOf<RouterError>();
    expectTypeOf(RouterError.isInstance).guards.toEqualTypeOf<RouterError>();
    expectTypeOf<UsageRecord['status']>().toEqualTypeOf<'success' | 'error' | 'aborted' | 'interrupted'>();
  });

  it('pluggable parts are interfaces a user can implement', () => {
    expectTypeOf<Strategy>().parameters.toMatchTypeOf<[readonly unknown[], unknown]>();
    expectTypeOf<QuotaStore['reserve']>().returns.toMatchTypeOf<Promise<{ ok: boolean }>>();
    expectTypeOf<RouterStorage['loadCatalog']>().returns.resolves.toHaveProperty('groups');
  });
});
