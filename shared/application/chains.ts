import pLimit from 'p-limit';
import type { VaultEvents } from '../domain/eventCoverage.js';
import type { Chain, Key, Policy, Readout, RoleGrant, Vault } from '../domain/model.js';
import { streaksOf, type RefusalStreak } from '../domain/refusals.js';
import { nameOf } from '../domain/resourceIds.js';
import { memoize } from '../memoize.js';
import type { Truth } from './ports/truth.js';

/** Reads the chain of every policy in `policies`. */
export function readChains(policies: Policy[], truth: Truth, concurrency: number): Promise<Map<string, Chain>> {
  const reader = new ChainReader(truth, concurrency);
  for (const policy of policies) void reader.read(policy);
  return reader.all();
}

/**
 * Reads policies' chains as they become known, each distinct vault, key and (vault, identity) pair once however many
 * policies share it, with at most `concurrency` reads in flight.
 */
export class ChainReader {
  private readonly chains = new Map<string, Promise<Chain>>();
  private readonly vault: (vaultId: string) => Promise<Readout<Vault>>;
  private readonly key: (id: string) => Promise<Readout<Key>>;
  private readonly grants: (id: string) => Promise<Readout<RoleGrant[]>>;

  constructor(truth: Truth, concurrency: number) {
    const limit = pLimit(concurrency);
    this.vault = memoize((vaultId) => limit(() => truth.vault(vaultId)));
    // The first key read of a vault runs alone: it answers the vault's auth challenge and opens the connection
    // that the vault's other reads then share, instead of each racing through its own challenge and handshake.
    const firstKeyRead = new Map<string, Promise<unknown>>();
    this.key = memoize(async (id) => {
      const [vaultId = '', keyName = '', version = ''] = id.split('\n');
      return after(await this.vault(vaultId), (v) => {
        const first = firstKeyRead.get(vaultId);
        const read = (first ?? Promise.resolve()).then(() => limit(() => truth.key(v, keyName, version || null)));
        if (!first) firstKeyRead.set(vaultId, read);
        return read;
      });
    });
    // Read on access-policy vaults too, though only RBAC evaluates them: a what-if that switches the vault needs them.
    // A Managed HSM grants through its local RBAC, which Resource Manager does not serve.
    this.grants = memoize(async (id) => {
      const [vaultId = '', principalId = ''] = id.split('\n');
      return after(await this.vault(vaultId), (v) =>
        v.type === 'vault'
          ? limit(() => truth.grants(v, principalId))
          : Promise.resolve<Readout<RoleGrant[]>>({ kind: 'found', value: [] }),
      );
    });
  }

  /** Starts reading a policy's chain, once per policy id (case-insensitive). */
  read(policy: Policy): Promise<Chain> {
    const id = policy.id.toLowerCase();
    let chain = this.chains.get(id);
    if (!chain) {
      chain = this.readChain(policy);
      // Awaited by all(); until then a failure must not count as unhandled.
      chain.catch(() => undefined);
      this.chains.set(id, chain);
    }
    return chain;
  }

  /** Every chain started, once all are read, by lowercase policy id. */
  async all(): Promise<Map<string, Chain>> {
    const chains = await Promise.all(this.chains.values());
    return new Map(chains.map((chain) => [chain.policy.id.toLowerCase(), chain]));
  }

  private async readChain(policy: Policy): Promise<Chain> {
    const vaultId = policy.vaultId.toLowerCase();
    const [vault, key, grants] = await Promise.all([
      this.vault(vaultId),
      this.key([vaultId, policy.keyName.toLowerCase(), policy.keyVersion ?? ''].join('\n')),
      this.grants([vaultId, policy.principalId.toLowerCase()].join('\n')),
    ]);
    return { policy, vault, key, grants };
  }
}

/** Reads what lies behind a vault; a vault that is gone or unreadable passes that on to what it holds. */
async function after<T>(vault: Readout<Vault>, read: (vault: Vault) => Promise<Readout<T>>): Promise<Readout<T>> {
  if (vault.kind === 'found') return read(vault.value);
  return vault.kind === 'missing'
    ? { kind: 'missing', detail: `${vault.detail}, so nothing in it can be read` }
    : vault;
}

/** Each policy once, by id (case-insensitive), for a chain read. */
export function uniquePolicies(policies: (Policy | null | undefined)[]): Policy[] {
  const unique = new Map<string, Policy>();
  for (const policy of policies) if (policy) unique.set(policy.id.toLowerCase(), policy);
  return [...unique.values()];
}

/** Sets on each chain whether its vault's events reach the monitor. */
export function withEvents(chains: Map<string, Chain>, vaults: Pick<VaultEvents, 'vaultName' | 'coverage'>[]): void {
  const byName = new Map(vaults.map((vault) => [vault.vaultName.toLowerCase(), vault.coverage]));
  for (const chain of chains.values()) {
    const coverage = byName.get(nameOf(chain.policy.vaultId).toLowerCase());
    if (coverage) chain.events = coverage;
  }
}

/** Gives each chain the refused calls of its policy's identity on its key. */
export function withRefusals(chains: Map<string, Chain>, streaks: readonly RefusalStreak[]): void {
  for (const chain of chains.values()) chain.refusals = streaksOf(chain.policy, streaks);
}
