import type { WireEventPart } from '../types/stream.js';

/**
 * About how many characters a parsed JSON value holds: its strings and keys, plus 8 per other
 * value. Iterative (no stack to overflow); used to account for opaque payloads (wire events) in
 * the router's memory bounds, so precision matters less than never under-counting a big string.
 */
export function approxChars(value: unknown): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') total += v.length;
    else if (typeof v === 'object' && v !== null) {
      if (Array.isArray(v)) for (const item of v) stack.push(item);
      else
        for (const [k, item] of Object.entries(v)) {
          total += k.length;
          stack.push(item);
        }
    } else total += 8;
  }
  return total;
}

/**
 * What a wire event counts in the memory bounds: the length of the JSON text it was parsed from, as
 * the adapter measured it while parsing (a string's JSON text is never shorter than the string), or
 * else `approxChars` of its data.
 */
export function wireChars(part: WireEventPart): number {
  const { chars } = part;
  return typeof chars === 'number' && chars >= 0 ? chars : approxChars(part.data);
}
