import type { TransactionSql } from 'postgres';
import type { GroupInput, MemberInput } from '../../catalog/inputs.js';
import type { Group, GroupMember } from '../../catalog/types.js';
import { invalid } from '../../errors/validation.js';
import { newGroup, newMember } from '../../catalog/entities.js';
import type { GroupPatch, RouterStorage } from '../storage.js';
import { notFound } from '../storage-errors.js';
import { type PgContext, insertRows, updateRow } from './context.js';
import { transaction } from './pg-errors.js';
import { COLUMNS, patchColumns, pgTags, toGroup, toMember } from './rows.js';

const MEMBER_COLUMNS = [
  'id',
  'group_id',
  'provider_id',
  'model_id',
  'priority',
  'weight',
  'tags',
  'enabled',
] as const;

type GroupWrites = Pick<
  RouterStorage,
  'createGroup' | 'updateGroup' | 'deleteGroup' | 'addGroupMember' | 'removeGroupMember'
>;

/** Groups and members. Member writes lock the group row first: one lock order, no deadlocks. */
export function groupWrites(ctx: PgContext): GroupWrites {
  const { t } = ctx;
  const memberRow = (m: GroupMember) => [
    m.id,
    m.groupId,
    m.providerId,
    m.modelId,
    m.priority,
    m.weight,
    pgTags(m.tags),
    m.enabled,
  ];

  /**
   * Names the first member whose model does not exist (`VALIDATION`), locking the models found
   * (`for key share`) so that none is deleted before the members are inserted.
   */
  const checkModels = async (tx: TransactionSql, members: GroupMember[], field: (i: number) => string) => {
    if (members.length === 0) return;
    const found = await tx.unsafe(
      `select provider_id, model_id from ${t('models')}
       where (provider_id, model_id) in
         (select provider_id, model_id from json_to_recordset($1::text::json) as r(provider_id text, model_id text))
       for key share`,
      // JSON, not text[]: the storage's own client runs without postgres.js' array-type fetch.
      [JSON.stringify(members.map((m) => ({ provider_id: m.providerId, model_id: m.modelId })))],
    );
    const known = new Set(found.map((r) => `${r.provider_id}\0${r.model_id}`));
    const missing = members.findIndex((m) => !known.has(`${m.providerId}\0${m.modelId}`));
    const m = members[missing];
    if (m) throw invalid(field(missing), `unknown model "${m.providerId}/${m.modelId}"`);
  };

  const membersOf = async (tx: TransactionSql, groupId: string) =>
    (
      await tx.unsafe(`select * from ${t('model_group_members')} where group_id = $1 order by seq`, [groupId])
    ).map(toMember);

  const touchGroup = async (tx: TransactionSql, groupId: string) => {
    const [row] = await tx.unsafe(
      `update ${t('model_groups')} set updated_at = now() where id = $1 returning id`,
      [groupId],
    );
    if (!row) throw notFound('group', groupId);
  };

  return {
    async createGroup(input: GroupInput): Promise<Group> {
      const g = newGroup(input, '');
      return transaction(await ctx.client(), 'create a group', async (tx) => {
        const [row] = await tx.unsafe(
          `insert into ${t('model_groups')} (id, name, display_name, description, enabled, failover_strategy)
           values ($1, $2, $3, $4, $5, $6) returning *`,
          [g.id, g.name, g.displayName ?? null, g.description ?? null, g.enabled, g.failoverStrategy ?? null],
        );
        await checkModels(tx, g.members, (i) => `members[${i}].modelId`);
        const members = await insertRows(
          tx,
          t('model_group_members'),
          MEMBER_COLUMNS,
          g.members.map(memberRow),
        );
        return toGroup(row!, members.map(toMember));
      });
    },

    async updateGroup(id: string, patch: GroupPatch): Promise<Group> {
      return transaction(await ctx.client(), 'update a group', async (tx) => {
        const row = await updateRow(tx, t('model_groups'), patchColumns(patch, COLUMNS.group), { id });
        if (!row) throw notFound('group', id);
        return toGroup(row, await membersOf(tx, id));
      });
    },

    async deleteGroup(id: string): Promise<void> {
      const sql = await ctx.client();
      await transaction(sql, 'delete a group', async (tx) => {
        const [row] = await tx.unsafe(`delete from ${t('model_groups')} where id = $1 returning id`, [id]);
        if (!row) throw notFound('group', id);
      });
    },

    async addGroupMember(groupId: string, input: MemberInput): Promise<GroupMember> {
      const m = newMember(groupId, input, '');
      return transaction(
        await ctx.client(),
        'add a group member',
        async (tx) => {
          await touchGroup(tx, groupId);
          await checkModels(tx, [m], () => 'modelId');
          const [row] = await insertRows(tx, t('model_group_members'), MEMBER_COLUMNS, [memberRow(m)]);
          return toMember(row!);
        },
        groupId,
      );
    },

    async removeGroupMember(groupId: string, memberId: string): Promise<void> {
      await transaction(await ctx.client(), 'remove a group member', async (tx) => {
        await touchGroup(tx, groupId);
        const [row] = await tx.unsafe(
          `delete from ${t('model_group_members')} where id = $1 and group_id = $2 returning id`,
          [memberId, groupId],
        );
        if (!row) throw notFound('member', memberId);
      });
    },
  };
}
