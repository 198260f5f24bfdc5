import type { TableClient } from '@azure/data-tables';

/**
 * The address of `path` under the client's account URL, with `query` and, after it, the SAS a SAS connection string
 * puts on that URL (`TableClient.fromConnectionString` keeps it there): the requests sent through the client's
 * pipeline carry it as the SDK's own do. `query` is already encoded.
 */
export function addressOf(table: TableClient, path: string, query = ''): string {
  const { root, sas } = partsOf(table);
  const search = [query, sas].filter(Boolean).join('&');
  return `${root}/${path}${search ? `?${search}` : ''}`;
}

/** The table's own address without the SAS, as a transaction names it in each of its operations. */
export function tableAddressOf(table: TableClient): string {
  return `${partsOf(table).root}/${encodeURIComponent(table.tableName)}`;
}

function partsOf(table: TableClient): { root: string; sas: string } {
  const url = new URL(table.url);
  const sas = url.search.slice(1);
  url.search = '';
  return { root: url.toString().replace(/\/$/, ''), sas };
}
