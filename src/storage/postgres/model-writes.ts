import type { ModelInput } from '../../catalog/inputs.js';
import type { Model } from '../../catalog/types.js';
import { newModel, tagList } from '../../catalog/entities.js';
import type { ModelPatch, RouterStorage } from '../storage.js';
import { notFound } from '../storage-errors.js';
import { type PgContext, updateRow } from './context.js';
import { transaction } from './pg-errors.js';
import { COLUMNS, patchColumns, pgTags, toModel } from './rows.js';

type ModelWrites = Pick<RouterStorage, 'createModel' | 'updateModel' | 'deleteModel'>;

/** Models. Group members reference them by (provider_id, model_id); the foreign key cascades. */
export function modelWrites(ctx: PgContext): ModelWrites {
  const { t } = ctx;

  /** Members using (providerId, modelId) change with their model: touch them and their groups. */
  const touchUsers = `with touched as (
      update ${t('model_group_members')} set updated_at = now()
      where provider_id = $1 and model_id = $2 returning group_id)
    update ${t('model_groups')} set updated_at = now() where id in (select group_id from touched)`;

  return {
    async createModel(input: ModelInput): Promise<Model> {
      const m = newModel(input, '');
      return transaction(await ctx.client(), 'create a model', async (tx) => {
        const [row] = await tx.unsafe(
          `insert into ${t('models')} (id, provider_id, model_id, context_window, max_output_tokens,
             input_cost_per_mtok, output_cost_per_mtok, cache_read_cost_per_mtok,
             cache_write_cost_per_mtok, tags, enabled)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[], $11) returning *`,
          [
            m.id,
            m.providerId,
            m.modelId,
            m.contextWindow ?? null,
            m.maxOutputTokens ?? null,
            m.inputCostPerMTok ?? null,
            m.outputCostPerMTok ?? null,
            m.cacheReadCostPerMTok ?? null,
            m.cacheWriteCostPerMTok ?? null,
            pgTags(m.tags),
            m.enabled,
          ],
        );
        return toModel(row!);
      });
    },

    async updateModel(id: string, patch: ModelPatch): Promise<Model> {
      return transaction(await ctx.client(), 'update a model', async (tx) => {
        // Tags are replaced as a whole; `null` clears them (the column is never NULL).
        const columns = patchColumns(
          patch.tags === undefined ? patch : { ...patch, tags: pgTags(tagList(patch.tags)) },
          COLUMNS.model,
        );
        const row = await updateRow(tx, t('models'), columns, { id });
        if (!row) throw notFound('model', id);
        // A rename has cascaded to the members (ON UPDATE CASCADE); they are touched under the new name.
        if (patch.modelId !== undefined)
          await tx.unsafe(touchUsers, [row.provider_id, row.model_id] as never[]);
        return toModel(row);
      });
    },

    async deleteModel(id: string): Promise<void> {
      await transaction(await ctx.client(), 'delete a model', async (tx) => {
        const [model] = await tx.unsafe(
          `select provider_id, model_id from ${t('models')} where id = $1 for update`,
          [id],
        );
        if (!model) throw notFound('model', id);
        await tx.unsafe(touchUsers, [model.provider_id, model.model_id] as never[]);
        await tx.unsafe(`delete from ${t('models')} where id = $1`, [id]);
      });
    },
  };
}
