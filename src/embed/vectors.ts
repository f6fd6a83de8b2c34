import type { EmbeddingEncoding } from '../types/embed.js';

/*
 * base64 embeddings are little-endian float32, as OpenAI sends them. Node's Buffer is several times
 * faster than atob/btoa for vectors of thousands of floats; the fallback keeps the core portable.
 */

const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bytesOf(vector: readonly number[]): Uint8Array {
  const floats = Float32Array.from(vector);
  const bytes = new Uint8Array(floats.buffer);
  if (!littleEndian) {
    const view = new DataView(floats.buffer);
    for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i]!, true);
  }
  return bytes;
}

/** A float vector as base64 of little-endian float32. */
export function encodeBase64(vector: readonly number[]): string {
  const bytes = bytesOf(vector);
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}

/** base64 of little-endian float32 → numbers; `undefined` when it is not that. */
export function decodeBase64(text: string): number[] | undefined {
  let bytes: Uint8Array;
  try {
    bytes = NodeBuffer
      ? new Uint8Array(NodeBuffer.from(text, 'base64'))
      : Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
  if (bytes.byteLength % 4 !== 0) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<number>(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** One vector in the requested encoding; `undefined` when the adapter's value is neither form. */
export function toEncoding(value: unknown, encoding: EmbeddingEncoding): number[] | string | undefined {
  if (typeof value === 'string') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return undefined;
    return encoding === 'base64' ? value : decodeBase64(value);
  }
  if (!Array.isArray(value)) return undefined;
  for (const n of value) if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
  return encoding === 'base64' ? encodeBase64(value as number[]) : (value as number[]);
}
