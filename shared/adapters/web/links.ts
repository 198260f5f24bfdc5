import { whatIfQuery, type UsualQuestion } from './whatIfQuery.js';

/** Where the pages link: the dashboard's path as the request reached it, and the function key when it carried one. */
export interface PageLinks {
  dashboardPath: string;
  code: string | null;
}

/** A link's URL, URL-encoded; it is HTML-escaped where it is written. */
function withKey(path: string, query: URLSearchParams, links: PageLinks): string {
  if (links.code !== null) query.set('code', links.code);
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

export const dashboardHref = (links: PageLinks, query = new URLSearchParams()): string =>
  withKey(links.dashboardPath, query, links);

export const whatIfHref = (question: UsualQuestion, links: PageLinks): string =>
  withKey(`${links.dashboardPath}/what-if`, whatIfQuery(question), links);

/** The test alert endpoint, beside the dashboard under the same API prefix. */
export const testAlertHref = (links: PageLinks): string =>
  withKey(links.dashboardPath.replace(/[^/]*$/, 'test-alert'), new URLSearchParams(), links);
