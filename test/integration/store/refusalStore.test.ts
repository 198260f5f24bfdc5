/** The Refusals table on Azurite: one streak per identity and key, folded under ETags by any number of writers. */
import type { TableClient } from '@azure/data-tables';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AccessRefusal } from '../../../shared/domain/refusals.js';
import { RefusalStore } from '../../../shared/adapters/tables/refusalStore.js';
import { openTestTables } from '../../support/tables.js';

const quietMs = 30 * 60_000;
const principalId = '0f6a3c2e-1b4d-4e8f-9a7c-5d2e1f0a3b4c';
const vaultId =
  '/subscriptions/8a3f1c52-6d0e-4b7a-9c21-5e4d3b2a1f00/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-main';

function refusal(at: string, overrides: Partial<AccessRefusal> = {}): AccessRefusal {
  return {
    vaultId,
    vaultName: 'kv-main',
    keyName: 'k-main',
    principalId,
    operation: 'KeyUnwrap',
    status: 403,
    at,
    arrivedAt: at,
    ...overrides,
  };
}

let table: TableClient;
let store: RefusalStore;
beforeEach(async () => {
  table = await openTestTables().get('Refusals');
  store = new RefusalStore(table, quietMs);
});

describe('RefusalStore', () => {
  it('keeps a streak on every key of the vault (no keyName) apart from one on a key, and reads both back', async () => {
    expect(
      await store.record([
        refusal('2026-12-02T10:00:00.000Z', { keyName: null, status: 401 }),
        refusal('2026-12-02T10:01:00.000Z'),
      ]),
    ).toBe(2);
    const streaks = await store.list();
    expect(streaks).toHaveLength(2);
    expect(streaks.find((streak) => streak.keyName === null)).toMatchObject({
      status: 401,
      firstAt: '2026-12-02T10:00:00.000Z',
    });
    expect(streaks.find((streak) => streak.keyName === 'k-main')).toMatchObject({
      status: 403,
      lastAt: '2026-12-02T10:01:00.000Z',
    });
  });

  it('changes nothing for a duplicate, and folds concurrent writers into one streak', async () => {
    await store.record([refusal('2026-12-02T10:00:00.000Z')]);
    expect(await store.record([refusal('2026-12-02T10:00:00.000Z')])).toBe(0);
    const times = [
      '2026-12-02T10:05:00.000Z',
      '2026-12-02T10:02:00.000Z',
      '2026-12-02T10:09:00.000Z',
      '2026-12-02T10:07:00.000Z',
    ];
    await Promise.all(times.map((at) => store.record([refusal(at)])));
    expect(await store.list()).toEqual([
      expect.objectContaining({ firstAt: '2026-12-02T10:00:00.000Z', lastAt: '2026-12-02T10:09:00.000Z' }),
    ]);
  });

  it('keeps when the last refusal arrived, and moves it for a record that arrives later, whatever time it claims', async () => {
    await store.record([refusal('2026-12-02T10:00:00.000Z', { arrivedAt: '2026-12-02T10:04:00.000Z' })]);
    expect(await store.record([refusal('2026-12-02T10:00:00.000Z', { arrivedAt: '2026-12-02T10:04:00.000Z' })])).toBe(
      0,
    );
    expect(await store.record([refusal('2026-12-02T10:00:00.000Z', { arrivedAt: '2026-12-02T10:20:00.000Z' })])).toBe(
      1,
    );
    expect(await store.list()).toEqual([
      expect.objectContaining({
        firstAt: '2026-12-02T10:00:00.000Z',
        lastAt: '2026-12-02T10:00:00.000Z',
        arrivedAt: '2026-12-02T10:20:00.000Z',
      }),
    ]);
  });

  it('dates the arrival of a streak stored without one by its last write, so a record dated 9999 no longer holds it', async () => {
    await table.createEntity({
      partitionKey: 'refusal',
      rowKey: 'kv-main|k-main|forged',
      vaultId,
      vaultName: 'kv-main',
      keyName: 'k-main',
      principalId,
      operation: 'KeyWrap',
      status: 403,
      firstAt: '9999-12-31T00:00:00.000Z',
      lastAt: '9999-12-31T00:00:00.000Z',
    });
    const written = (await table.getEntity('refusal', 'kv-main|k-main|forged')).timestamp ?? '';
    expect(await store.list()).toEqual([
      expect.objectContaining({ lastAt: '9999-12-31T00:00:00.000Z', arrivedAt: new Date(written).toISOString() }),
    ]);
  });
});
