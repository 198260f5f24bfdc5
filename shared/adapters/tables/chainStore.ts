import { createHash } from 'node:crypto';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import type { Chain, KeyVersion, Readout, Vault } from '../../domain/model.js';
import { submitGroups } from './tables.js';
import type { ChainPort, ChainSnapshot, GroupsResult, StoredChain } from '../../application/ports/stores.js';

const partitionKey = 'chain';
/** A string property holds 64 KiB of UTF-16; a long-lived key's versions can outgrow one, so the JSON spans several. */
const partChars = 30_000;
/** 15 parts of 30,000 characters (UTF-16) stay under the entity's 1 MiB; a chain larger than that is not kept. */
const maxParts = 15;

type ChainEntity = { partitionKey: string; rowKey: string; policyId: string; observedAt: string } & Record<`chain${number}`, string>;

/** A policy id holds `/`, which a row key may not. */
const rowKeyOf = (policyId: string) => createHash('sha256').update(policyId.toLowerCase()).digest('hex');

export class ChainStore implements ChainPort {
  constructor(private readonly table: TableClient) {}

  async list(): Promise<Map<string, StoredChain>> {
    const chains = new Map<string, StoredChain>();
    const rows = this.table.listEntities<ChainEntity>({ queryOptions: { filter: `PartitionKey eq '${partitionKey}'` } });
    for await (const row of rows) {
      const text = Array.from({ length: maxParts }, (_, index) => row[`chain${index}`] ?? '').join('');
      chains.set(row.policyId.toLowerCase(), { chain: revive(JSON.parse(text) as ChainSnapshot), observedAt: row.observedAt, etag: row.etag });
    }
    return chains;
  }

  /** Writes the chains whose content changed; a row another writer updated meanwhile is left to the newer read. */
  async save(stored: Map<string, StoredChain>, observed: Chain[], observedAt: Date): Promise<GroupsResult> {
    const groups: TransactionAction[][] = [];
    for (const read of observed) {
      const policyId = read.policy.id.toLowerCase();
      const before = stored.get(policyId);
      const serialized = serialize(snapshotOf(read, before?.chain));
      if (before && serialize(before.chain) === serialized) continue;
      if (serialized.length > partChars * maxParts) continue;
      const parts = Object.fromEntries(Array.from({ length: Math.ceil(serialized.length / partChars) }, (_, index) => [`chain${index}`, serialized.slice(index * partChars, (index + 1) * partChars)]));
      const entity = { partitionKey, rowKey: rowKeyOf(policyId), policyId: read.policy.id, observedAt: observedAt.toISOString(), ...parts } as ChainEntity;
      groups.push([before ? ['update', entity, 'Replace', { etag: before.etag }] : ['create', entity]]);
    }
    return submitGroups(this.table, groups);
  }
}

/** What is kept of a chain read: the identity's own access, and for a part not seen this time, what was seen before. */
function snapshotOf(read: Chain, before: ChainSnapshot | undefined): ChainSnapshot {
  const principal = read.policy.principalId.toLowerCase();
  const vault: Readout<Vault> =
    read.vault.kind === 'found'
      ? { kind: 'found', value: { ...read.vault.value, accessPolicies: read.vault.value.accessPolicies.filter((p) => p.objectId.toLowerCase() === principal) } }
      : read.vault;
  const seen = <T>(part: Readout<T>, last: Readout<T> | undefined): Readout<T> => (part.kind === 'blind' && last && last.kind !== 'blind' ? last : part);
  return { policy: read.policy, vault: seen(vault, before?.vault), key: seen(read.key, before?.key), grants: seen(read.grants, before?.grants) };
}

function serialize(chain: ChainSnapshot): string {
  const key =
    chain.key.kind === 'found'
      ? { kind: 'found', value: { ...chain.key.value, versions: [...chain.key.value.versions].sort((a, b) => a.version.localeCompare(b.version)) } }
      : chain.key;
  return JSON.stringify({ policy: chain.policy, vault: chain.vault, key, grants: chain.grants });
}

function revive(chain: ChainSnapshot): ChainSnapshot {
  if (chain.key.kind !== 'found') return chain;
  const date = (value: unknown) => (typeof value === 'string' ? new Date(value) : null);
  const versions: KeyVersion[] = chain.key.value.versions.map((v) => ({
    ...v,
    createdOn: date(v.createdOn),
    updatedOn: date(v.updatedOn),
    expiresOn: date(v.expiresOn),
    notBefore: date(v.notBefore),
  }));
  return { ...chain, key: { kind: 'found', value: { ...chain.key.value, versions } } };
}
