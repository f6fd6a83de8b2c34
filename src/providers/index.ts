export type {
  AdapterUsage,
  ProviderAdapter,
  ProviderCall,
  ProviderResult,
  ProviderStream,
} from './adapter.js';
export { anthropic, type AnthropicOptions } from './anthropic/index.js';
export { openaiCompatible, type OpenAICompatibleOptions } from './openai-compatible/index.js';
export { openaiResponses, type OpenAIResponsesOptions } from './openai-responses/index.js';
export type { AdapterLimits } from './shared/limits.js';
export { gemini, type GeminiOptions, type VertexLocation } from './gemini/index.js';
export { bedrock, type BedrockOptions } from './bedrock/index.js';
export { azureOpenAI, type AzureOpenAIOptions } from './azure/index.js';
export type { PresetName, PresetRules } from './openai-compatible/index.js';
