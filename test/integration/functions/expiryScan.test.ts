import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext, type Timer } from '@azure/functions';
import { afterEach, describe, expect, it } from 'vitest';
import { azuriteTables } from '../../support/tables.js';

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};
const saved = { ...process.env };

function context(lines: string[]): InvocationContext {
  return new InvocationContext({
    invocationId: 'test',
    functionName: 'expiryScan',
    logHandler: (level, ...args) => lines.push(`${level}: ${args.join(' ')}`),
  });
}

afterEach(() => {
  process.env = { ...saved };
});

describe('expiryScan', () => {
  it('loads with no settings at all: configuration is not read at import time', async () => {
    for (const name of ['SUBSCRIPTION_IDS', 'TABLES_ENDPOINT', 'TABLES_CONNECTION_STRING', 'INVENTORY_FILE'])
      delete process.env[name];
    await expect(import('../../../functions/index.js')).resolves.toBeDefined();
    const { definitions } = await import('../../../functions/definitions.js');
    expect(definitions.map((d) => [d.trigger, d.name])).toContainEqual(['timer', 'expiryScan']);
    const scan = definitions.find((d) => d.name === 'expiryScan');
    expect(scan?.trigger === 'timer' && scan.options.schedule).toBe('%SCAN_SCHEDULE%');
  });

  it('fails the invocation with a message naming the missing setting', async () => {
    for (const name of ['SUBSCRIPTION_IDS', 'INVENTORY_FILE']) delete process.env[name];
    process.env.TABLES_ENDPOINT = 'https://account.table.core.windows.net';
    const { runScan } = await import('../../../functions/expiryScan.js');
    await expect(runScan(timer, context([]))).rejects.toThrow(/SUBSCRIPTION_IDS:/);
  });

  it('scans with the app settings and logs its summary', async () => {
    const file = join(tmpdir(), `inventory-${process.pid}.json`);
    await writeFile(file, JSON.stringify({ policies: [], environments: [] }));
    const tables = azuriteTables();
    if (tables.tables.kind !== 'connectionString') throw new Error('expected Azurite');
    Object.assign(process.env, {
      INVENTORY_FILE: file,
      TABLES_CONNECTION_STRING: tables.tables.connectionString,
      TABLE_PREFIX: tables.tablePrefix,
    });
    delete process.env.TABLES_ENDPOINT;
    const lines: string[] = [];
    const { runScan } = await import('../../../functions/expiryScan.js');
    await runScan(timer, context(lines));
    const done = lines.find((line) => line.startsWith('information: Scan done'));
    expect(done).toContain('"environments":0');
    // What the instance gave V8 to work with, so a first deployment shows whether Node saw the instance's memory.
    expect(done).toMatch(
      /; memory \d+ MiB resident; V8 heap limit \d+ MiB, from (the process's limit of|the machine's) \d+ MiB$/,
    );
  });
});
