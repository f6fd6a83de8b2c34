import type { EmbeddingResult } from 'model-router';

/**
 * OpenAI's embeddings list (`{ object: 'list', data: [{ object, index, embedding }], model, usage }`)
 * as JSON text, the same text `JSON.stringify` makes of it. A base64 vector is written as it is:
 * `router.embed()` hands back only base64 it checked (`[A-Za-z0-9+/]*={0,2}`) or encoded itself,
 * which JSON needs no escape for — `JSON.stringify` would scan each of its thousands of characters
 * again. A float vector is serialized as usual.
 */
export function embeddingsListJson(result: EmbeddingResult, model: string): string {
  const { embeddings } = result;
  let text = '{"object":"list","data":[';
  for (let index = 0; index < embeddings.length; index++) {
    const vector: unknown = embeddings[index];
    const json = typeof vector === 'string' ? `"${vector}"` : JSON.stringify(vector);
    text += `${index === 0 ? '' : ','}{"object":"embedding","index":${index},"embedding":${json}}`;
  }
  const usage = { prompt_tokens: result.usage.promptTokens, total_tokens: result.usage.totalTokens };
  return `${text}],"model":${JSON.stringify(model)},"usage":${JSON.stringify(usage)}}`;
}
