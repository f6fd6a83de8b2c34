import type { RouterWarning } from 'model-router';

/** Longest `x-model-router-warnings` header value. */
const MAX_HEADER = 1_000;

/**
 * Fields of a client's wire body that only an upstream of the same format could take: each one the
 * router does not model becomes a `field_dropped` warning when another format serves.
 */
export function droppedFields(
  body: Readonly<Record<string, unknown>>,
  modelled: ReadonlySet<string>,
  format: string,
): RouterWarning[] {
  const out: RouterWarning[] = [];
  for (const key of Object.keys(body)) {
    if (modelled.has(key) || body[key] === null || body[key] === undefined) continue;
    out.push({
      code: 'field_dropped',
      message: `${key} has no equivalent outside the ${format} format and was left out`,
      field: key,
    });
    if (out.length >= 50) break;
  }
  return out;
}

/** `x-model-router-warnings: field_dropped seed, reasoning_dropped input[3]` (bounded), or nothing. */
export function warningHeaders(warnings: readonly RouterWarning[]): Record<string, string> {
  if (warnings.length === 0) return {};
  let value = '';
  for (const w of warnings) {
    const item = `${w.code}${w.field ? ` ${w.field}` : ''}`.replace(/[^\x20-\x7e]/g, '?');
    const next = value ? `${value}, ${item}` : item;
    if (next.length > MAX_HEADER) break;
    value = next;
  }
  return { 'x-model-router-warnings': value };
}
