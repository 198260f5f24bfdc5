import { createHash } from 'node:crypto';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import type { Chain, Key, Readout, Vault } from '../../domain/model.js';
import { getOrNull, submitGroups } from './tables.js';
import type { ChainPort, ChainSnapshot, GroupsResult, StoredChain } from '../../application/ports/stores.js';

const partitionKey = 'chain';
/** A string property holds 64 KiB of UTF-16; a long-lived key's versions can outgrow one, so the JSON spans several. */
const partChars = 30_000;
/** 15 parts of 30,000 characters (UTF-16) stay under the entity's 1 MiB; a chain larger than that is not kept. */
const maxParts = 15;

type ChainEntity = { partitionKey: string; rowKey: string; policyId: string; observedAt: string } & Record<
  `chain${number}`,
  string
>;

/** A policy id holds `/`, which a row key may not. */
const rowKeyOf = (policyId: string) => createHash('sha256').update(policyId.toLowerCase()).digest('hex');

export class ChainStore implements ChainPort {
  constructor(private readonly table: TableClient) {}

  async list(): Promise<Map<string, StoredChain>> {
    const chains = new Map<string, StoredChain>();
    const rows = this.table.listEntities<ChainEntity>({
      queryOptions: { filter: `PartitionKey eq '${partitionKey}'` },
    });
    for await (const row of rows) chains.set(row.policyId.toLowerCase(), storedOf(row));
    return chains;
  }

  /** One point read per policy, all at once: an event's few chains, never the whole table. */
  async get(policyIds: string[]): Promise<Map<string, StoredChain>> {
    const rows = await Promise.all(
      [...new Set(policyIds.map((id) => id.toLowerCase()))].map((id) =>
        getOrNull<ChainEntity>(this.table, partitionKey, rowKeyOf(id)),
      ),
    );
    return new Map(rows.flatMap((row) => (row ? [[row.policyId.toLowerCase(), storedOf(row)] as const] : [])));
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
      const parts = Object.fromEntries(
        Array.from({ length: Math.ceil(serialized.length / partChars) }, (_, index) => [
          `chain${index}`,
          serialized.slice(index * partChars, (index + 1) * partChars),
        ]),
      );
      const entity = {
        partitionKey,
        rowKey: rowKeyOf(policyId),
        policyId: read.policy.id,
        observedAt: observedAt.toISOString(),
        ...parts,
      } as ChainEntity;
      groups.push([before ? ['update', entity, 'Replace', { etag: before.etag }] : ['create', entity]]);
    }
    return submitGroups(this.table, groups);
  }
}

function storedOf(row: ChainEntity & { etag: string }): StoredChain {
  const text = Array.from({ length: maxParts }, (_, index) => row[`chain${index}`] ?? '').join('');
  return { chain: revive(JSON.parse(text) as ChainSnapshot), observedAt: row.observedAt, etag: row.etag };
}

/**
 * What is kept of a chain read: the identity's own access, for a part not seen this time what was seen before, and
 * for a key read missing the key last read before it went.
 */
function snapshotOf(read: Chain, before: ChainSnapshot | undefined): ChainSnapshot {
  const principal = read.policy.principalId.toLowerCase();
  const vault: Readout<Vault> =
    read.vault.kind === 'found'
      ? {
          kind: 'found',
          value: {
            ...read.vault.value,
            accessPolicies: read.vault.value.accessPolicies.filter((p) => p.objectId.toLowerCase() === principal),
          },
        }
      : read.vault;
  const seen = <T>(part: Readout<T>, last: Readout<T> | undefined): Readout<T> =>
    part.kind === 'blind' && last && last.kind !== 'blind' ? last : part;
  const key = seen(read.key, before?.key);
  const deletedKey =
    key.kind === 'found' ? undefined : before?.key.kind === 'found' ? before.key.value : before?.deletedKey;
  return {
    policy: read.policy,
    vault: seen(vault, before?.vault),
    key,
    grants: seen(read.grants, before?.grants),
    ...(deletedKey && { deletedKey }),
  };
}

function serialize(chain: ChainSnapshot): string {
  const sorted = (key: Key) => ({
    ...key,
    versions: [...key.versions].sort((a, b) => a.version.localeCompare(b.version)),
  });
  const key = chain.key.kind === 'found' ? { kind: 'found', value: sorted(chain.key.value) } : chain.key;
  return JSON.stringify({
    policy: chain.policy,
    vault: chain.vault,
    key,
    grants: chain.grants,
    ...(chain.deletedKey && { deletedKey: sorted(chain.deletedKey) }),
  });
}

function revive(chain: ChainSnapshot): ChainSnapshot {
  const { deletedKey } = chain;
  return {
    ...chain,
    ...(chain.key.kind === 'found' && { key: { kind: 'found', value: reviveKey(chain.key.value) } }),
    ...(deletedKey && { deletedKey: reviveKey(deletedKey) }),
  };
}

/** JSON holds the versions' dates as strings. */
function reviveKey(key: Key): Key {
  const date = (value: unknown) => (typeof value === 'string' ? new Date(value) : null);
  return {
    ...key,
    versions: key.versions.map((v) => ({
      ...v,
      createdOn: date(v.createdOn),
      updatedOn: date(v.updatedOn),
      expiresOn: date(v.expiresOn),
      notBefore: date(v.notBefore),
    })),
  };
}
