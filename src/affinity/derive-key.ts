import { createHash } from 'node:crypto';
import type { ChatMessage, ChatRequest } from '../types/request.js';
import { tokensForChars } from '../usage/estimate.js';
import type { ResolvedAffinity } from './affinity-options.js';

/**
 * The affinity id of a request for target `targetName`, or undefined when it has none: a digest of
 * the target and the key, so that stores see a short fixed-length id and never the user's value.
 */
export function affinityId(
  request: ChatRequest,
  targetName: string,
  options: ResolvedAffinity,
): string | undefined {
  const key = affinityKeyOf(request, options);
  if (key === undefined) return undefined;
  return createHash('sha256').update(targetName).update('\0').update(key).digest('base64url').slice(0, 24);
}

function affinityKeyOf(request: ChatRequest, options: ResolvedAffinity): string | undefined {
  if (typeof request.affinityKey === 'string' && request.affinityKey !== '')
    return `k:${request.affinityKey}`;
  const derive = options.derive;
  if (typeof derive === 'function') {
    let key: unknown;
    try {
      key = derive(request);
    } catch {
      return undefined; // a failing derivation costs affinity, never the request
    }
    return typeof key === 'string' && key !== '' ? `k:${key}` : undefined;
  }
  for (const source of derive) {
    if (source === 'user' && request.user) return `k:${request.user}`;
    if (source === 'metadata.user_id') {
      const id = request.metadata?.user_id;
      if (typeof id === 'string' && id !== '') return `k:${id}`;
    }
    if (source === 'prefix') {
      const digest = prefixDigest(request, options.minPrefixTokens);
      if (digest !== undefined) return `p:${digest}`;
    }
  }
  return undefined;
}

/**
 * The cacheable prefix: system messages, tools, and the first message after the system ones. Its
 * length is counted before anything is hashed, so short prompts cost no hashing.
 */
function prefixDigest(request: ChatRequest, minTokens: number): string | undefined {
  const messages = request.messages;
  const prefix: ChatMessage[] = [];
  for (const m of messages) {
    prefix.push(m);
    if (m.role !== 'system') break;
  }
  const texts = prefix.map(messageText);
  let chars = 0;
  for (const t of texts) chars += t.length;
  const tools = request.tools && request.tools.length > 0 ? JSON.stringify(request.tools) : '';
  chars += tools.length;
  if (tokensForChars(chars) < minTokens) return undefined;
  const hash = createHash('sha256');
  for (const t of texts) hash.update(t).update('\0');
  hash.update(tools);
  return hash.digest('base64url');
}

function messageText(m: ChatMessage): string {
  const c = m.content;
  if (typeof c === 'string') return `${m.role}:${c}`;
  if (!Array.isArray(c)) return m.role;
  let out = `${m.role}:`;
  for (const part of c) {
    if (part.type === 'text') out += part.text;
    else if (part.type === 'image' || part.type === 'file') out += part.url;
  }
  return out;
}
