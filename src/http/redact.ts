/*
 * Defense in depth for messages that leave the process. Router errors are secret-free by design, but a
 * message may quote an upstream error text, and upstreams sometimes echo (part of) a key.
 */
const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\b(sk|pk|rk)-[A-Za-z0-9_*.-]{6,}/g, '$1-[redacted]'],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, '[redacted]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=*-]+/gi, '$1 [redacted]'],
  [
    /\b(api[_-]?key|x-api-key|access[_-]?token|token|secret|password)(["']?\s*[=:]\s*["']?)[^\s"',;&]+/gi,
    '$1$2[redacted]',
  ],
  [/\b[A-Za-z0-9]{40,}\b/g, '[redacted]'],
];

/** Replace anything that looks like a credential with `[redacted]`. */
export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
