import pLimit from 'p-limit';
import type { Chain, Policy, Readout, RoleGrant, Vault } from './domain/model.js';
import { memoize } from './memoize.js';
import type { Truth } from './truth/truth.js';

/**
 * Reads the chain of every policy, each distinct vault, key and (vault, identity) pair once however many
 * policies share it, with at most `concurrency` reads in flight.
 */
export async function readChains(policies: Policy[], truth: Truth, concurrency: number): Promise<Map<string, Chain>> {
  const limit = pLimit(concurrency);
  const vault = memoize((vaultId) => limit(() => truth.vault(vaultId)));
  // The first key read of a vault runs alone: it answers the vault's auth challenge and opens the connection
  // that the vault's other reads then share, instead of each racing through its own challenge and handshake.
  const firstKeyRead = new Map<string, Promise<unknown>>();
  const key = memoize(async (id) => {
    const [vaultId = '', keyName = '', version = ''] = id.split('\n');
    return after(await vault(vaultId), (v) => {
      const first = firstKeyRead.get(vaultId);
      const read = (first ?? Promise.resolve()).then(() => limit(() => truth.key(v, keyName, version || null)));
      if (!first) firstKeyRead.set(vaultId, read);
      return read;
    });
  });
  const grants = memoize(async (id) => {
    const [vaultId = '', principalId = ''] = id.split('\n');
    return after(await vault(vaultId), (v) =>
      v.rbac ? limit(() => truth.grants(v, principalId)) : Promise.resolve<Readout<RoleGrant[]>>({ kind: 'found', value: [] }),
    );
  });
  const chains = await Promise.all(
    policies.map(async (policy): Promise<Chain> => {
      const vaultId = policy.vaultId.toLowerCase();
      const [v, k, g] = await Promise.all([
        vault(vaultId),
        key([vaultId, policy.keyName.toLowerCase(), policy.keyVersion ?? ''].join('\n')),
        grants([vaultId, policy.principalId.toLowerCase()].join('\n')),
      ]);
      return { policy, vault: v, key: k, grants: g };
    }),
  );
  return new Map(chains.map((chain) => [chain.policy.id.toLowerCase(), chain]));
}

/** Reads what lies behind a vault; a vault that is gone or unreadable passes that on to what it holds. */
async function after<T>(vault: Readout<Vault>, read: (vault: Vault) => Promise<Readout<T>>): Promise<Readout<T>> {
  if (vault.kind === 'found') return read(vault.value);
  return vault.kind === 'missing' ? { kind: 'missing', detail: `${vault.detail}, so nothing in it can be read` } : vault;
}

/** Each policy once, by id (case-insensitive), for a chain read. */
export function uniquePolicies(policies: (Policy | null | undefined)[]): Policy[] {
  const unique = new Map<string, Policy>();
  for (const policy of policies) if (policy) unique.set(policy.id.toLowerCase(), policy);
  return [...unique.values()];
}
