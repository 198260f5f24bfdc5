const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An environment id as the stores key it (a lowercase GUID), or null when `raw` is not a GUID. */
export function parseEnvironmentId(raw: string | undefined): string | null {
  const id = raw?.trim() ?? '';
  return guid.test(id) ? id.toLowerCase() : null;
}
