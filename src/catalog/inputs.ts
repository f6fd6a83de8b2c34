import { z } from 'zod';

/** Ids and names: printable, no control characters, bounded length. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:@\-/ ]*$/;
export const idSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(NAME_RE, 'must start with a letter or digit and hold only letters, digits, space and . _ : @ - /');
/**
 * An upstream model id, as the upstream spells it: any printable text (`gpt-4o-mini`,
 * `meta-llama/Llama-3.1-8B`, a local server's `/models/x`), without control characters, at most
 * 512 characters. Direct resolution splits `providerId/modelId` at the first slash, so a modelId
 * may hold slashes (`local//models/x`).
 */
export const modelIdSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[^\p{Cc}\u2028\u2029]+$/u, 'must be printable text (no control characters)');
/** Ids that appear inside `providerId/modelId` must not contain a slash themselves. */
export const providerIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'must hold only letters, digits and . _ : @ - (no slash)');

const limit = z.number().int().positive().max(1e12);

/**
 * Tags of models and group members (`region:eu`, `zdr`, `tier:premium`): at most 64, each 1–100
 * printable characters without spaces. A request's `tags` keep only candidates that carry all of them.
 */
export function isTag(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x85 || c === 0xa0 || (c >= 0x2000 && c <= 0x200a)) return false;
    if (c === 0x2028 || c === 0x2029 || c === 0x3000 || c === 0xfeff) return false;
  }
  return true;
}

export const tagsSchema = z
  .array(z.string().min(1).max(100).refine(isTag, 'a tag is printable and has no spaces'))
  .max(64);

export const secretSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((s) => !/[\r\n\0]/.test(s), 'must not contain CR, LF or NUL');

export const keyInputSchema = z.strictObject({
  id: providerIdSchema.optional(),
  secret: secretSchema,
  rpm: limit.optional(),
  tpm: limit.optional(),
  maxConcurrent: limit.optional(),
  enabled: z.boolean().optional(),
});

export const baseUrlSchema = z
  .string()
  .max(2048)
  .refine((s) => {
    // The URL parser quietly strips tabs and newlines; a header-injection attempt must not pass.
    if (/[\t\r\n\0]/.test(s)) return false;
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without embedded credentials or control characters');

export const providerInputSchema = z.strictObject({
  id: providerIdSchema.optional(),
  name: z.string().max(200).optional(),
  adapter: providerIdSchema,
  baseUrl: baseUrlSchema.optional(),
  enabled: z.boolean().optional(),
  keys: z.array(keyInputSchema).max(10_000).optional(),
});

export const modelInputSchema = z.strictObject({
  id: idSchema.optional(),
  providerId: providerIdSchema,
  modelId: modelIdSchema,
  contextWindow: limit.optional(),
  maxOutputTokens: limit.optional(),
  inputCostPerMTok: z.number().nonnegative().finite().optional(),
  outputCostPerMTok: z.number().nonnegative().finite().optional(),
  cacheReadCostPerMTok: z.number().nonnegative().finite().optional(),
  cacheWriteCostPerMTok: z.number().nonnegative().finite().optional(),
  tags: tagsSchema.optional(),
  enabled: z.boolean().optional(),
});

export const memberInputSchema = z.strictObject({
  id: idSchema.optional(),
  providerId: providerIdSchema,
  modelId: modelIdSchema,
  priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
  weight: z.number().nonnegative().finite().max(1e9).optional(),
  tags: tagsSchema.optional(),
  enabled: z.boolean().optional(),
});

export const groupInputSchema = z.strictObject({
  id: idSchema.optional(),
  name: idSchema,
  displayName: z.string().max(200).optional(),
  description: z.string().max(2000).optional(),
  enabled: z.boolean().optional(),
  failoverStrategy: providerIdSchema.optional(),
  members: z.array(memberInputSchema).max(10_000).optional(),
});

export const catalogInputSchema = z.strictObject({
  providers: z.array(providerInputSchema).default([]),
  models: z.array(modelInputSchema).default([]),
  groups: z.array(groupInputSchema).default([]),
});

export type {
  CatalogInput,
  GroupInput,
  KeyInput,
  MemberInput,
  ModelInput,
  ProviderInput,
} from './input-types.js';
