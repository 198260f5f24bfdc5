import { randomUUID } from 'node:crypto';
import type { TableClient, TableEntity, TransactionAction } from '@azure/data-tables';
import { addressOf, refusal, sendThroughClient, tableAddressOf } from './clientRequest.js';

const line = '\r\n';

/**
 * Submits an entity group transaction: up to 100 operations on one partition, all or none ("Performing entity group
 * transactions", learn.microsoft.com/rest/api/storageservices). The body is the one the Tables SDK's
 * `submitTransaction` sends, byte for byte but for its boundaries (test/integration/store/batch.test.ts compares
 * them), and it goes through the table client's own pipeline (credential, retries, telemetry). The SDK assembles it by
 * running each operation through a pipeline of its own: about 26 KB allocated per entity, 2.1 GB of the 3.6 GB a first
 * scan of 20,000 environments allocates (82,000 entities), measured. Fails as the SDK does: a `RestError` with the
 * status, code and message of the operation refused. Returns each answer's ETag header, in the order the answers come
 * (null for a delete's, which has none), as the SDK reads them (`parseTransactionResponse`, `ETag: (.*)`); Azurite
 * answers in the order of the operations. A caller that relies on an ETag must check it against the row later.
 *
 * Entities hold strings, numbers and booleans only: what every store here writes.
 */
export async function submitBatch(table: TableClient, actions: TransactionAction[]): Promise<(string | null)[]> {
  if (new Set(actions.map(([, entity]) => entity.partitionKey)).size > 1)
    throw new Error('All operations in a transaction must target the same partitionKey');
  const batch = `batch_${randomUUID()}`;
  const changeset = `changeset_${randomUUID()}`;
  const tableUrl = tableAddressOf(table);
  // Bytes, joined from each operation's: one string of 100 operations would exceed V8's largest young object (128 KiB)
  // and be left, as garbage, to the collections of the whole heap (a first scan at 20,000 environments made 818).
  const parts = [Buffer.from(`--${batch}${line}content-type: multipart/mixed; boundary=${changeset}${line}${line}`)];
  for (const action of actions) parts.push(Buffer.from(`${line}${operation(action, tableUrl, changeset)}`));
  parts.push(Buffer.from(`${line}--${changeset}--${line}--${batch}--${line}`));
  const body = Buffer.concat(parts);
  const response = await sendThroughClient(table, {
    url: addressOf(table, '$batch'),
    method: 'POST',
    body,
    headers: {
      accept: 'application/json',
      'x-ms-version': '2019-02-02',
      DataServiceVersion: '3.0;',
      MaxDataServiceVersion: '3.0;NetFx',
      'Content-Type': `multipart/mixed; boundary=${batch}`,
      'Accept-Charset': 'UTF-8',
      Connection: 'Keep-Alive',
    },
  });
  const text = response.bodyAsText ?? '';
  if (response.status < 200 || response.status >= 300) throw refusal(text, response.status, transactionFailed);
  const etags: (string | null)[] = [];
  for (const answer of text.split('--changesetresponse_').slice(1, -1)) {
    const status = Number(/HTTP\/1\.1 ([0-9]+)/.exec(answer)?.[1]);
    if (!Number.isInteger(status)) throw new Error(`A transaction's answer has no status: ${answer.slice(0, 200)}`);
    const error = /\{(.*)\}/.exec(answer)?.[0];
    if (error) throw refusal(error, status, transactionFailed);
    etags.push(/^etag:[ \t]*(.*?)[ \t]*\r?$/im.exec(answer)?.[1] ?? null);
  }
  return etags;
}

function operation([kind, entity, ...rest]: TransactionAction, tableUrl: string, changeset: string): string {
  const headers: string[] = [];
  let method: string;
  let url = tableUrl;
  let body: string | null = null;
  if (kind === 'create') {
    method = 'POST';
    headers.push(
      'Content-Type: application/json;odata=nometadata',
      'Accept: application/json;odata=minimalmetadata',
      'DataServiceVersion: 3.0',
      'Prefer: return-no-content',
    );
    body = serialized(entity);
  } else {
    url = `${tableUrl}(PartitionKey='${key(entity.partitionKey)}',RowKey='${key(entity.rowKey)}')`;
    if (kind === 'delete') {
      method = 'DELETE';
      headers.push('Accept: application/json;odata=minimalmetadata', 'DataServiceVersion: 3.0', 'If-Match: *');
    } else {
      const [mode = 'Merge', options] = rest as [('Merge' | 'Replace')?, { etag?: string }?];
      method = mode === 'Merge' ? 'PATCH' : 'PUT';
      headers.push('Content-Type: application/json', 'DataServiceVersion: 3.0', 'Accept: application/json');
      // An update names the version it replaces (any, without an ETag); an upsert names none.
      if (kind === 'update') headers.push(`If-Match: ${options?.etag ?? '*'}`);
      body = serialized(entity);
    }
  }
  return [
    `--${changeset}${line}content-type: application/http${line}content-transfer-encoding: binary`,
    '',
    `${method} ${url} HTTP/1.1`,
    ...headers,
    line,
    ...(body === null ? [] : [body]),
  ].join(line);
}

/** As a URL path segment, single quotes doubled (OData's string literal), as the SDK writes an entity's address. */
function key(value: string): string {
  return encodeURIComponent(value.replace(/'/g, "''"));
}

/** The entity as the SDK writes it: its properties in order, `partitionKey` and `rowKey` named as the service names them. */
function serialized(entity: TableEntity): string {
  let json = '';
  for (const name in entity) {
    const value = (entity as Record<string, unknown>)[name];
    const kind = typeof value;
    if (kind !== 'string' && kind !== 'number' && kind !== 'boolean' && value !== null && value !== undefined)
      throw new Error(`Property ${name} is neither a string, a number nor a boolean`);
    if (value === undefined) continue;
    const property = name === 'partitionKey' ? 'PartitionKey' : name === 'rowKey' ? 'RowKey' : name;
    json += `${json ? ',' : '{'}${JSON.stringify(property)}:${JSON.stringify(value)}`;
  }
  return json ? `${json}}` : '{}';
}

/** The message the SDK gives a refused transaction: the service's, or its own when there is none. */
const transactionFailed = (message: string | undefined) => message ?? 'Transaction Failed';
