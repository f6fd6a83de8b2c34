/**
 * The values README snippets take from "your application" (`router`, `catalog`, `adapters`, …),
 * made real for the blocks that run: loaded with `node --import` before each block. Their types are
 * declared in `context.d.ts`; keep the two in step.
 */
import type { CatalogInput, ChatMessage } from 'model-router';
import { ModelRouter, openaiCompatible } from 'model-router';
import { installFakeUpstreams } from './fake-upstreams.js';

installFakeUpstreams();
process.env.OPENAI_KEY = 'sk-readme-test-openai';
process.env.ANTHROPIC_KEY = 'sk-ant-readme-test';

const catalog: CatalogInput = {
  providers: [
    { id: 'openai', adapter: 'openai', keys: [{ id: 'oa-1', secret: 'env:OPENAI_KEY', rpm: 500 }] },
  ],
  models: [
    { providerId: 'openai', modelId: 'gpt-4o-mini', contextWindow: 128_000 },
    { providerId: 'openai', modelId: 'gpt-4o', contextWindow: 128_000 },
    { providerId: 'openai', modelId: 'text-embedding-3-small' },
  ],
  groups: [
    { name: 'coding', members: [{ providerId: 'openai', modelId: 'gpt-4o-mini' }] },
    { name: 'coding-large', members: [{ providerId: 'openai', modelId: 'gpt-4o' }] },
    { name: 'fast', members: [{ providerId: 'openai', modelId: 'gpt-4o-mini' }] },
    { name: 'cheap', members: [{ providerId: 'openai', modelId: 'gpt-4o-mini' }] },
    { name: 'embeddings', members: [{ providerId: 'openai', modelId: 'text-embedding-3-small' }] },
  ],
};
const adapters = { openai: openaiCompatible({ baseURL: 'https://api.openai.com/v1' }) };
const messages: ChatMessage[] = [{ role: 'user', content: 'hi' }];

Object.assign(globalThis, {
  catalog,
  adapters,
  messages,
  router: new ModelRouter({ catalog, adapters }),
  featureFlags: { get: async (_flag: string) => false },
  isBusinessHours: () => true,
  tenantFor: (apiKey: string | null) => (apiKey ? { tenantId: 'readme' } : null),
});
