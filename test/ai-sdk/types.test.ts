import type { LanguageModelV3, ProviderV3 } from '@ai-sdk/provider';
import type { LanguageModel } from 'ai';
import type { ProviderAdapter } from 'model-router';
import type { AiSdkModelContext, aiSdkAdapter, createRouterProvider } from 'model-router/ai-sdk';
import { describe, expectTypeOf, it } from 'vitest';

describe('model-router/ai-sdk types', () => {
  it('the provider is a ProviderV3 whose models are LanguageModelV3, usable as the ai package model', () => {
    type P = ReturnType<typeof createRouterProvider>;
    expectTypeOf<P>().toMatchTypeOf<ProviderV3>();
    expectTypeOf<ReturnType<P>>().toEqualTypeOf<LanguageModelV3>();
    expectTypeOf<ReturnType<P['languageModel']>>().toMatchTypeOf<LanguageModel>();
  });

  it('aiSdkAdapter takes a model or a per-attempt factory and returns a ProviderAdapter', () => {
    expectTypeOf<ReturnType<typeof aiSdkAdapter>>().toEqualTypeOf<ProviderAdapter>();
    expectTypeOf<Parameters<typeof aiSdkAdapter>[0]>().toMatchTypeOf<
      LanguageModelV3 | ((id: string, ctx: AiSdkModelContext) => LanguageModelV3)
    >();
    expectTypeOf<AiSdkModelContext>().toHaveProperty('apiKey').toEqualTypeOf<string>();
  });
});
