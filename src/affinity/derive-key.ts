import * as crypto from 'node:crypto';
import { type Hash, createHash } from 'node:crypto';
import type { ChatMessage, ChatRequest } from '../types/request.js';
import { tokensForChars } from '../usage/estimate.js';
import type { ResolvedAffinity } from './affinity-options.js';

/**
 * The affinity id of a request for target `targetName`, or undefined when it has none: a digest of
 * the target and the key, so that stores see a short fixed-length id and never the user's value.
 * A tenant's requests get ids of their own (`tenantId`): two tenants sending the same key or the
 * same prompt prefix never share an entry, so one tenant's sessions can neither move nor reveal
 * another's (where a prompt is cached is a timing signal).
 */
export function affinityId(
  request: ChatRequest,
  targetName: string,
  options: ResolvedAffinity,
  tenantId?: string,
): string | undefined {
  const key = affinityKeyOf(request, options);
  if (key === undefined) return undefined;
  const scoped = tenantId === undefined ? `${targetName}\0${key}` : `${targetName}\0${key}\0t:${tenantId}`;
  return sha256(scoped).slice(0, 24);
}

/** One-shot `crypto.hash` where Node has it (20.12+): no Hash object per request; the same digest. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string })
  .hash;

function sha256(data: string): string {
  return oneShot
    ? oneShot('sha256', data, 'base64url')
    : createHash('sha256').update(data).digest('base64url');
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
 * length is counted before anything is built or hashed, so short prompts (most requests) cost a few
 * length reads.
 */
function prefixDigest(request: ChatRequest, minTokens: number): string | undefined {
  const messages = request.messages;
  let end = 0;
  let chars = 0;
  while (end < messages.length) {
    const m = messages[end++]!;
    chars += contentChars(m);
    if (m.role !== 'system') break;
  }
  const hasTools = request.tools !== undefined && request.tools.length > 0;
  // Tools are measured only when the messages alone fall short (stringifying them costs more).
  const tools = hasTools && tokensForChars(chars) < minTokens ? JSON.stringify(request.tools) : undefined;
  if (tokensForChars(chars + (tools?.length ?? 0)) < minTokens) return undefined;
  const hash = createHash('sha256');
  for (let i = 0; i < end; i++) hashMessage(hash, messages[i]!);
  if (hasTools) hash.update(tools ?? JSON.stringify(request.tools));
  return hash.digest('base64url');
}

function contentChars(m: ChatMessage): number {
  const c = m.content;
  if (typeof c === 'string') return c.length;
  if (!Array.isArray(c)) return 0;
  let n = 0;
  for (const part of c) {
    if (part.type === 'text') n += part.text.length;
    else if (part.type === 'image' || part.type === 'file') n += part.url.length;
  }
  return n;
}

function hashMessage(hash: Hash, m: ChatMessage): void {
  hash.update(m.role).update(':');
  const c = m.content;
  if (typeof c === 'string') hash.update(c);
  else if (Array.isArray(c)) {
    for (const part of c) {
      if (part.type === 'text') hash.update(part.text);
      else if (part.type === 'image' || part.type === 'file') hash.update(part.url);
    }
  }
  hash.update('\0');
}
