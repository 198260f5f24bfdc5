import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import type { Link } from '../../../shared/domain/links.js';
import type { Chain, Environment, Key, Policy, Readout, RoleGrant, Vault } from '../../../shared/domain/model.js';
import type { InventorySource, PolicyListing } from '../../../shared/application/ports/inventory.js';
import type {
  CommitResult,
  GroupsResult,
  ChainPort,
  LinkPort,
  PlannedTransition,
  Replan,
  ScanFailure,
  ScanPort,
  ScanRecord,
  StatusPort,
  StoredChain,
  StoredLink,
  Versioned,
} from '../../../shared/application/ports/stores.js';
import type { Truth } from '../../../shared/application/ports/truth.js';

let etags = 0;
const nextEtag = () => `W/"m${++etags}"`;

/** Statuses in memory, committed under ETags as the table commits them: a lost race is replanned against the fresh row. */
export class MemoryStatusStore implements Pick<StatusPort, 'list' | 'get' | 'getMany' | 'commit'> {
  readonly rows = new Map<string, Versioned<EnvironmentStatus>>();
  readonly changes: { environmentId: string; to: string | null; source: string }[] = [];
  /** Called before each commit, to play another writer. */
  beforeCommit: () => void = () => undefined;

  async list(): Promise<Map<string, Versioned<EnvironmentStatus>>> {
    return new Map(this.rows);
  }

  async get(environmentId: string): Promise<Versioned<EnvironmentStatus> | null> {
    return this.rows.get(environmentId) ?? null;
  }

  async getMany(environmentIds: string[]): Promise<Map<string, Versioned<EnvironmentStatus>>> {
    return new Map(environmentIds.flatMap((id) => (this.rows.has(id) ? [[id, this.rows.get(id)!] as const] : [])));
  }

  async commit(planned: PlannedTransition[], replan: Replan): Promise<CommitResult> {
    this.beforeCommit();
    const result: CommitResult = { environments: 0, transactions: 0, failed: [] };
    for (const plan of planned) {
      let { previous, transition } = plan;
      if (this.rows.get(plan.environmentId)?.etag !== previous?.etag) {
        previous = this.rows.get(plan.environmentId) ?? null;
        const again = replan(plan.environmentId, previous?.value ?? null);
        if (!again) continue;
        transition = again;
      }
      result.transactions++;
      result.environments++;
      if (transition.next) this.rows.set(plan.environmentId, { etag: nextEtag(), value: transition.next });
      else this.rows.delete(plan.environmentId);
      if (transition.change)
        this.changes.push({
          environmentId: plan.environmentId,
          to: transition.change.to,
          source: transition.change.source,
        });
    }
    return result;
  }

  put(status: EnvironmentStatus): void {
    this.rows.set(status.environmentId, { etag: nextEtag(), value: status });
  }
}

/** The live chain as a test sets it: vaults, keys and grants by name; anything not set is missing. */
export class MemoryTruth implements Truth {
  readonly vaults = new Map<string, Vault>();
  readonly keys = new Map<string, Key>();
  readonly grantsOf = new Map<string, RoleGrant[]>();
  readonly blind = new Set<string>();
  reads = 0;

  async vault(vaultId: string): Promise<Readout<Vault>> {
    this.reads++;
    if (this.blind.has(vaultId.toLowerCase()))
      return { kind: 'blind', detail: `vault ${vaultId} could not be read (HTTP 503)`, retryable: true };
    const vault = [...this.vaults.values()].find((candidate) => candidate.id.toLowerCase() === vaultId.toLowerCase());
    return vault ? { kind: 'found', value: vault } : { kind: 'missing', detail: `vault ${vaultId} not found` };
  }

  async key(vault: Vault, keyName: string): Promise<Readout<Key>> {
    this.reads++;
    const key = this.keys.get(`${vault.name}/${keyName}`.toLowerCase());
    return key ? { kind: 'found', value: key } : { kind: 'missing', detail: `key ${keyName} not found` };
  }

  async grants(_vault: Vault, principalId: string): Promise<Readout<RoleGrant[]>> {
    this.reads++;
    return { kind: 'found', value: this.grantsOf.get(principalId) ?? [] };
  }
}

/** An inventory that hands its environments over in pages of `pageSize`. */
export class MemoryInventory implements InventorySource {
  constructor(
    public policies: Policy[],
    public environments: Environment[],
    private readonly pageSize = 2,
  ) {}

  async read(onPage: (environments: Environment[], listing: PolicyListing) => void) {
    const listing: PolicyListing = { policies: this.policies, unreadable: [] };
    for (let i = 0; i < this.environments.length; i += this.pageSize)
      onPage(this.environments.slice(i, i + this.pageSize), listing);
    return { ...listing, environments: this.environments.length, skipped: [], unreported: [] };
  }
}

export class MemoryLinkStore implements Pick<LinkPort, 'list' | 'save'> {
  readonly rows = new Map<string, StoredLink>();

  async list(): Promise<Map<string, StoredLink>> {
    return new Map(this.rows);
  }

  async save(_stored: Map<string, StoredLink>, next: Map<string, Link | null>): Promise<GroupsResult> {
    let written = 0;
    for (const [environmentId, link] of next) {
      if (link) this.rows.set(environmentId, { link, etag: nextEtag() });
      else this.rows.delete(environmentId);
      written++;
    }
    return { written, conflicts: 0 };
  }

  links(): Link[] {
    return [...this.rows.values()].map(({ link }) => link);
  }
}

export class MemoryChainStore implements ChainPort {
  readonly rows = new Map<string, StoredChain>();

  async list(): Promise<Map<string, StoredChain>> {
    return new Map(this.rows);
  }

  async get(policyIds: string[]): Promise<Map<string, StoredChain>> {
    return new Map(
      policyIds.flatMap((id) => {
        const row = this.rows.get(id.toLowerCase());
        return row ? [[id.toLowerCase(), row] as const] : [];
      }),
    );
  }

  async save(_stored: Map<string, StoredChain>, observed: Chain[], observedAt: Date): Promise<GroupsResult> {
    for (const { policy, vault, key, grants } of observed) {
      this.rows.set(policy.id.toLowerCase(), {
        chain: { policy, vault, key, grants },
        observedAt: observedAt.toISOString(),
        etag: nextEtag(),
      });
    }
    return { written: observed.length, conflicts: 0 };
  }
}

export class MemoryScanStore implements Pick<ScanPort, 'record' | 'recordFailure'> {
  readonly records: ScanRecord[] = [];
  readonly failures: ScanFailure[] = [];

  async record(scan: ScanRecord): Promise<void> {
    this.records.push(scan);
  }

  async recordFailure(failure: ScanFailure): Promise<void> {
    this.failures.push(failure);
  }
}
