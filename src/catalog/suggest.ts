/** Levenshtein distance, bounded: returns `max + 1` as soon as the distance exceeds `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** Up to `limit` names close to `name` (case-insensitive edit distance, or containment). */
export function closeMatches(name: string, names: Iterable<string>, limit = 3): string[] {
  const needle = name.toLowerCase();
  const max = Math.max(2, Math.floor(needle.length / 3));
  const scored: Array<{ n: string; d: number }> = [];
  for (const n of names) {
    const hay = n.toLowerCase();
    const contains = needle.length >= 3 && hay.length >= 3 && (hay.includes(needle) || needle.includes(hay));
    const d = contains ? 0.5 : distance(needle, hay, max);
    if (d <= max) scored.push({ n, d });
  }
  scored.sort((a, b) => a.d - b.d || a.n.localeCompare(b.n));
  return [...new Set(scored.map((s) => s.n))].slice(0, limit);
}
