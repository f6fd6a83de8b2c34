import { type CallContext, providerError } from './context.js';
import { type JsonObject, isObject } from './json.js';

/**
 * A history tool call's arguments as the object the provider wants (Gemini `args`, Bedrock
 * `input`): the router keeps the model's JSON text. Empty text is `{}`; anything that is not a JSON
 * object is the caller's mistake (`bad_request`, no failover: every provider would refuse it).
 */
export function toolArgumentsObject(ctx: CallContext, name: string, args: string): JsonObject {
  if (args.trim() === '') return {};
  let input: unknown;
  try {
    input = JSON.parse(args);
  } catch (cause) {
    throw providerError(ctx, {
      kind: 'bad_request',
      message: `${ctx.adapter}: the arguments of tool call "${name}" in the history are not valid JSON`,
      cause,
    });
  }
  if (!isObject(input)) {
    throw providerError(ctx, {
      kind: 'bad_request',
      message: `${ctx.adapter}: the arguments of tool call "${name}" in the history are not a JSON object`,
    });
  }
  return input;
}

/**
 * Tool results are text; providers that want JSON (Gemini `functionResponse.response`) get the
 * parsed object when the text is one, else `{ result: text }`.
 */
export function toolResultObject(content: string): JsonObject {
  const trimmed = content.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (isObject(parsed)) return parsed;
    } catch {
      // Not JSON after all: sent as text.
    }
  }
  return { result: content };
}

/** A `data:` URL split into media type and base64 payload, or `undefined` for any other URL. */
export function dataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { mediaType: match[1]!, data: match[2]! } : undefined;
}

const EXTENSION_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
};

/** An image URL's media type: the part's own, else from the file extension, else JPEG. */
export function imageMediaType(url: string, given: string | undefined): string {
  if (given) return given;
  const ext = /\.([a-z0-9]{2,5})(?:[?#].*)?$/i.exec(url)?.[1]?.toLowerCase();
  return (ext && EXTENSION_TYPES[ext]) || 'image/jpeg';
}
