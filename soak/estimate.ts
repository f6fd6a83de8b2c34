import type { ChatRequest } from '../src/index.js';

/** The prompt estimate the router is given, so that the checker knows every estimated token. */
export function estimateTokens(request: ChatRequest): number {
  let n = 1;
  for (const m of request.messages)
    n += 3 + Math.ceil((typeof m.content === 'string' ? m.content.length : 0) / 4);
  return n;
}
