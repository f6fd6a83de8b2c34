/** `${base}/${path}` whether or not `base` ends with a slash (users write both). */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
