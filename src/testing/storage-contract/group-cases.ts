import { check, checkEqual, checkIso, checkNotBefore, checkRejects } from './assert.js';
import { findGroup, memberRefs, seed } from './fixtures.js';
import type { InternalCase } from './provider-cases.js';

/** Groups and members: the seven group operations and their rules. */
export const groupCases: InternalCase[] = [
  {
    name: 'createGroup stores the group with its members and defaults',
    async run({ storage }) {
      const { coding } = await seed(storage);
      check(typeof coding.id === 'string' && coding.id.length > 0, 'generated group id');
      checkEqual(
        { name: coding.name, enabled: coding.enabled, hasStrategy: 'failoverStrategy' in coding },
        { name: 'coding', enabled: true, hasStrategy: false },
        'group',
      );
      checkIso(coding.createdAt, 'group createdAt');
      const [a, b] = coding.members;
      check(a && b && coding.members.length === 2, 'two members returned');
      checkEqual(
        {
          groupId: a.groupId,
          providerId: a.providerId,
          modelId: a.modelId,
          priority: a.priority,
          weight: a.weight,
          enabled: a.enabled,
        },
        {
          groupId: coding.id,
          providerId: 'anthropic',
          modelId: 'claude-sonnet-4-5',
          priority: 0,
          weight: 1,
          enabled: true,
        },
        'first member with defaults',
      );
      checkEqual({ priority: b.priority, weight: b.weight }, { priority: 1, weight: 3 }, 'second member');
      check(a.id !== b.id, 'member ids are distinct');
      checkEqual(
        findGroup(await storage.loadCatalog(), 'coding'),
        coding,
        'loaded group equals the returned one',
      );
      const withStrategy = await storage.createGroup({
        id: 'g-2',
        name: 'fast',
        failoverStrategy: 'priority',
        displayName: 'Fast',
        description: 'd',
      });
      checkEqual(
        {
          id: withStrategy.id,
          failoverStrategy: withStrategy.failoverStrategy,
          displayName: withStrategy.displayName,
          members: withStrategy.members,
        },
        { id: 'g-2', failoverStrategy: 'priority', displayName: 'Fast', members: [] },
        'group with explicit id and strategy',
      );
    },
  },
  {
    name: 'createGroup with a taken name or id is CONFLICT and changes nothing',
    async run({ storage }) {
      const { coding } = await seed(storage);
      await checkRejects(
        storage.createGroup({ name: 'coding', members: [{ providerId: 'openai', modelId: 'gpt-4o' }] }),
        'CONFLICT',
        'duplicate group name',
      );
      await checkRejects(
        storage.createGroup({ id: coding.id, name: 'other' }),
        'CONFLICT',
        'duplicate group id',
      );
      const catalog = await storage.loadCatalog();
      checkEqual(catalog.groups.length, 1, 'group count');
      checkEqual(
        memberRefs(catalog),
        ['coding:anthropic/claude-sonnet-4-5', 'coding:openai/gpt-4o-mini'],
        'members unchanged',
      );
    },
  },
  {
    name: 'createGroup is atomic: a duplicate or unknown member creates nothing',
    async run({ storage }) {
      await seed(storage);
      await checkRejects(
        storage.createGroup({
          name: 'dup',
          members: [
            { providerId: 'openai', modelId: 'gpt-4o' },
            { providerId: 'openai', modelId: 'gpt-4o', priority: 2 },
          ],
        }),
        'CONFLICT',
        'duplicate member in one group',
      );
      const err = await checkRejects(
        storage.createGroup({
          name: 'ghost',
          members: [
            { providerId: 'openai', modelId: 'gpt-4o' },
            { providerId: 'openai', modelId: 'nope' },
          ],
        }),
        'VALIDATION',
        'member naming an unknown model',
      );
      checkEqual(err.details.field, 'members[1].modelId', 'field named by the VALIDATION error');
      checkEqual(
        (await storage.loadCatalog()).groups.map((g) => g.name),
        ['coding'],
        'no group created',
      );
    },
  },
  {
    name: 'updateGroup renames, patches and clears; a taken name is CONFLICT; unknown id is NOT_FOUND',
    async run({ storage }) {
      const { coding } = await seed(storage);
      await storage.createGroup({ name: 'other', failoverStrategy: 'weighted' });
      const u = await storage.updateGroup(coding.id, {
        name: 'coding-v2',
        description: 'Code',
        enabled: false,
      });
      checkEqual(
        { name: u.name, description: u.description, enabled: u.enabled, members: u.members.length },
        { name: 'coding-v2', description: 'Code', enabled: false, members: 2 },
        'updated group',
      );
      checkEqual(u.createdAt, coding.createdAt, 'createdAt kept');
      checkNotBefore(u.updatedAt, coding.updatedAt, 'updatedAt');
      await storage.updateGroup(coding.id, { name: 'coding-v2' }); // its own name is not a conflict
      await checkRejects(
        storage.updateGroup(coding.id, { name: 'other' }),
        'CONFLICT',
        'rename onto a taken name',
      );
      const other = findGroup(await storage.loadCatalog(), 'other');
      const cleared = await storage.updateGroup(other!.id, { failoverStrategy: null });
      check(!('failoverStrategy' in cleared), 'failoverStrategy cleared by null');
      await checkRejects(
        storage.updateGroup('nope', { enabled: true }),
        'NOT_FOUND',
        'updateGroup unknown id',
      );
      checkEqual(
        (await storage.loadCatalog()).groups.map((g) => g.name),
        ['coding-v2', 'other'],
        'names after updates',
      );
    },
  },
  {
    name: 'deleteGroup deletes the group and its members only',
    async run({ storage }) {
      const { coding } = await seed(storage);
      await storage.createGroup({
        name: 'other',
        members: [{ providerId: 'openai', modelId: 'gpt-4o-mini' }],
      });
      await storage.deleteGroup(coding.id);
      const catalog = await storage.loadCatalog();
      checkEqual(memberRefs(catalog), ['other:openai/gpt-4o-mini'], 'members left');
      checkEqual(catalog.models.length, 3, 'models untouched');
      await checkRejects(storage.deleteGroup(coding.id), 'NOT_FOUND', 'deleteGroup twice');
      // The name and the member ids are free again.
      await storage.createGroup({
        name: 'coding',
        members: coding.members.map((m) => ({ id: m.id, providerId: m.providerId, modelId: m.modelId })),
      });
    },
  },
  {
    name: 'addGroupMember adds one member; duplicate is CONFLICT, unknown group NOT_FOUND, unknown model VALIDATION',
    async run({ storage }) {
      const { coding } = await seed(storage);
      const m = await storage.addGroupMember(coding.id, {
        providerId: 'openai',
        modelId: 'gpt-4o',
        priority: 5,
        weight: 0.5,
        enabled: false,
      });
      checkEqual(
        {
          groupId: m.groupId,
          providerId: m.providerId,
          modelId: m.modelId,
          priority: m.priority,
          weight: m.weight,
          enabled: m.enabled,
        },
        {
          groupId: coding.id,
          providerId: 'openai',
          modelId: 'gpt-4o',
          priority: 5,
          weight: 0.5,
          enabled: false,
        },
        'added member',
      );
      const group = findGroup(await storage.loadCatalog(), 'coding');
      checkEqual(group?.members.at(-1), m, 'loaded member equals the returned one');
      checkNotBefore(group!.updatedAt, coding.updatedAt, 'group updatedAt');
      await checkRejects(
        storage.addGroupMember(coding.id, { providerId: 'openai', modelId: 'gpt-4o' }),
        'CONFLICT',
        'duplicate member',
      );
      await checkRejects(
        storage.addGroupMember('nope', { providerId: 'openai', modelId: 'gpt-4o' }),
        'NOT_FOUND',
        'unknown group',
      );
      await checkRejects(
        storage.addGroupMember(coding.id, { providerId: 'openai', modelId: 'nope' }),
        'VALIDATION',
        'unknown model',
      );
      await checkRejects(
        storage.addGroupMember(coding.id, { providerId: 'anthropic', modelId: 'gpt-4o' }),
        'VALIDATION',
        'model of another provider',
      );
      checkEqual(findGroup(await storage.loadCatalog(), 'coding')?.members.length, 3, 'member count');
    },
  },
  {
    name: 'removeGroupMember removes one member; unknown or foreign member is NOT_FOUND',
    async run({ storage }) {
      const { coding } = await seed(storage);
      const other = await storage.createGroup({
        name: 'other',
        members: [{ providerId: 'openai', modelId: 'gpt-4o' }],
      });
      await checkRejects(
        storage.removeGroupMember(coding.id, other.members[0]!.id),
        'NOT_FOUND',
        'member of another group',
      );
      await checkRejects(storage.removeGroupMember(coding.id, 'nope'), 'NOT_FOUND', 'unknown member');
      await checkRejects(
        storage.removeGroupMember('nope', coding.members[0]!.id),
        'NOT_FOUND',
        'unknown group',
      );
      await storage.removeGroupMember(coding.id, coding.members[0]!.id);
      checkEqual(
        memberRefs(await storage.loadCatalog()),
        ['coding:openai/gpt-4o-mini', 'other:openai/gpt-4o'],
        'members left',
      );
      // The same (provider, model) can be added again after removal.
      await storage.addGroupMember(coding.id, { providerId: 'anthropic', modelId: 'claude-sonnet-4-5' });
    },
  },
];
