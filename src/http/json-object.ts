/** A JSON object (not null, not an array): what a peer's `usage` or `message` must be to be read. */
export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
