/** `undefined`, `''`, `/` → `''`; `api/` → `/api`. */
export function normalizeBasePath(basePath: string | undefined): string {
  const trimmed = (basePath ?? '').trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/**
 * The request path below `basePath`, split into decoded segments (`/model-groups/a%2Fb` →
 * `['model-groups', 'a/b']`); `undefined` when the path is not under `basePath` or is malformed.
 */
export function routeSegments(pathname: string, basePath: string): string[] | undefined {
  let rest = pathname;
  if (basePath) {
    if (rest !== basePath && !rest.startsWith(`${basePath}/`)) return undefined;
    rest = rest.slice(basePath.length);
  }
  const parts = rest.split('/').filter((s) => s !== '');
  if (!rest.includes('%')) return parts; // nothing to decode (nor to fail decoding)
  try {
    return parts.map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}
