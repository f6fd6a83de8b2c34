// `model-router/testing`: tools for testing code that uses the router, and contracts for custom stores.
export { mockProvider } from './mock-provider.js';
export type {
  MockCall,
  MockError,
  MockProvider,
  MockProviderOptions,
  MockReply,
  MockStep,
} from './mock-provider.js';
export { storageContract } from './storage-contract.js';
export type { ContractCase, MakeStorage, StorageHarness } from './storage-contract.js';
export { quotaContract } from './quota-contract/index.js';
export type {
  MakeQuota,
  QuotaContractCase,
  QuotaContractHarness,
  QuotaContractSetup,
} from './quota-contract/index.js';
export { manualClock } from './manual-clock.js';
export type { ManualClock } from './manual-clock.js';
