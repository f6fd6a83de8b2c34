import type { Catalog, Group, Provider } from '../../catalog/types.js';
import type { RouterStorage } from '../../storage/storage.js';
import type { UsageRecord } from '../../types/usage-record.js';

/** What one contract case receives: a fresh storage with an empty catalog. */
export interface ContractContext {
  storage: RouterStorage;
  /** Reads back the recorded usage, when the harness can; the usage cases skip their read-back otherwise. */
  readUsage?: () => Promise<readonly UsageRecord[]> | readonly UsageRecord[];
}

export interface Seeded {
  openai: Provider;
  anthropic: Provider;
  coding: Group;
}

/** A small catalog most cases start from: two providers, three models, one group of two members. */
export async function seed(storage: RouterStorage): Promise<Seeded> {
  const openai = await storage.createProvider({
    id: 'openai',
    adapter: 'openai',
    keys: [
      { id: 'oa-1', secret: 'sk-test-0001', rpm: 500, tpm: 200_000, maxConcurrent: 16 },
      { id: 'oa-2', secret: 'env:OPENAI_KEY_2' },
    ],
  });
  const anthropic = await storage.createProvider({
    id: 'anthropic',
    adapter: 'anthropic',
    baseUrl: 'https://api.anthropic.com',
    keys: [{ id: 'an-1', secret: 'env:ANTHROPIC_KEY' }],
  });
  await storage.createModel({
    id: 'openai/gpt-4o-mini',
    providerId: 'openai',
    modelId: 'gpt-4o-mini',
    contextWindow: 128_000,
  });
  await storage.createModel({
    id: 'openai/gpt-4o',
    providerId: 'openai',
    modelId: 'gpt-4o',
    inputCostPerMTok: 2.5,
  });
  await storage.createModel({
    id: 'anthropic/claude',
    providerId: 'anthropic',
    modelId: 'claude-sonnet-4-5',
  });
  const coding = await storage.createGroup({
    name: 'coding',
    members: [
      { providerId: 'anthropic', modelId: 'claude-sonnet-4-5', priority: 0 },
      { providerId: 'openai', modelId: 'gpt-4o-mini', priority: 1, weight: 3 },
    ],
  });
  return { openai, anthropic, coding };
}

export function findProvider(catalog: Catalog, id: string): Provider | undefined {
  return catalog.providers.find((p) => p.id === id);
}

export function findGroup(catalog: Catalog, name: string): Group | undefined {
  return catalog.groups.find((g) => g.name === name);
}

/** `providerId/modelId` of every member of every group, for compact comparisons. */
export function memberRefs(catalog: Catalog): string[] {
  return catalog.groups.flatMap((g) => g.members.map((m) => `${g.name}:${m.providerId}/${m.modelId}`));
}

export function usageRecord(overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: 'req-1',
    attempt: 1,
    operation: 'chat',
    status: 'success',
    groupName: 'coding',
    providerId: 'openai',
    modelId: 'gpt-4o-mini',
    keyId: 'oa-1',
    promptTokens: 12,
    completionTokens: 34,
    totalTokens: 46,
    estimated: false,
    costUsd: 0.000123,
    latencyMs: 250,
    ttftMs: 80,
    stream: true,
    startedAt: 1_700_000_000_000,
    finishedAt: 1_700_000_000_250,
    ...overrides,
  };
}
