import { z } from 'zod';
import {
  baseUrlSchema,
  idSchema,
  modelIdSchema,
  providerIdSchema,
  secretSchema,
  tagsSchema,
} from './inputs.js';

/*
 * Patch schemas for the catalog updates. A field left out is unchanged; an optional field given as
 * `null` is cleared (for instance `failoverStrategy: null` returns a group to the router's default).
 * Ids and parents are not patchable: delete and re-create instead.
 */

const limit = z.number().int().positive().max(1e12);
const cost = z.number().nonnegative().finite();

export const providerPatchSchema = z.strictObject({
  name: z.string().max(200).nullable().optional(),
  adapter: providerIdSchema.optional(),
  baseUrl: baseUrlSchema.nullable().optional(),
  enabled: z.boolean().optional(),
});

export const keyPatchSchema = z.strictObject({
  /** Rotates the key. */
  secret: secretSchema.optional(),
  rpm: limit.nullable().optional(),
  tpm: limit.nullable().optional(),
  maxConcurrent: limit.nullable().optional(),
  enabled: z.boolean().optional(),
});

export const modelPatchSchema = z.strictObject({
  /** Renaming the upstream model id carries the group members that use it along. */
  modelId: modelIdSchema.optional(),
  contextWindow: limit.nullable().optional(),
  maxOutputTokens: limit.nullable().optional(),
  inputCostPerMTok: cost.nullable().optional(),
  outputCostPerMTok: cost.nullable().optional(),
  cacheReadCostPerMTok: cost.nullable().optional(),
  cacheWriteCostPerMTok: cost.nullable().optional(),
  /** Replaces the model's tags; `null` or `[]` clears them. */
  tags: tagsSchema.nullable().optional(),
  enabled: z.boolean().optional(),
});

export const groupPatchSchema = z.strictObject({
  name: idSchema.optional(),
  displayName: z.string().max(200).nullable().optional(),
  description: z.string().max(2000).nullable().optional(),
  enabled: z.boolean().optional(),
  failoverStrategy: providerIdSchema.nullable().optional(),
});

export type { GroupPatch, KeyPatch, ModelPatch, ProviderPatch } from './input-types.js';
