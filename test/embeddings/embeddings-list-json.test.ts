import { describe, expect, it } from 'vitest';
import type { EmbeddingResult } from '../../src/index.js';
import { embeddingsListJson } from '../../src/http/openai-embeddings/response.js';

/* The embeddings list the relay writes by hand is the text JSON.stringify makes of the same object. */

function result(embeddings: Array<number[] | string>, prompt = 5): EmbeddingResult {
  return {
    embeddings,
    usage: { promptTokens: prompt, completionTokens: 0, totalTokens: prompt },
    providerId: 'p',
    modelId: 'm',
    attempts: [],
    requestId: 'r',
    latencyMs: 0,
  } as unknown as EmbeddingResult;
}

function stringified(r: EmbeddingResult, model: string): string {
  return JSON.stringify({
    object: 'list',
    data: r.embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model,
    usage: { prompt_tokens: r.usage.promptTokens, total_tokens: r.usage.totalTokens },
  });
}

describe('embeddingsListJson', () => {
  const base64 = Buffer.from(new Float32Array([0.5, -1, 3.25]).buffer).toString('base64');
  const cases: Array<[string, EmbeddingResult, string]> = [
    ['base64 vectors', result([base64, 'AAAAAA==', '']), 'embed'],
    ['float vectors', result([[0, 0.5, -1e-7, 1.5e300], [-0]]), 'text-embedding-3-small'],
    ['one vector, a model name JSON must escape', result([[1, 2, 3]]), 'a "quoted"\\name\u2028\n'],
    ['no vectors', result([]), 'p/m'],
  ];
  for (const [name, r, model] of cases) {
    it(name, () => {
      const text = embeddingsListJson(r, model);
      expect(text).toBe(stringified(r, model));
      expect(JSON.parse(text).model).toBe(model);
    });
  }
});
