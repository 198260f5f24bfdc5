import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { EnvironmentFacts, Link } from '../../domain/links.js';
import type { Policy } from '../../domain/model.js';
import { memoize } from '../../memoize.js';
import { bucketOf, bucketsOf } from './buckets.js';
import { inParallel, moveLegacyPartition, submitGroups } from './tables.js';
import { queryRows, type StoredRow } from './rowQuery.js';
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
  /** The links as this store last read or wrote them: a warm instance's copy, used while the rows' ETags match it. */
  private kept: ReadonlyMap<string, StoredLink> | null = null;
  private legacyMoved: Promise<number> | null = null;

  constructor(private readonly table: TableClient) {}

  /**
   * Every stored link. A warm instance that kept the links it last read or wrote reads only the rows' keys and ETags:
   * Table Storage gives a row a new ETag on every write, so the same keys with the same ETags are the same rows, and
   * the copy is used as it is (reading back and parsing 20,000 links was about 250 ms of a scan's CPU, profiled).
   */
  async list(): Promise<ReadonlyMap<string, StoredLink>> {
    // Looked for once per store, as the statuses' (StatusStore.views).
    this.legacyMoved ??= moveLegacyPartition(this.table, 'link', (row) => partitionOf(row.rowKey));
    await this.legacyMoved.catch((error: unknown) => {
      this.legacyMoved = null;
      throw error;
    });
    const kept = this.kept;
    if (kept && (await this.unchangedSince(kept))) return kept;
    const links = new Map<string, StoredLink>();
    // Thousands of links name the same few policies: each policy is parsed once and shared.
    const policy = memoize((json) => JSON.parse(json) as Policy);
    await this.eachRow((row) => {
      const entity = { ...(row.properties as Omit<LinkEntity, 'partitionKey' | 'rowKey'>), rowKey: row.rowKey };
      links.set(row.rowKey, { link: fromEntity(entity, policy), etag: row.etag });
    });
    this.kept = links;
    return links;
  }

  /** Whether the table holds exactly the rows `kept` was read from, each unwritten since (its ETag unchanged). */
  private async unchangedSince(kept: ReadonlyMap<string, StoredLink>): Promise<boolean> {
    let rows = 0;
    let same = true;
    await this.eachRow(
      (row) => {
        rows++;
        if (kept.get(row.rowKey)?.etag !== row.etag) same = false;
      },
      ['RowKey'],
    );
    return same && rows === kept.size;
  }

  /** Every link row, its 16 partitions read at once; only the properties `select` names, when given. */
  private async eachRow(visit: (row: StoredRow) => void, select?: string[]): Promise<void> {
    await inParallel(
      bucketsOf('link', partitions),
      async (partition) => {
        for await (const row of queryRows(this.table, odata`PartitionKey eq ${partition}`, select)) visit(row);
      },
      partitions,
    );
  }

  /**
   * Writes the links that changed. A lost ETag race is settled by the next scan, which reads the links again: the
   * conflicting rows are left to it and counted. Otherwise the store keeps `stored` with what it wrote and the ETags
   * the writes were answered with, so the next scan need not read back what this one wrote; `list` checks those ETags
   * against the table's before it uses them.
   */
  async save(stored: ReadonlyMap<string, StoredLink>, next: Map<string, Link | null>): Promise<GroupsResult> {
    const groups: TransactionAction[][] = [];
    const written: { link: Link; entity: LinkEntity }[] = [];
    const deleted: string[] = [];
    // Thousands of links share a few policies: each is serialized once.
    const policyJson = new Map<Policy, string>();
    const serialized = (policy: Policy) => {
      const json = policyJson.get(policy) ?? serializePolicy(policy);
      policyJson.set(policy, json);
      return json;
    };
    for (const [environmentId, link] of next) {
      const before = stored.get(environmentId);
      if (!link) {
        if (before) {
          groups.push([['delete', { partitionKey: partitionOf(environmentId), rowKey: environmentId }]]);
          deleted.push(environmentId);
        }
        continue;
      }
      if (before && sameRow(before.link, link, serialized)) continue;
      const entity = toEntity(link, serialized);
      groups.push([before ? ['update', entity, 'Replace', { etag: before.etag }] : ['create', entity]]);
      written.push({ link, entity });
    }
    const result = await submitGroups(this.table, groups);
    this.kept = result.conflicts ? null : withWrites(stored, written, deleted, result.etags);
    return { written: result.written, conflicts: result.conflicts };
  }
}

/** `stored` after the writes, each written link with the ETag its answer gave; null when one gave none. */
function withWrites(
  stored: ReadonlyMap<string, StoredLink>,
  written: { link: Link; entity: LinkEntity }[],
  deleted: string[],
  etags: ReadonlyMap<object, string>,
): ReadonlyMap<string, StoredLink> | null {
  if (!written.length && !deleted.length) return stored;
  const links = new Map(stored);
  for (const environmentId of deleted) links.delete(environmentId);
  for (const { link, entity } of written) {
    const etag = etags.get(entity);
    if (!etag) return null;
    links.set(link.environmentId, { link, etag });
  }
  return links;
}

function toEntity(link: Link, policyJson: (policy: Policy) => string): LinkEntity {
  return {
    partitionKey: partitionOf(link.environmentId),
    rowKey: link.environmentId,
    environment: serializeEnvironment(link.environment),
    ...(link.policyId ? { policyId: link.policyId } : {}),
    ...(link.policy ? { policy: policyJson(link.policy) } : {}),
    ...(link.previous
      ? { previousPolicy: policyJson(link.previous.policy), unlinkedAt: link.previous.unlinkedAt }
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

/**
 * Whether two links would be written as the same row, compared field by field as `toEntity` writes them (what it
 * leaves out alike, policies as their JSON) without serializing every link twice: 106 MiB of a second scan's 871 MiB
 * of allocation at 20,000 environments went there (sampled).
 */
function sameRow(a: Link, b: Link, serializedPolicy: (policy: Policy) => string): boolean {
  const samePolicy = (x: Policy | null, y: Policy | null) =>
    x === y || (x !== null && y !== null && serializedPolicy(x) === serializedPolicy(y));
  return (
    sameFacts(a.environment, b.environment) &&
    (a.policyId || null) === (b.policyId || null) &&
    samePolicy(a.policy, b.policy) &&
    samePolicy(a.previous?.policy ?? null, b.previous?.policy ?? null) &&
    a.previous?.unlinkedAt === b.previous?.unlinkedAt &&
    (a.linkStatusSince || null) === (b.linkStatusSince || null)
  );
}

/** As `serializeEnvironment` writes them: a null link status, and an empty runtime state or admin URL, left out. */
function sameFacts(a: EnvironmentFacts, b: EnvironmentFacts): boolean {
  return (
    a.displayName === b.displayName &&
    a.location === b.location &&
    a.sku === b.sku &&
    a.managed === b.managed &&
    (a.linkStatus ?? null) === (b.linkStatus ?? null) &&
    (a.runtimeState || null) === (b.runtimeState || null) &&
    (a.adminUrl || null) === (b.adminUrl || null)
  );
}
