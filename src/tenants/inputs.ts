import { z } from 'zod';
import { idSchema } from '../catalog/inputs.js';

const limit = z.number().int().positive().max(1e12);
const modelName = z.string().min(1).max(640);
const tag = z.string().min(1).max(200);
const iso = z.string().datetime({ offset: true });

export const budgetSchema = z
  .strictObject({
    // Counted in integer nano-USD: $9M keeps every counter an exact integer (below 2^53).
    usd: z.number().positive().finite().max(9_000_000),
    period: z.enum(['day', 'month', 'rolling', 'total']),
    windowMs: z
      .number()
      .int()
      .min(1_000)
      .max(366 * 86_400_000)
      .optional(),
  })
  .refine((b) => (b.period === 'rolling') === (b.windowMs !== undefined), {
    message: "windowMs is required for period 'rolling' and only for it",
    path: ['windowMs'],
  });

const budgets = z.array(budgetSchema).max(10);
const metadata = z
  .record(z.string().max(200), z.string().max(2000))
  .refine((m) => Object.keys(m).length <= 50, {
    message: 'at most 50 entries',
  });

export const tenantInputSchema = z.strictObject({
  id: idSchema.optional(),
  name: idSchema,
  allowedModels: z.array(modelName).max(1000).optional(),
  tags: z.array(tag).max(50).optional(),
  rpm: limit.optional(),
  tpm: limit.optional(),
  maxConcurrent: limit.optional(),
  budgets: budgets.optional(),
  enabled: z.boolean().optional(),
  metadata: metadata.optional(),
});

/** Field left out: unchanged; optional field given as `null`: cleared. */
export const tenantPatchSchema = z.strictObject({
  name: idSchema.optional(),
  allowedModels: z.array(modelName).max(1000).nullable().optional(),
  tags: z.array(tag).max(50).nullable().optional(),
  rpm: limit.nullable().optional(),
  tpm: limit.nullable().optional(),
  maxConcurrent: limit.nullable().optional(),
  budgets: budgets.nullable().optional(),
  enabled: z.boolean().optional(),
  metadata: metadata.nullable().optional(),
});

export const virtualKeyInputSchema = z.strictObject({
  name: z.string().max(200).optional(),
  allowedModels: z.array(modelName).max(1000).optional(),
  budgets: budgets.optional(),
  /** ISO 8601 with a zone (`2027-01-01T00:00:00Z`). */
  expiresAt: iso.optional(),
});

export const virtualKeyPatchSchema = z.strictObject({
  name: z.string().max(200).nullable().optional(),
  allowedModels: z.array(modelName).max(1000).nullable().optional(),
  budgets: budgets.nullable().optional(),
  expiresAt: iso.nullable().optional(),
});

export type { TenantInput, TenantPatch, VirtualKeyInput, VirtualKeyPatch } from './input-types.js';
