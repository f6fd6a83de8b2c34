import type { EmbedRequest } from 'model-router';
import { z } from 'zod';
import { wireValidationError } from '../openai/request.js';

/*
 * OpenAI's embeddings request as clients send it. `input` is a string or an array of strings (at
 * most 2048, OpenAI's own bound); token-id arrays are refused with a 400 that says so, since the
 * router counts, routes and fails over by text.
 */
const text = z.string().max(10_000_000);
const tokens = z.array(z.number()).max(1_000_000);

const schema = z.object({
  model: z.string().min(1).max(500).nullable().optional(),
  input: z.union([
    text,
    z
      .array(z.union([text, tokens]))
      .min(1)
      .max(2048),
    tokens,
  ]),
  encoding_format: z.enum(['float', 'base64']).nullable().optional(),
  dimensions: z.number().int().positive().max(100_000).nullable().optional(),
  user: z.string().max(500).nullable().optional(),
});

export function parseEmbeddingsRequest(body: unknown): EmbedRequest {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw wireValidationError(parsed.error);
  const r = parsed.data;
  const input = r.input;
  if (Array.isArray(input) && input.some((item) => typeof item !== 'string')) {
    throw wireValidationError(
      new z.ZodError([
        { code: 'custom', path: ['input'], message: 'token-id inputs are not supported; send text', input },
      ]),
    );
  }
  const request: EmbedRequest = { input: input as string | string[] };
  if (r.model != null) request.model = r.model;
  if (r.encoding_format != null) request.encodingFormat = r.encoding_format;
  if (r.dimensions != null) request.dimensions = r.dimensions;
  if (r.user != null) request.user = r.user;
  return request;
}
