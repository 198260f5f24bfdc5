/** Matches a request path against an Azure Functions route template such as `environments/{id}` or `items/{id?}`. */
export function matchRoute(template: string, path: string): Record<string, string> | null {
  const want = template.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (got.length > want.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const placeholder = /^\{(\w+)(?::[^}?]+)?(\?)?\}$/.exec(part);
    const segment = got[i];
    if (!placeholder) {
      if (segment?.toLowerCase() !== part.toLowerCase()) return null;
      continue;
    }
    const [, name = '', optional] = placeholder;
    if (segment === undefined) {
      if (!optional) return null;
      continue;
    }
    params[name] = decodeURIComponent(segment);
  }
  return params;
}
