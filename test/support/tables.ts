import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
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
