/**
 * What reads show instead of a secret: enough to recognise a key in a list, never enough to use it.
 * - `env:NAME` references are shown as they are (they name a variable, not a secret);
 * - 16 characters or more: the first 3 and the last 4 (`sk-…abcd`), as provider dashboards do;
 * - 8 to 15: the last 4 only (`…abcd`) — a short secret's prefix would give away too much of it;
 * - shorter: `…` alone, since 4 characters of a 7-character secret are most of it.
 */
export function secretPreview(secret: string): string {
  if (/^env:[A-Za-z_][A-Za-z0-9_]*$/.test(secret)) return secret;
  if (secret.length >= 16) return `${secret.slice(0, 3)}…${secret.slice(-4)}`;
  if (secret.length >= 8) return `…${secret.slice(-4)}`;
  return '…';
}
