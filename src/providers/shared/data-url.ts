/** A `data:` URL split into its parts; `undefined` for any other URL. */
export interface DataUrl {
  mediaType: string | undefined;
  base64: boolean;
  data: string;
}

export function parseDataUrl(url: string): DataUrl | undefined {
  const m = /^data:([^;,]+)?((?:;[^;,]*)*?)(;base64)?,(.*)$/s.exec(url);
  if (!m) return undefined;
  return { mediaType: m[1], base64: m[3] !== undefined, data: m[4]! };
}

/** The text a `data:` URL carries (base64 or percent-encoded). */
export function dataUrlText(d: DataUrl): string {
  if (d.base64) {
    try {
      return new TextDecoder().decode(Uint8Array.from(atob(d.data), (c) => c.charCodeAt(0)));
    } catch {
      return '';
    }
  }
  try {
    return decodeURIComponent(d.data);
  } catch {
    return d.data;
  }
}
