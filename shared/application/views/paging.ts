/** One page of a list: its items, how many there are in all, and which page of how many this is (1-based). */
export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  pages: number;
}

/** Page `page` of `items`; a page past the last is the last. */
export function pageOf<T>(items: readonly T[], page: number, perPage: number): Paged<T> {
  const pages = Math.max(1, Math.ceil(items.length / perPage));
  const shown = Math.min(Math.max(1, page), pages);
  return { items: items.slice((shown - 1) * perPage, shown * perPage), total: items.length, page: shown, pages };
}

/** The first items of a list, and how many more it has. */
export interface Listed<T> {
  items: T[];
  more: number;
}

export function firstOf<T>(items: readonly T[], count: number): Listed<T> {
  return { items: items.slice(0, count), more: Math.max(0, items.length - count) };
}
