import { invalid } from '../../errors/validation.js';
import { joinUrl } from '../shared/url.js';
import type { VertexLocation } from './options.js';

const GEMINI_API = 'https://generativelanguage.googleapis.com/v1beta';
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Fail at the factory: these values become URL path segments. */
export function checkVertex(vertex: VertexLocation): void {
  for (const field of ['project', 'location', 'publisher'] as const) {
    const value = vertex[field];
    if (field === 'publisher' && value === undefined) continue;
    if (typeof value !== 'string' || !SEGMENT.test(value)) {
      throw invalid(
        `gemini.vertex.${field}`,
        `expected a resource id (letters, digits, . _ -), got ${JSON.stringify(value)}`,
      );
    }
  }
}

/** The default API root: the Gemini API, or Vertex AI's regional (or global) endpoint. */
export function defaultBaseUrl(vertex: VertexLocation | undefined): string {
  if (!vertex) return GEMINI_API;
  return vertex.location === 'global'
    ? 'https://aiplatform.googleapis.com/v1'
    : `https://${vertex.location}-aiplatform.googleapis.com/v1`;
}

/**
 * `{base}/models/{model}:generateContent` (Gemini API; `models/…` and `tunedModels/…` ids are kept)
 * or `{base}/projects/{p}/locations/{l}/publishers/{pub}/models/{model}:…` (Vertex). The model id
 * is a catalog value: each segment is encoded, so it cannot leave its path.
 */
export function modelUrl(
  base: string,
  modelId: string,
  vertex: VertexLocation | undefined,
  stream: boolean,
): string {
  const method = stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  const named = /^(models|tunedModels)\/(.+)$/.exec(modelId);
  const model = named
    ? `${named[1]}/${encodeURIComponent(named[2]!)}`
    : `models/${encodeURIComponent(modelId)}`;
  const path = vertex
    ? `projects/${vertex.project}/locations/${vertex.location}/publishers/${vertex.publisher ?? 'google'}/${model}`
    : model;
  return joinUrl(base, `${path}:${method}`);
}
