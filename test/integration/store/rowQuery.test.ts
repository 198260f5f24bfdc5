import { describe, expect, it } from 'vitest';
import { odata, TableClient, type TransactionAction } from '@azure/data-tables';
import { submitBatch } from '../../../shared/adapters/tables/batch.js';
import { queryRows } from '../../../shared/adapters/tables/rowQuery.js';
import { openTestTables, azuriteTables, sasConnectionString } from '../../support/tables.js';

describe('queryRows', () => {
  it('reads every row a filter matches across pages of 1,000, as the SDK lists them, with their ETags', async () => {
    const table = await openTestTables().get('Status');
    const rows = Array.from({ length: 2_150 }, (_, i) => ({
      partitionKey: i % 3 ? 'p-1' : 'p-2',
      rowKey: `row|${String(i).padStart(5, '0')}`,
      name: `Ümgebung "${i}" <${'x'.repeat(i % 50)}>`,
    }));
    for (const partition of ['p-1', 'p-2']) {
      const mine = rows.filter((row) => row.partitionKey === partition);
      for (let i = 0; i < mine.length; i += 100)
        await table.submitTransaction(mine.slice(i, i + 100).map((row): TransactionAction => ['create', row]));
    }
    const filter = odata`RowKey ge 'row|' and RowKey lt 'row}'`;
    const read = [];
    for await (const row of queryRows(table, filter)) read.push(row);
    const listed = [];
    for await (const row of table.listEntities<{ name: string }>({ queryOptions: { filter } })) listed.push(row);
    expect(read).toHaveLength(2_150);
    expect(read.map((row) => [row.partitionKey, row.rowKey, row.etag, row.properties.name])).toEqual(
      listed.map((row) => [row.partitionKey, row.rowKey, row.etag, row.name]),
    );
  });

  it("fails as the SDK does, with the service's status and message", async () => {
    const { tables, tablePrefix } = azuriteTables();
    if (tables.kind !== 'connectionString') throw new Error('Azurite is reached by connection string');
    const missing = TableClient.fromConnectionString(tables.connectionString, `${tablePrefix}Missing`, {
      allowInsecureConnection: true,
    });
    const rows = queryRows(missing, odata`PartitionKey eq ${'p'}`);
    const error: unknown = await rows.next().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Error);
    expect((error as { statusCode?: number }).statusCode).toBe(404);
    expect((error as Error).message).toMatch(
      /^Query Entities answered 404: The (table|specified resource).* not exist/,
    );
  });

  it('keeps the SAS of a SAS connection string on every request, as the SDK does, writing and reading', async () => {
    const { tablePrefix } = azuriteTables();
    const connectionString = sasConnectionString();
    const table = TableClient.fromConnectionString(connectionString, `${tablePrefix}Sas`, {
      allowInsecureConnection: true,
    });
    expect(table.url).toContain('sig=');
    await table.createTable();
    await submitBatch(table, [
      ['create', { partitionKey: 'p', rowKey: 'a', value: 'one' }],
      ['upsert', { partitionKey: 'p', rowKey: 'b', value: 'two' }, 'Replace'],
    ]);
    const read = [];
    for await (const row of queryRows(table, odata`PartitionKey eq ${'p'}`)) read.push(row.properties.value);
    expect(read).toEqual(['one', 'two']);
  });
});
