import { describe, expect, inject, it } from 'vitest';
import { RestError, TableClient, type TransactionAction } from '@azure/data-tables';
import type { PipelineRequest } from '@azure/core-rest-pipeline';
import { submitBatch } from '../../../shared/adapters/tables/batch.js';
import { azuriteTables, openTestTables, sasConnectionString } from '../../support/tables.js';

/** A client whose $batch requests are caught before the wire and answered with an empty success. */
function capturing(connectionString = inject('tablesConnectionString')): {
  table: TableClient;
  sent: PipelineRequest[];
} {
  const table = TableClient.fromConnectionString(connectionString, `${azuriteTables().tablePrefix}Caught`, {
    allowInsecureConnection: true,
  });
  const sent: PipelineRequest[] = [];
  table.pipeline.addPolicy({
    name: 'catchBatch',
    sendRequest: (request) => {
      sent.push(request);
      return Promise.resolve({ request, status: 202, headers: request.headers, bodyAsText: '' });
    },
  });
  return { table, sent };
}

/** The request as sent, its boundaries, date, signature and request id aside. */
function normalized(request: PipelineRequest | undefined): {
  url: string;
  headers: Record<string, string>;
  body: string;
} {
  const boundaries = new Map<string, string>();
  const sent = request?.body;
  const body = (typeof sent === 'string' ? sent : Buffer.isBuffer(sent) ? sent.toString('utf8') : '').replace(
    /(batch|changeset)_[0-9a-f-]{36}/g,
    (boundary, kind: string) => {
      if (!boundaries.has(boundary)) boundaries.set(boundary, `${kind}_${boundaries.size}`);
      return boundaries.get(boundary) ?? boundary;
    },
  );
  const headers = Object.fromEntries(
    [...(request?.headers ?? [])]
      .filter(
        ([name]) =>
          // Content-Length follows the body compared here: the Tables SDK's key policy sets it for a string body, core's
          // HTTP client from the bytes of any body a policy left without one.
          !['x-ms-date', 'authorization', 'x-ms-client-request-id', 'user-agent', 'content-length'].includes(
            name.toLowerCase(),
          ),
      )
      .map(([name, value]) => [name.toLowerCase(), value.replace(/batch_[0-9a-f-]{36}/, 'batch_0')]),
  );
  return { url: request?.url ?? '', headers, body };
}

const etag = `W/"datetime'2026-12-07T12%3A00%3A48.5523627Z'"`;
const keys = ['status|env-1', "it's", 'ü mit Leerzeichen', 'a/b?c#d%e&f+g', 'recent|0008639999999|env|0a1b'];

describe('submitBatch', () => {
  it.each([
    ['an account key', () => inject('tablesConnectionString')],
    ['a SAS', sasConnectionString],
  ])(
    "sends the Tables SDK's transaction, byte for byte but for the boundaries, with %s",
    async (_, connectionString) => {
      const actions: TransactionAction[] = keys.flatMap((rowKey, i): TransactionAction[] => [
        [
          'create',
          {
            partitionKey: "environment-0'1",
            rowKey: `${rowKey}|c`,
            text: `"quoted" ${rowKey}\n`,
            n: i,
            f: 0.5,
            b: true,
          },
        ],
        ['upsert', { partitionKey: "environment-0'1", rowKey: `${rowKey}|u`, stamp: 'x' }, 'Replace'],
        ['update', { partitionKey: "environment-0'1", rowKey: `${rowKey}|e`, value: 'y' }, 'Replace', { etag }],
        ['update', { partitionKey: "environment-0'1", rowKey: `${rowKey}|m`, value: 'y' }, 'Merge'],
        ['upsert', { partitionKey: "environment-0'1", rowKey: `${rowKey}|n`, value: 'y' }, 'Merge'],
        ['delete', { partitionKey: "environment-0'1", rowKey: `${rowKey}|d` }],
      ]);
      const { table, sent } = capturing(connectionString());
      await table.submitTransaction(actions);
      const sdk = sent.splice(0).at(-1);
      await submitBatch(table, actions);
      expect(sent).toHaveLength(1);
      expect(normalized(sent[0])).toEqual(normalized(sdk));
    },
  );

  it('commits all or nothing on Table Storage (Azurite), and fails as the SDK does, with the status and code', async () => {
    const table = await openTestTables().get('Status');
    await submitBatch(table, [
      ['create', { partitionKey: 'p', rowKey: 'a', value: 'one' }],
      ['upsert', { partitionKey: 'p', rowKey: 'b', value: 'two' }, 'Replace'],
    ]);
    const a = await table.getEntity<{ value: string }>('p', 'a');
    expect(a.value).toBe('one');
    const refusals = async (submit: (actions: TransactionAction[]) => Promise<unknown>) => {
      const failed = [];
      for (const actions of [
        [
          ['create', { partitionKey: 'p', rowKey: 'c', value: 'x' }],
          ['create', { partitionKey: 'p', rowKey: 'a' }],
        ],
        [['update', { partitionKey: 'p', rowKey: 'a', value: 'x' }, 'Replace', { etag: etag }]],
        [['delete', { partitionKey: 'p', rowKey: 'missing' }]],
      ] as TransactionAction[][]) {
        const error: unknown = await submit(actions).catch((thrown: unknown) => thrown);
        expect(error).toBeInstanceOf(RestError);
        const { statusCode, code } = error as RestError;
        failed.push({ statusCode, code, message: (error as Error).message.split('\n')[0] });
      }
      return failed;
    };
    const ours = await refusals((actions) => submitBatch(table, actions));
    expect(ours.map(({ statusCode }) => statusCode)).toEqual([409, 412, 404]);
    expect(ours).toEqual(await refusals((actions) => table.submitTransaction(actions)));
    // Nothing of a refused transaction was written.
    await expect(table.getEntity('p', 'c')).rejects.toMatchObject({ statusCode: 404 });
    expect((await table.getEntity<{ value: string }>('p', 'a')).value).toBe('one');
  });

  it("answers each operation's ETag, in order: the version a later read finds", async () => {
    const table = await openTestTables().get('Status');
    await submitBatch(table, [['create', { partitionKey: 'e', rowKey: 'gone', value: 'x' }]]);
    const etags = await submitBatch(table, [
      ['create', { partitionKey: 'e', rowKey: 'a', value: 'one' }],
      ['delete', { partitionKey: 'e', rowKey: 'gone' }],
      ['upsert', { partitionKey: 'e', rowKey: 'b', value: 'two' }, 'Replace'],
    ]);
    const [a, b] = await Promise.all(['a', 'b'].map((rowKey) => table.getEntity('e', rowKey)));
    expect(etags).toEqual([a?.etag, null, b?.etag]);
    // Two versions apart, so the order is told apart.
    expect(a?.etag).not.toBe(b?.etag);
  });

  it('refuses an entity it would not write as the SDK does', async () => {
    const { table } = capturing();
    await expect(submitBatch(table, [['create', { partitionKey: 'p', rowKey: 'r', at: new Date() }]])).rejects.toThrow(
      /at is neither a string, a number nor a boolean/,
    );
  });
});
