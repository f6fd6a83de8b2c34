import { invalid } from '../../errors/validation.js';

/** Where Vertex AI serves a model: `projects/{project}/locations/{location}/publishers/{publisher}`. */
export interface VertexLocation {
  project: string;
  /** A region (`us-central1`, `europe-west4`) or `global`. */
  location: string;
  /**
   * The model's publisher.
   * @default 'google' for `gemini()`, 'anthropic' for `anthropic()`
   */
  publisher?: string;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Fail at the factory: these values become URL path segments and a host name. */
export function checkVertex(prefix: string, vertex: VertexLocation): void {
  for (const field of ['project', 'location', 'publisher'] as const) {
    const value = vertex[field];
    if (field === 'publisher' && value === undefined) continue;
    if (typeof value !== 'string' || !SEGMENT.test(value)) {
      throw invalid(
        `${prefix}.vertex.${field}`,
        `expected a resource id (letters, digits, . _ -), got ${JSON.stringify(value)}`,
      );
    }
  }
}

/** Vertex AI's regional endpoint, or the global one. */
export function vertexBaseUrl(vertex: VertexLocation): string {
  return vertex.location === 'global'
    ? 'https://aiplatform.googleapis.com/v1'
    : `https://${vertex.location}-aiplatform.googleapis.com/v1`;
}

/** `projects/{p}/locations/{l}/publishers/{pub}/models/{model}`, the model id one encoded segment. */
export function vertexModelPath(vertex: VertexLocation, publisher: string, modelId: string): string {
  return `projects/${vertex.project}/locations/${vertex.location}/publishers/${vertex.publisher ?? publisher}/models/${encodeURIComponent(modelId)}`;
}
