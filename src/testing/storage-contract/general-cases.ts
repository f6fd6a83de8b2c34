import type { CatalogChange } from '../../storage/storage.js';
import { check, checkEqual } from './assert.js';
import { findGroup, findProvider, seed, usageRecord } from './fixtures.js';
import type { InternalCase } from './provider-cases.js';

/** Polls `condition` until it holds or `ms` pass; no fixed sleeps, a bounded deadline. */
async function eventually(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Shape of the loaded catalog, isolation, data fidelity, usage and notifications. */
export const generalCases: InternalCase[] = [
  {
    name: 'loadCatalog of a fresh storage is empty',
    async run({ storage }) {
      checkEqual(await storage.loadCatalog(), { providers: [], models: [], groups: [] }, 'fresh catalog');
    },
  },
  {
    name: 'loadCatalog keeps creation order and omits absent optional fields (no null, no undefined)',
    async run({ storage }) {
      await seed(storage);
      await storage.createProvider({ id: 'a-last', adapter: 'openai' });
      const catalog = await storage.loadCatalog();
      checkEqual(
        catalog.providers.map((p) => p.id),
        ['openai', 'anthropic', 'a-last'],
        'provider order',
      );
      checkEqual(
        catalog.models.map((m) => m.id),
        ['openai/gpt-4o-mini', 'openai/gpt-4o', 'anthropic/claude'],
        'model order',
      );
      checkEqual(
        findProvider(catalog, 'openai')?.keys.map((k) => k.id),
        ['oa-1', 'oa-2'],
        'key order',
      );
      checkEqual(
        findGroup(catalog, 'coding')?.members.map((m) => m.modelId),
        ['claude-sonnet-4-5', 'gpt-4o-mini'],
        'member order',
      );
      const walk = (value: unknown, path: string): void => {
        check(value !== null && value !== undefined, `${path} is ${value}; absent fields must be omitted`);
        if (typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
      };
      walk(catalog, 'catalog');
      const key = findProvider(catalog, 'openai')?.keys[0];
      checkEqual(
        [typeof key?.rpm, typeof key?.tpm, typeof key?.maxConcurrent],
        ['number', 'number', 'number'],
        'limits are numbers',
      );
      checkEqual(catalog.models[1]?.inputCostPerMTok, 2.5, 'fractional cost kept');
    },
  },
  {
    name: 'loadCatalog and writes return copies: mutating them never changes the storage',
    async run({ storage }) {
      const { coding, openai } = await seed(storage);
      const before = structuredClone(await storage.loadCatalog());
      const first = await storage.loadCatalog();
      first.providers[0]!.keys[0]!.secret = 'mutated';
      first.providers.pop();
      first.groups[0]!.members.length = 0;
      first.models[0]!.modelId = 'mutated';
      coding.members.pop();
      coding.name = 'mutated';
      openai.keys[0]!.rpm = 1;
      checkEqual(await storage.loadCatalog(), before, 'catalog after mutating returned objects');
    },
  },
  {
    name: 'SQL-looking and unusual text is stored as data',
    async run({ storage }) {
      const nasty = `Robert'); DROP TABLE model_groups; -- $1 \\ " ' \u00e9\u4e2d\u{1f600}`;
      await storage.createProvider({
        id: 'p:1@x',
        name: nasty,
        adapter: 'openai',
        keys: [{ id: 'k.1', secret: `sk-${nasty}` }],
      });
      await storage.createModel({
        id: 'p:1@x/acc/models/m 1',
        providerId: 'p:1@x',
        modelId: 'accounts/x/models/m 1',
      });
      const g = await storage.createGroup({
        name: 'a; DROP TABLE x',
        displayName: nasty,
        description: `${nasty}\n${nasty}`,
        members: [{ providerId: 'p:1@x', modelId: 'accounts/x/models/m 1' }],
      });
      const catalog = await storage.loadCatalog();
      const p = findProvider(catalog, 'p:1@x');
      checkEqual([p?.name, p?.keys[0]?.secret], [nasty, `sk-${nasty}`], 'provider name and secret');
      checkEqual(catalog.models[0]?.modelId, 'accounts/x/models/m 1', 'model id with slashes and a space');
      checkEqual(findGroup(catalog, 'a; DROP TABLE x'), g, 'group with SQL-looking text');
    },
  },
  {
    name: 'concurrent writes to one provider lose nothing',
    async run({ storage }) {
      await storage.createProvider({ id: 'p', adapter: 'openai' });
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => storage.addKey('p', { id: `k${i}`, secret: `s${i}` })),
      );
      await Promise.all([
        storage.updateProvider('p', { name: 'named' }),
        storage.updateProvider('p', { baseUrl: 'https://b.example' }),
        storage.updateKey('p', 'k0', { rpm: 7 }),
        storage.updateKey('p', 'k0', { tpm: 9 }),
      ]);
      const p = findProvider(await storage.loadCatalog(), 'p');
      checkEqual(p?.keys.length, 20, 'keys after 20 concurrent addKey');
      checkEqual(
        [p?.name, p?.baseUrl, p?.keys[0]?.rpm, p?.keys[0]?.tpm],
        ['named', 'https://b.example', 7, 9],
        'concurrent patches of different fields',
      );
    },
  },
  {
    name: 'concurrent creates of one group name: exactly one wins, the others are CONFLICT',
    async run({ storage }) {
      await seed(storage);
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () =>
          storage.createGroup({ name: 'race', members: [{ providerId: 'openai', modelId: 'gpt-4o' }] }),
        ),
      );
      checkEqual(results.filter((r) => r.status === 'fulfilled').length, 1, 'winners');
      for (const r of results) {
        if (r.status === 'rejected')
          checkEqual((r.reason as { code?: string }).code, 'CONFLICT', 'loser error code');
      }
      checkEqual(
        (await storage.loadCatalog()).groups.filter((g) => g.name === 'race').length,
        1,
        'groups named race',
      );
    },
  },
  {
    name: 'recordUsage accepts one batch (and an empty one) and keeps every field',
    async run({ storage, readUsage }) {
      await storage.recordUsage([]);
      const records = [
        usageRecord(),
        usageRecord({
          attempt: 2,
          status: 'error',
          errorCode: 'PROVIDER_ERROR',
          httpStatus: 429,
          costUsd: undefined,
          ttftMs: undefined,
          groupName: undefined,
          stream: false,
        }),
        usageRecord({
          requestId: `req'); DROP TABLE usage_records; --`,
          status: 'interrupted',
          estimated: true,
          operation: 'embed',
        }),
      ];
      await storage.recordUsage(records);
      if (!readUsage) return;
      const read = await readUsage();
      checkEqual(read.length, 3, 'records read back');
      const strip = (r: object) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
      const sort = (rs: readonly object[]) =>
        rs.map(strip).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      checkEqual(sort(read), sort(records), 'records round trip');
    },
  },
  {
    name: 'subscribe notifies on writes; unsubscribe stops it',
    async run({ storage }) {
      if (!storage.subscribe) return;
      const changes: CatalogChange[] = [];
      const unsubscribe = await storage.subscribe((c) => changes.push(c));
      await storage.createProvider({ id: 'p', adapter: 'openai' });
      await eventually(() => changes.length > 0, 2000, 'a notification after createProvider');
      check(
        ['provider', 'catalog'].includes(changes[0]!.entity),
        `notification entity is "${changes[0]!.entity}"`,
      );
      await unsubscribe();
      const seen = changes.length;
      await storage.createProvider({ id: 'q', adapter: 'openai' });
      // Give a stray notification the chance to arrive before asserting it did not.
      await storage.loadCatalog();
      await new Promise((resolve) => setTimeout(resolve, 50));
      checkEqual(changes.length, seen, 'notifications after unsubscribe');
    },
  },
];
