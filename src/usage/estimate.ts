import type { AdapterUsage } from '../providers/adapter.js';
import type { AssistantContentPart, ChatRequest } from '../types/request.js';
import type { Usage } from '../types/result.js';

/** Characters per token for the cheap estimate (English text averages about four). */
const CHARS_PER_TOKEN = 4;

export function tokensForChars(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Default prompt estimate: characters / 4, plus 4 tokens of framing per message. */
export function estimatePromptTokens(request: ChatRequest): number {
  let chars = 0;
  for (const m of request.messages) {
    const c = m.content;
    if (typeof c === 'string') chars += c.length;
    else if (Array.isArray(c)) for (const p of c) chars += partChars(p);
    if (m.role === 'assistant' && m.toolCalls)
      for (const t of m.toolCalls) chars += t.name.length + t.arguments.length;
  }
  if (request.tools) chars += JSON.stringify(request.tools).length;
  return tokensForChars(chars) + 4 * request.messages.length;
}

function partChars(p: AssistantContentPart): number {
  if (p.type === 'text') return p.text.length;
  if (p.type === 'reasoning') return (p.text?.length ?? 0) + (p.data ? 100 : 0);
  // Images cost about a thousand tokens at common sizes; a document's text is in its bytes.
  return p.type === 'file' ? Math.max(1000, Math.ceil(p.url.length / 4)) : 1000;
}

const sane = (n: number | undefined): number | undefined =>
  n !== undefined && Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;

/**
 * The provider's numbers where it gave them (negative or NaN ones are ignored), the estimate where
 * it did not; `estimated` is true when any part is an estimate.
 */
export function completeUsage(
  reported: AdapterUsage | undefined,
  promptEstimate: number,
  completionEstimate: number,
): Usage {
  const p = sane(reported?.promptTokens);
  const c = sane(reported?.completionTokens);
  const t = sane(reported?.totalTokens);
  const promptTokens = p ?? (t !== undefined && c !== undefined ? Math.max(0, t - c) : promptEstimate);
  const completionTokens =
    c ?? (t !== undefined && p !== undefined ? Math.max(0, t - p) : completionEstimate);
  const estimated =
    !(p !== undefined || (t !== undefined && c !== undefined)) ||
    !(c !== undefined || (t !== undefined && p !== undefined));
  const usage: Usage = {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    estimated,
  };
  const cached = sane(reported?.cachedPromptTokens);
  const written = sane(reported?.cacheWriteTokens);
  if (cached !== undefined) usage.cachedPromptTokens = cached;
  if (written !== undefined) usage.cacheWriteTokens = written;
  // Part of the completion tokens: never more than them (a provider's inconsistent numbers included).
  const reasoning = sane(reported?.reasoningTokens);
  if (reasoning !== undefined) usage.reasoningTokens = Math.min(reasoning, completionTokens);
  return usage;
}
