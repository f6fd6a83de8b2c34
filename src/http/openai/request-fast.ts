import type { OpenAIChatRequest } from './request.js';

/*
 * The common chat request checked by hand: `model`, `messages` of `{role, content: string}`, and a few
 * scalar options. Whatever this accepts, `openAIChatRequestSchema` accepts too, with the same values
 * (the bounds below are the schema's); anything else — another field, a part array, a tool call, a
 * value out of bounds — answers `undefined`, and the schema decides (so every error keeps its code,
 * field and message). It saves the schema's walk on most requests.
 */

const MAX_TEXT = 10_000_000;
const ROLES: ReadonlySet<unknown> = new Set(['system', 'developer', 'user', 'assistant']);

type Check = (value: unknown) => boolean;
const nullish = (v: unknown) => v === null || v === undefined;
const boundedNumber =
  (min: number, max: number): Check =>
  (v) =>
    nullish(v) || (typeof v === 'number' && v >= min && v <= max);
const positiveInt: Check = (v) => nullish(v) || (typeof v === 'number' && Number.isSafeInteger(v) && v > 0);
const boundedString =
  (min: number, max: number): Check =>
  (v) =>
    nullish(v) || (typeof v === 'string' && v.length >= min && v.length <= max);

const FIELDS: ReadonlyMap<string, Check> = new Map<string, Check>([
  ['model', boundedString(1, 500)],
  ['messages', plainMessages],
  ['max_tokens', positiveInt],
  ['max_completion_tokens', positiveInt],
  ['temperature', boundedNumber(0, 2)],
  ['top_p', boundedNumber(0, 1)],
  ['user', boundedString(0, 500)],
  ['stream', (v) => nullish(v) || typeof v === 'boolean'],
  ['stream_options', streamOptions],
]);

/** The body as the schema would output it, when it is the common shape; else `undefined`. */
export function fastChatRequest(body: unknown): OpenAIChatRequest | undefined {
  if (!isPlainObject(body)) return undefined;
  let messages = false;
  for (const key in body) {
    const check = FIELDS.get(key);
    if (!check?.(body[key])) return undefined;
    if (key === 'messages') messages = true;
  }
  // Every field is one the schema keeps, with a value it takes as is: the body is its output.
  return messages ? (body as OpenAIChatRequest) : undefined;
}

function plainMessages(value: unknown): boolean {
  if (!Array.isArray(value) || value.length < 1 || value.length > 100_000) return false;
  for (const m of value) {
    if (!isPlainObject(m)) return false;
    let fields = 0;
    for (const key in m) {
      if (key !== 'role' && key !== 'content') return false;
      fields++;
    }
    if (fields !== 2 || !ROLES.has(m.role)) return false;
    if (typeof m.content !== 'string' || m.content.length > MAX_TEXT) return false;
  }
  return true;
}

function streamOptions(value: unknown): boolean {
  if (nullish(value)) return true;
  if (!isPlainObject(value)) return false;
  for (const key in value) {
    if (key !== 'include_usage') return false;
    if (value[key] !== undefined && typeof value[key] !== 'boolean') return false;
  }
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
