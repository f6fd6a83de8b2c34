// `model-router/ai-sdk`: the router as an AI SDK provider, and AI SDK models as router adapters.
// `@ai-sdk/provider` is a peer dependency, loaded on first use (MISSING_DEPENDENCY when absent).
export { createRouterProvider } from './router-provider.js';
export type { RouterProvider, RouterProviderOptions } from './router-provider.js';
export type { RouterCallOptions } from './to-chat-request.js';
export { aiSdkAdapter } from './ai-sdk-adapter.js';
export type { AiSdkAdapterOptions, AiSdkModelContext, AiSdkModelSource } from './ai-sdk-adapter.js';
