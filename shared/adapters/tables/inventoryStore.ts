import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { EnvironmentFacts, Link } from '../../domain/links.js';
import type { Policy } from '../../domain/model.js';
import { memoize } from '../../memoize.js';
import { bucketOf, bucketsOf } from './buckets.js';
import { inParallel, moveLegacyPartition, submitGroups } from './tables.js';
import { queryRows } from './rowQuery.js';
import type { GroupsResult, LinkPort, StoredLink } from '../../application/ports/stores.js';

/** Links are spread over 16 partitions, so a first scan writing 20,000 of them is not held to one partition's pace. */
const partitions = 16;
const partitionOf = (environmentId: string) => bucketOf('link', environmentId, partitions);

type LinkEntity = {
  partitionKey: string;
  rowKey: string;
  environment: string;
  policyId?: string;
  policy?: string;
  previousPolicy?: string;
  unlinkedAt?: string;
  linkStatusSince?: string;
};

/** The last inventory seen: which policy each environment was linked to, and the one it recently left. */
export class InventoryStore implements LinkPort {
  constructor(private readonly table: TableClient) {}

  async list(): Promise<Map<string, StoredLink>> {
    await moveLegacyPartition(this.table, 'link', (row) => partitionOf(row.rowKey));
    const links = new Map<string, StoredLink>();
    // Thousands of links name the same few policies: each policy is parsed once and shared.
    const policy = memoize((json) => JSON.parse(json) as Policy);
    await inParallel(
      bucketsOf('link', partitions),
      async (partition) => {
        for await (const row of queryRows(this.table, odata`PartitionKey eq ${partition}`)) {
          const entity = { ...(row.properties as Omit<LinkEntity, 'partitionKey' | 'rowKey'>), rowKey: row.rowKey };
          links.set(row.rowKey, { link: fromEntity(entity, policy), etag: row.etag });
        }
      },
      partitions,
    );
    return links;
  }

  /**
   * Writes the links that changed. The inventory is re-read in full by every scan, so a lost ETag race
   * is settled by the next scan: the conflicting rows are left to it and counted.
   */
  async save(stored: Map<string, StoredLink>, next: Map<string, Link | null>): Promise<GroupsResult> {
    const groups: TransactionAction[][] = [];
    for (const [environmentId, link] of next) {
      const before = stored.get(environmentId);
      if (!link) {
        if (before) groups.push([['delete', { partitionKey: partitionOf(environmentId), rowKey: environmentId }]]);
        continue;
      }
      const entity = toEntity(link);
      if (before && sameEntity(toEntity(before.link), entity)) continue;
      groups.push([before ? ['update', entity, 'Replace', { etag: before.etag }] : ['create', entity]]);
    }
    return submitGroups(this.table, groups);
  }
}

function toEntity(link: Link): LinkEntity {
  return {
    partitionKey: partitionOf(link.environmentId),
    rowKey: link.environmentId,
    environment: serializeEnvironment(link.environment),
    ...(link.policyId ? { policyId: link.policyId } : {}),
    ...(link.policy ? { policy: serializePolicy(link.policy) } : {}),
    ...(link.previous
      ? { previousPolicy: serializePolicy(link.previous.policy), unlinkedAt: link.previous.unlinkedAt }
      : {}),
    ...(link.linkStatusSince ? { linkStatusSince: link.linkStatusSince } : {}),
  };
}

function fromEntity(row: Omit<LinkEntity, 'partitionKey'>, policy: (json: string) => Policy): Link {
  return {
    environmentId: row.rowKey,
    // Rows written before link statuses were kept have none: such a link counted as Linked.
    environment: {
      linkStatus: null,
      ...(JSON.parse(row.environment) as Partial<EnvironmentFacts>),
    } as EnvironmentFacts,
    policyId: row.policyId ?? null,
    policy: row.policy ? policy(row.policy) : null,
    previous:
      row.previousPolicy && row.unlinkedAt ? { policy: policy(row.previousPolicy), unlinkedAt: row.unlinkedAt } : null,
    linkStatusSince: row.linkStatusSince ?? null,
  };
}

function serializePolicy(policy: Policy): string {
  const { id, name, location, vaultId, keyName, keyVersion, principalId, alertTo, healthStatus } = policy;
  return JSON.stringify({
    id,
    name,
    location,
    vaultId,
    keyName,
    keyVersion,
    principalId,
    ...(alertTo && { alertTo }),
    ...(healthStatus && { healthStatus }),
  });
}

function serializeEnvironment(environment: EnvironmentFacts): string {
  const { displayName, location, sku, managed, linkStatus, runtimeState, adminUrl } = environment;
  return JSON.stringify({
    displayName,
    location,
    sku,
    managed,
    ...(linkStatus !== null && { linkStatus }),
    ...(runtimeState && { runtimeState }),
    ...(adminUrl && { adminUrl }),
  });
}

function sameEntity(a: LinkEntity, b: LinkEntity): boolean {
  return (
    a.environment === b.environment &&
    a.policyId === b.policyId &&
    a.policy === b.policy &&
    a.previousPolicy === b.previousPolicy &&
    a.unlinkedAt === b.unlinkedAt &&
    a.linkStatusSince === b.linkStatusSince
  );
}
