import { statuses, type Status } from '../../domain/model.js';
import type { DashboardFilters, DashboardQuery } from '../../application/views/dashboardFilters.js';
import { dashboardHref, type PageLinks } from './links.js';

/** The longest filter text the page takes: longer than any name it could match. */
export const maxFilterLength = 200;

/** Each filter's name in the query string. */
export const filterParams = { status: 'status', policy: 'policy', vault: 'vault', text: 'q' } as const satisfies Record<
  keyof DashboardFilters,
  string
>;

/** The query the dashboard's URL asks for, and what of it the page ignores, and why. */
export interface DecodedDashboardQuery extends DashboardQuery {
  notes: string[];
}

/** A filter the page cannot use, or a page that is not a number, is ignored with a note: the page always renders. */
export function decodeDashboardQuery(params: URLSearchParams): DecodedDashboardQuery {
  const notes: string[] = [];
  const text = (filter: keyof DashboardFilters): string | null => {
    const value = params.get(filterParams[filter])?.trim() ?? '';
    if (value.length <= maxFilterLength) return value || null;
    notes.push(`The ${filter} filter is longer than ${maxFilterLength} characters: ignored.`);
    return null;
  };
  const status = text('status');
  if (status !== null && !isStatus(status))
    notes.push(`The status filter must be one of ${statuses.join(', ')}: ignored.`);
  const page = params.get('page')?.trim() ?? '';
  const pageNumber = /^[0-9]{1,6}$/.test(page) ? Number(page) : 0;
  if (page && pageNumber < 1) notes.push('The page must be a whole number from 1: showing page 1.');
  return {
    filters: {
      status: status !== null && isStatus(status) ? status : null,
      policy: text('policy'),
      vault: text('vault'),
      text: text('text'),
    },
    page: Math.max(1, pageNumber),
    notes,
  };
}

/** The query string of `filters` and `page`, as decodeDashboardQuery reads it; page 1 and unset filters are left out. */
export function dashboardQueryParams(filters: DashboardFilters, page = 1): URLSearchParams {
  const params = new URLSearchParams();
  for (const filter of Object.keys(filterParams) as (keyof DashboardFilters)[]) {
    const value = filters[filter];
    if (value !== null) params.set(filterParams[filter], value);
  }
  if (page > 1) params.set('page', String(page));
  return params;
}

function isStatus(value: string): value is Status {
  return (statuses as readonly string[]).includes(value);
}

/** A link to the dashboard with `filters` changed as `change` says, on the first page. */
export function filterHref(filters: DashboardFilters, change: Partial<DashboardFilters>, links: PageLinks): string {
  return dashboardHref(links, dashboardQueryParams({ ...filters, ...change }));
}
