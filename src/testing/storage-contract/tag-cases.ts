import { checkEqual } from './assert.js';
import { findGroup, seed } from './fixtures.js';
import type { InternalCase } from './provider-cases.js';

/** Tags of models and group members, and the cache prices of models: stored, loaded, replaced, cleared. */
export const tagCases: InternalCase[] = [
  {
    name: 'model tags and cache prices are stored and loaded; an update replaces the tags, null clears them',
    async run({ storage }) {
      await seed(storage);
      const m = await storage.createModel({
        providerId: 'anthropic',
        modelId: 'claude-eu',
        cacheReadCostPerMTok: 0.3,
        cacheWriteCostPerMTok: 3.75,
        tags: ['region:eu', 'zdr'],
      });
      const pick = (x: {
        tags?: string[];
        cacheReadCostPerMTok?: number;
        cacheWriteCostPerMTok?: number;
      }) => ({
        tags: x.tags,
        read: x.cacheReadCostPerMTok,
        write: x.cacheWriteCostPerMTok,
      });
      const want = { tags: ['region:eu', 'zdr'], read: 0.3, write: 3.75 };
      checkEqual(pick(m), want, 'created model');
      const loaded = (await storage.loadCatalog()).models.find((x) => x.id === m.id)!;
      checkEqual(pick(loaded), want, 'loaded model');
      const u = await storage.updateModel(m.id, { tags: ['region:us'] });
      checkEqual(u.tags, ['region:us'], 'replaced tags');
      const cleared = await storage.updateModel(m.id, { tags: null, cacheReadCostPerMTok: null });
      checkEqual(pick(cleared), { tags: undefined, read: undefined, write: 3.75 }, 'cleared');
      const again = (await storage.loadCatalog()).models.find((x) => x.id === m.id)!;
      checkEqual(pick(again), { tags: undefined, read: undefined, write: 3.75 }, 'cleared, loaded');
      const untagged = (await storage.loadCatalog()).models.find((x) => x.id === 'openai/gpt-4o')!;
      checkEqual('tags' in untagged, false, 'a model without tags has no tags field');
    },
  },
  {
    name: 'group member tags are stored with createGroup and addGroupMember, and loaded',
    async run({ storage }) {
      await seed(storage);
      const g = await storage.createGroup({
        name: 'regional',
        members: [
          { providerId: 'anthropic', modelId: 'claude-sonnet-4-5', tags: ['region:eu', 'tier:premium'] },
        ],
      });
      checkEqual(g.members[0]!.tags, ['region:eu', 'tier:premium'], 'created member');
      const added = await storage.addGroupMember(g.id, {
        providerId: 'openai',
        modelId: 'gpt-4o',
        tags: ['region:us'],
      });
      checkEqual(added.tags, ['region:us'], 'added member');
      const loaded = findGroup(await storage.loadCatalog(), 'regional')!;
      checkEqual(
        loaded.members.map((m) => m.tags),
        [['region:eu', 'tier:premium'], ['region:us']],
        'loaded members',
      );
      const coding = findGroup(await storage.loadCatalog(), 'coding')!;
      checkEqual(
        coding.members.map((m) => 'tags' in m),
        [false, false],
        'members without tags have no tags field',
      );
    },
  },
];
