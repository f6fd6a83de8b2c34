// Packages some README blocks import that are not installed here (users install them for those
// recipes). Only the members the README uses, with the packages' own signatures, so the blocks'
// use of model-router is still checked.

declare module 'google-auth-library' {
  export class GoogleAuth {
    constructor(options?: { scopes?: string | string[] });
    getClient(): Promise<{
      getAccessToken(): Promise<{ token?: string | null; res?: { data: { expiry_date?: number } } | null }>;
    }>;
  }
}

declare module '@ai-sdk/google' {
  export function createGoogleGenerativeAI(options?: {
    apiKey?: string;
    baseURL?: string;
  }): (modelId: string) => import('@ai-sdk/provider').LanguageModelV3;
}

declare module '@ai-sdk/cohere' {
  export function createCohere(options?: {
    apiKey?: string;
    baseURL?: string;
  }): (modelId: string) => import('@ai-sdk/provider').LanguageModelV3;
}
