import type { z } from 'zod';
import { RouterError } from './router-error.js';

/** Field path as users write it: `catalog.providers[0].keys[1].rpm`. */
export function formatPath(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  let out = prefix;
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/** Turn a zod failure into `VALIDATION`, naming the first field (all issues in `details.issues`). */
export function validationError(prefix: string, error: z.ZodError): RouterError {
  // An unknown key is named as the field itself (`members[0].modelID`), not as its parent object.
  const issues = error.issues.map((i) => ({
    field: formatPath(prefix, i.code === 'unrecognized_keys' && i.keys[0] ? [...i.path, i.keys[0]] : i.path),
    message: i.message,
  }));
  const first = issues[0] ?? { field: prefix || '(root)', message: 'invalid' };
  return new RouterError('VALIDATION', `Invalid ${first.field}: ${first.message}`, {
    details: { field: first.field, issues },
  });
}

export function invalid(field: string, message: string): RouterError {
  return new RouterError('VALIDATION', `Invalid ${field}: ${message}`, {
    details: { field, issues: [{ field, message }] },
  });
}

/** Parse with a schema or throw `VALIDATION`. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(prefix, result.error);
  return result.data;
}
