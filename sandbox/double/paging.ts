/** `{ value, nextLink }` pages, the way Key Vault and ARM page their lists: nextLink is an absolute URL with a skip token. */
import type { DoubleRequest } from './server.js';

export interface Page<T> {
  value: T[];
  nextLink?: string;
}

/** `render` turns only the page's items into what is served, each with its index in the whole list. */
export function paginate<T, R = T>(
  items: T[],
  request: DoubleRequest,
  pageSize: number,
  tokenParam: string,
  render: (item: T, index: number) => R = (item) => item as unknown as R,
): Page<R> {
  const start = decodeSkipToken(request.query.get(tokenParam));
  const value = items.slice(start, start + pageSize).map((item, offset) => render(item, start + offset));
  if (start + pageSize >= items.length) return { value };
  const next = new URL(request.url);
  next.searchParams.set(tokenParam, Buffer.from(`skip:${start + pageSize}`).toString('base64url'));
  return { value, nextLink: next.toString() };
}

function decodeSkipToken(token: string | null): number {
  const match = /^skip:(\d+)$/.exec(Buffer.from(token ?? '', 'base64url').toString('utf8'));
  return match ? Number(match[1]) : 0;
}
