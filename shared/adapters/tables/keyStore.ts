import type { TableClient, TransactionAction } from '@azure/data-tables';
import type { KeyVersion } from '../../domain/model.js';
import { submitGroups } from './tables.js';
import type { GroupsResult, KeyPort, KeySnapshot, StoredKeySnapshot } from '../../application/ports/stores.js';

const partitionKey = 'key';

type KeyEntity = {
  partitionKey: string;
  rowKey: string;
  vaultName: string;
  keyName: string;
  snapshot: string;
  observedAt: string;
};

export const keyRowKey = (vaultName: string, keyName: string) => `${vaultName.toLowerCase()}|${keyName.toLowerCase()}`;

export class KeyStore implements KeyPort {
  constructor(private readonly table: TableClient) {}

  async list(): Promise<Map<string, StoredKeySnapshot>> {
    const snapshots = new Map<string, StoredKeySnapshot>();
    const rows = this.table.listEntities<KeyEntity>({ queryOptions: { filter: `PartitionKey eq '${partitionKey}'` } });
    for await (const row of rows) {
      snapshots.set(row.rowKey, {
        vaultName: row.vaultName,
        keyName: row.keyName,
        snapshot: revive(JSON.parse(row.snapshot) as KeySnapshot),
        observedAt: row.observedAt,
        etag: row.etag,
      });
    }
    return snapshots;
  }

  /** Writes the snapshots whose content changed; a row another writer updated meanwhile is left to the newer read. */
  async save(
    stored: Map<string, StoredKeySnapshot>,
    observed: { vaultName: string; keyName: string; snapshot: KeySnapshot }[],
    observedAt: Date,
  ): Promise<GroupsResult> {
    const groups: TransactionAction[][] = [];
    for (const { vaultName, keyName, snapshot } of observed) {
      const rowKey = keyRowKey(vaultName, keyName);
      const before = stored.get(rowKey);
      const serialized = serialize(snapshot);
      if (before && serialize(before.snapshot) === serialized) continue;
      const entity: KeyEntity = { partitionKey, rowKey, vaultName, keyName, snapshot: serialized, observedAt: observedAt.toISOString() };
      groups.push([before ? ['update', entity, 'Replace', { etag: before.etag }] : ['create', entity]]);
    }
    return submitGroups(this.table, groups);
  }
}

function serialize(snapshot: KeySnapshot): string {
  if (snapshot.kind === 'missing') return JSON.stringify({ kind: 'missing', detail: snapshot.detail });
  const { vaultName, name, kty, size, currentVersion, hasRotationPolicy } = snapshot.value;
  const versions = [...snapshot.value.versions]
    .sort((a, b) => a.version.localeCompare(b.version))
    .map(({ version, enabled, createdOn, updatedOn, expiresOn, notBefore }) => ({
      version, enabled, createdOn, updatedOn, expiresOn, notBefore,
    }));
  return JSON.stringify({ kind: 'found', value: { vaultName, name, kty, size, currentVersion, hasRotationPolicy, versions } });
}

function revive(snapshot: KeySnapshot): KeySnapshot {
  if (snapshot.kind === 'missing') return snapshot;
  const date = (value: unknown) => (typeof value === 'string' ? new Date(value) : null);
  const versions: KeyVersion[] = snapshot.value.versions.map((v) => ({
    ...v,
    createdOn: date(v.createdOn),
    updatedOn: date(v.updatedOn),
    expiresOn: date(v.expiresOn),
    notBefore: date(v.notBefore),
  }));
  return { kind: 'found', value: { ...snapshot.value, versions } };
}
