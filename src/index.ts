// Public API of `model-router`. Everything exported here is the contract.

export { ModelRouter } from './router.js';
export type {
  ModelRouterOptions,
  TimeoutOptions,
  RetryBudgetOptions,
  RouterLimits,
  CircuitBreakerOptions,
  CooldownOptions,
  RetryOptions,
} from './options.js';
export type { RouterLogger } from './logging/logger.js';

// Errors
export { RouterError } from './errors/router-error.js';
export type { RouterErrorOptions } from './errors/router-error.js';
export { ProviderError } from './errors/provider-error.js';
export type { ProviderErrorKind, ProviderErrorOptions } from './errors/provider-error.js';
export { ROUTER_ERROR_CODES } from './errors/codes.js';
export type { RouterErrorCode } from './errors/codes.js';
export type {
  RouterErrorDetails,
  RouterErrorDetailsMap,
  SkippedCandidateDetail,
  ValidationIssue,
} from './errors/details.js';
export { relayStatus } from './errors/relay-status.js';

// Requests, results, streams, usage
export type {
  AssistantContentPart,
  CacheControl,
  ChatMessage,
  ChatRequest,
  ContentPart,
  FilePart,
  ImagePart,
  ReasoningPart,
  RequestOptions,
  ResponseFormat,
  TextPart,
  ToolCall,
  ToolChoice,
  ToolDefinition,
  WireFormat,
  WirePassThrough,
} from './types/request.js';
export type {
  AssistantOutput,
  AttemptSummary,
  CompletionResult,
  FinishReason,
  RouterWarning,
  UnifiedFinishReason,
  Usage,
  WireResponse,
} from './types/result.js';
export type {
  AdapterStreamPart,
  FinishPart,
  ReasoningDeltaPart,
  RouterStream,
  StartPart,
  StreamPart,
  TextDeltaPart,
  ToolCallDeltaPart,
  WireEventPart,
} from './types/stream.js';
export type { UsageRecord } from './types/usage-record.js';
export type { RateLimitInfo } from './types/rate-limit.js';

// Events and introspection
export type {
  RouterEvents,
  RouterEventName,
  RouterListener,
  AttemptRef,
  RouterOperation,
  SuccessEvent,
} from './events.js';
export type { Resolution, ResolvedCandidate } from './catalog/resolution.js';
export type { PlannedCandidate, PlanOptions } from './routing/plan.js';
export type { Operation } from './routing/attempt-context.js';
export type { EmbedRequest, EmbeddingResult, EmbeddingEncoding } from './types/embed.js';
export type { TokenCount } from './routing/count-tokens.js';
export type { SkipReason } from './routing/headroom.js';
export type { ModelInfo } from './router-models.js';
export type { RouterStats, KeyStats, CandidateStatsView } from './router-stats.js';

// Catalog
export type {
  Catalog,
  Group,
  GroupMember,
  Model,
  Provider,
  ProviderKey,
  BuiltinStrategyName,
  StrategyName,
} from './catalog/types.js';
export type {
  CatalogInput,
  GroupInput,
  KeyInput,
  MemberInput,
  ModelInput,
  ProviderInput,
} from './catalog/inputs.js';

// Strategies
export type { Strategy, StrategyCandidate, StrategyContext, LatencyStats } from './routing/strategy.js';
export {
  cheapest,
  fastest,
  leastBusy,
  lowestLatency,
  priority,
  quotaAware,
  roundRobin,
  weighted,
} from './routing/strategies/index.js';
export { computeHeadroom } from './routing/headroom.js';
export type { KeyUsage } from './routing/headroom.js';

// Storage and quota
export { memoryStorage } from './storage/memory-storage.js';
export type { MemoryStorage, MemoryStorageOptions } from './storage/memory-storage.js';
export type {
  CatalogChange,
  GroupPatch,
  KeyPatch,
  ModelPatch,
  ProviderPatch,
  RouterStorage,
  UsageBatching,
} from './storage/storage.js';
export { memoryQuota } from './quota/memory-quota.js';
export type { MemoryQuotaOptions } from './quota/memory-quota.js';
export type {
  BlockReason,
  KeyBlock,
  KeyView,
  QuotaAccounting,
  QuotaKey,
  QuotaKeyRef,
  QuotaLease,
  QuotaStore,
  ReserveInput,
  ReserveResult,
  SettleInput,
} from './quota/quota-store.js';

// Admin
export type {
  AdminContext,
  AdminGroup,
  AdminGroupMember,
  AdminKey,
  AdminModel,
  AdminProvider,
  RouterAdmin,
} from './admin/types.js';
export { ADMIN_ACTIONS } from './admin/actions.js';
export { createAdminApi } from './admin/admin-api.js';
export { secretPreview } from './admin/secret-preview.js';
export type { AdminDeps } from './admin/types.js';

// Tenants and virtual keys
export type { TenantAdmin, VirtualKeyUpdate } from './admin/tenant-admin-types.js';
export type {
  Budget,
  CreatedVirtualKey,
  StoredVirtualKey,
  Tenant,
  TenantPrincipal,
  VirtualKey,
} from './tenants/types.js';
export type { TenantInput, TenantPatch, VirtualKeyInput, VirtualKeyPatch } from './tenants/inputs.js';
export type { SpendScope, TenantStore } from './storage/tenant-store.js';
export type { AdminAction } from './admin/actions.js';

// Adapters
export { cachedToken } from './auth/cached-token.js';
export type { AccessToken, CachedTokenOptions } from './auth/cached-token.js';
export { defaultResolveSecret } from './secrets.js';
export { classifyProviderFailure, readRateLimitHeaders } from './providers/shared/classify-failure.js';
export type { ProviderFailure } from './providers/shared/classify-failure.js';
export {
  anthropic,
  azureOpenAI,
  bedrock,
  gemini,
  openaiCompatible,
  openaiResponses,
} from './providers/index.js';
export type {
  AnthropicOptions,
  AzureOpenAIOptions,
  BedrockOptions,
  PresetName,
  PresetRules,
  GeminiOptions,
  OpenAICompatibleOptions,
  OpenAIResponsesOptions,
  AdapterLimits,
  VertexLocation,
} from './providers/index.js';
export type {
  AdapterUsage,
  ProviderAdapter,
  ProviderCall,
  ProviderCallBase,
  EmbedCall,
  EmbedResponse,
  ProviderResult,
  ProviderStream,
} from './providers/adapter.js';
export type { Clock } from './util/clock.js';

// Telemetry (OpenTelemetry through the optional peer `@opentelemetry/api`)
export { attachTelemetry } from './telemetry/attach.js';
export type { TelemetryOptions } from './telemetry/options.js';
export type { MeterProviderLike, TracerProviderLike } from './telemetry/otel-types.js';
export type {
  BudgetCounter,
  BudgetCounters,
  BudgetLease,
  BudgetReserveInput,
  BudgetReserveResult,
  LedgerSpend,
} from './budgets/budget-store.js';
