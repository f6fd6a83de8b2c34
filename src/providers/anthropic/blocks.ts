import type {
  AssistantContentPart,
  CacheControl,
  FilePart,
  ImagePart,
  ToolChoice,
} from '../../types/request.js';
import type { ProviderCall } from '../adapter.js';
import { dataUrlText, parseDataUrl } from '../shared/data-url.js';
import type { JsonObject } from '../shared/json.js';
import type { Warnings } from '../shared/warnings.js';

/** The provider family whose reasoning this adapter can send back (thinking signatures). */
export const ANTHROPIC_FAMILY = 'anthropic';

/** `{ cache_control }` for a part that carries a cache hint, else nothing. */
export function cacheField(cc: CacheControl | undefined): JsonObject {
  if (!cc) return {};
  return { cache_control: cc.ttl === undefined ? { type: cc.type } : { type: cc.type, ttl: cc.ttl } };
}

function imageBlock(part: ImagePart): JsonObject {
  const data = parseDataUrl(part.url);
  const source =
    data?.base64 === true
      ? { type: 'base64', media_type: part.mediaType ?? data.mediaType ?? 'image/png', data: data.data }
      : { type: 'url', url: part.url };
  return { type: 'image', source, ...cacheField(part.cacheControl) };
}

function documentBlock(part: FilePart): JsonObject {
  const data = parseDataUrl(part.url);
  const mediaType = part.mediaType ?? data?.mediaType;
  let source: JsonObject;
  if (!data) source = { type: 'url', url: part.url };
  else if (mediaType?.startsWith('text/'))
    source = { type: 'text', media_type: 'text/plain', data: dataUrlText(data) };
  else source = { type: 'base64', media_type: mediaType ?? 'application/pdf', data: data.data };
  return {
    type: 'document',
    source,
    ...(part.name === undefined ? {} : { title: part.name }),
    ...cacheField(part.cacheControl),
  };
}

/**
 * Content parts → Messages API blocks. Reasoning of the `anthropic` family goes back as `thinking` /
 * `redacted_thinking` blocks with their signatures; reasoning of any other family cannot be read by
 * Anthropic and is dropped with a warning. Empty text blocks are left out (Anthropic refuses them).
 */
export function contentBlocks(
  content: string | readonly AssistantContentPart[] | null,
  warnings: Warnings,
  field: string,
): JsonObject[] {
  if (content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  const out: JsonObject[] = [];
  content.forEach((part, i) => {
    switch (part.type) {
      case 'text':
        if (part.text !== '') out.push({ type: 'text', text: part.text, ...cacheField(part.cacheControl) });
        break;
      case 'image':
        out.push(imageBlock(part));
        break;
      case 'file':
        out.push(documentBlock(part));
        break;
      case 'reasoning':
        if (part.family !== ANTHROPIC_FAMILY) {
          warnings.add(
            'reasoning_dropped',
            `reasoning from the "${part.family}" family cannot be sent to an Anthropic model and was left out`,
            `${field}[${i}]`,
          );
        } else if (part.data !== undefined) {
          out.push({ type: 'redacted_thinking', data: part.data });
        } else if (part.signature !== undefined) {
          out.push({ type: 'thinking', thinking: part.text ?? '', signature: part.signature });
        } else {
          // Thinking without its signature is refused by the API: it cannot be sent back.
          warnings.add('reasoning_dropped', 'thinking without a signature was left out', `${field}[${i}]`);
        }
        break;
    }
  });
  return out;
}

export function toToolChoice(choice: ToolChoice): JsonObject {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  return { type: 'tool', name: choice.function.name };
}

export function maxTokensOf(call: ProviderCall, defaultMaxTokens: number): number {
  return call.request.maxTokens ?? call.model.maxOutputTokens ?? defaultMaxTokens;
}
