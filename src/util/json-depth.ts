/**
 * Deepest nesting of objects and arrays accepted in a request's open-ended fields (tool parameters,
 * JSON schemas, provider options). Real JSON schemas stay far below it; a hostile one 5,000 levels
 * deep would otherwise overflow the stack in whatever walks it next (the prompt estimate, a
 * serializer, an adapter) and escape as a raw `RangeError`.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * True when `value` nests objects or arrays deeper than `max` levels (the value itself is level 1).
 * Iterative, so it cannot overflow the stack however deep the input; stops at the first offender.
 */
export function tooDeep(value: unknown, max = MAX_JSON_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: Array<[object, number]> = [[value, 1]];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > max) return true;
    if (seen.has(node)) continue; // a shared or circular reference adds no depth worth walking again
    seen.add(node);
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
