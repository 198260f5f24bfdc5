import { guidPattern } from '../../domain/guid.js';

/** An environment id as the stores key it (a lowercase GUID), or null when `raw` is not a GUID. */
export function parseEnvironmentId(raw: string | undefined): string | null {
  const id = raw?.trim() ?? '';
  return guidPattern.test(id) ? id.toLowerCase() : null;
}
