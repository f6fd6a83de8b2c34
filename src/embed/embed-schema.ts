import { z } from 'zod';
import { parseOrThrow } from '../errors/validation.js';
import type { EmbedRequest } from '../types/embed.js';

/** OpenAI's own bounds: at most 2048 inputs per request. */
const MAX_INPUTS = 2048;

const embedSchema = z.strictObject({
  model: z
    .union([z.string().min(1).max(500), z.custom<() => string>((v) => typeof v === 'function')])
    .optional(),
  input: z.union([z.string().max(10_000_000), z.array(z.string().max(10_000_000)).min(1).max(MAX_INPUTS)]),
  dimensions: z.number().int().positive().max(100_000).optional(),
  encodingFormat: z.enum(['float', 'base64']).optional(),
  user: z.string().max(500).optional(),
  providerOptions: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});

/** Validate an embeddings request at the boundary; `VALIDATION` names the field. */
export function validateEmbedRequest(request: unknown): EmbedRequest {
  parseOrThrow(embedSchema, request, 'request');
  return request as EmbedRequest;
}
