import type { ReasoningPart } from 'model-router';
import { z } from 'zod';

/*
 * Reasoning across the translated `/v1/responses` route. A Responses client keeps reasoning as
 * `reasoning` items (a readable `summary`, an opaque `encrypted_content`) and sends them back next
 * turn; the providers behind the relay keep theirs as `ReasoningPart`s of their family (Anthropic
 * thinking with its signature or redacted data, Gemini thought signatures, Bedrock reasoning…).
 * OpenAI's own items (family `openai`) go out as they are. Any other family's part rides in
 * `encrypted_content` as an envelope — `mr1.` + base64url of `{ f: family, s?: signature, d?: data }`
 * — and its text in `summary`; next turn the envelope gives the part back to the provider of that
 * family, which checks its signature as usual. Another family's part is dropped by the serving
 * adapter with a warning, as on every route.
 */

/** The reasoning family of OpenAI's Responses API (encrypted reasoning items). */
export const OPENAI_RESPONSES_FAMILY = 'openai';

const ENVELOPE = 'mr1.';

const envelope = z.object({
  f: z.string().min(1).max(100),
  s: z.string().optional(),
  d: z.string().optional(),
});

/** A reasoning item as the client sent it (validated by the request schema). */
export interface ReasoningItemInput {
  id?: string | undefined;
  summary?: Array<{ text: string }> | undefined;
  encrypted_content?: string | null | undefined;
}

/** The `ReasoningPart` a client's reasoning item stands for. */
export function fromReasoningItem(r: ReasoningItemInput): ReasoningPart {
  const text = (r.summary ?? []).map((s) => s.text).join('\n\n');
  const sealed = r.encrypted_content?.startsWith(ENVELOPE) ? open(r.encrypted_content) : undefined;
  const part: ReasoningPart = { type: 'reasoning', family: sealed?.f ?? OPENAI_RESPONSES_FAMILY };
  if (r.id && !sealed) part.id = r.id;
  if (text) part.text = text;
  if (sealed) {
    if (sealed.s !== undefined) part.signature = sealed.s;
    if (sealed.d !== undefined) part.data = sealed.d;
  } else if (r.encrypted_content) part.data = r.encrypted_content;
  return part;
}

/** A `reasoning` output item for a part; `encrypted` when the client asked for `reasoning.encrypted_content`. */
export function toReasoningItem(
  part: ReasoningPart,
  id: string,
  encrypted: boolean,
): Record<string, unknown> {
  const item: Record<string, unknown> = {
    type: 'reasoning',
    id: part.family === OPENAI_RESPONSES_FAMILY && part.id ? part.id : id,
    summary: part.text ? [{ type: 'summary_text', text: part.text }] : [],
  };
  if (encrypted) item.encrypted_content = sealed(part) ?? null;
  return item;
}

/** What `encrypted_content` carries for a part: OpenAI's own data, or the envelope of another family. */
function sealed(part: ReasoningPart): string | undefined {
  if (part.family === OPENAI_RESPONSES_FAMILY) return part.data;
  const body: z.input<typeof envelope> = { f: part.family };
  if (part.signature !== undefined) body.s = part.signature;
  if (part.data !== undefined) body.d = part.data;
  return ENVELOPE + toBase64Url(JSON.stringify(body));
}

// btoa/atob over UTF-8 bytes: the web handler runs where `Buffer` may not exist.
function toBase64Url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(value: string): string {
  const binary = atob(value.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

function open(value: string): z.output<typeof envelope> | undefined {
  try {
    const parsed = envelope.safeParse(JSON.parse(fromBase64Url(value.slice(ENVELOPE.length))));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** True when the request asked for reasoning's encrypted content in the output. */
export function wantsEncrypted(include: readonly string[] | null | undefined): boolean {
  return include?.includes('reasoning.encrypted_content') ?? false;
}
