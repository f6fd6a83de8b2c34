import { joinUrl } from '../shared/url.js';
import { type VertexLocation, vertexBaseUrl } from '../shared/vertex.js';

const GEMINI_API = 'https://generativelanguage.googleapis.com/v1beta';
/** The default API root: the Gemini API, or Vertex AI's regional (or global) endpoint. */
export function defaultBaseUrl(vertex: VertexLocation | undefined): string {
  return vertex ? vertexBaseUrl(vertex) : GEMINI_API;
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
