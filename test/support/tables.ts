import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { AzureNamedKeyCredential, generateAccountSas } from '@azure/data-tables';
import type { Config } from '../../shared/config.js';
import { openTables, type Tables } from '../../shared/adapters/tables/tables.js';
import { noTokenCredential } from '../../sandbox/azurite.js';

/** Settings for Azurite with a table prefix of its own, so every test file starts from empty tables. */
export function azuriteTables(): Pick<Config, 'tables' | 'tablePrefix'> {
  return {
    tables: { kind: 'connectionString', connectionString: inject('tablesConnectionString') },
    tablePrefix: `t${randomBytes(6).toString('hex')}`,
  };
}

export function openTestTables(): Tables {
  return openTables(azuriteTables(), noTokenCredential);
}

/** Azurite's connection string in its SAS form (`TableEndpoint` and `SharedAccessSignature`: an account SAS for an hour). */
export function sasConnectionString(): string {
  const connectionString = inject('tablesConnectionString');
  const part = (name: string) => new RegExp(`${name}=([^;]+)`).exec(connectionString)?.[1] ?? '';
  const sas = generateAccountSas(new AzureNamedKeyCredential(part('AccountName'), part('AccountKey')), {
    expiresOn: new Date(Date.now() + 3_600_000),
    permissions: { query: true, write: true, add: true, update: true, delete: true, list: true },
    resourceTypes: 'sco',
  });
  return `TableEndpoint=${part('TableEndpoint')};SharedAccessSignature=${sas}`;
}
