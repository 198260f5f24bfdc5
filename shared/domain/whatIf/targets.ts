import type { Chain, Key, Readout, Vault } from '../model.js';
import { nameOf } from '../resourceIds.js';
import { sameText } from '../rules/helpers.js';
import type { Picture } from './picture.js';

/**
 * What a change did (whether it matched any chain or link, and what the answer must say beside the evaluation), or why
 * it cannot apply: the change's field at fault.
 */
export type Applied = { touched: boolean; note?: string } | Refusal;

export interface Refusal {
  field: string;
  message: string;
}

export const touched = (matched: boolean, note?: string): Applied => ({ touched: matched, ...(note && { note }) });

export function isRefusal<T>(value: T | Refusal): value is Refusal {
  return typeof value === 'object' && value !== null && 'field' in value && 'message' in value;
}

/** The chains on the named vault, which must have been read. */
export function chainsOfVault(picture: Picture, vault: string): Chain[] | Refusal {
  const chains = [...picture.chains.values()].filter((chain) => sameText(vaultNameOf(chain), vault));
  if (!chains.length) return { field: 'vault', message: `no vault '${vault}'` };
  const unread = chains.map((chain) => chain.vault).find(isUnread);
  return unread ? { field: 'vault', message: `vault '${vault}' cannot be changed: ${unreadReason(unread)}` } : chains;
}

/** The chains on the named key of the named vault, which must have been read. */
export function chainsOfKey(picture: Picture, vault: string, key: string): Chain[] | Refusal {
  const ofVault = chainsOfVault(picture, vault);
  if (isRefusal(ofVault)) return ofVault;
  const chains = ofVault.filter((chain) => sameText(chain.policy.keyName, key));
  if (!chains.length) return { field: 'key', message: `no key '${key}' in vault '${vault}'` };
  const unread = chains.map((chain) => chain.key).find(isUnread);
  return unread
    ? { field: 'key', message: `key '${key}' in vault '${vault}' cannot be changed: ${unreadReason(unread)}` }
    : chains;
}

/** The chains on the key that has the named version. */
export function chainsOfKeyVersion(picture: Picture, vault: string, key: string, version: string): Chain[] | Refusal {
  const chains = chainsOfKey(picture, vault, key);
  if (isRefusal(chains)) return chains;
  const known = chains.some(
    (chain) => chain.key.kind === 'found' && chain.key.value.versions.some((v) => sameText(v.version, version)),
  );
  return known ? chains : { field: 'version', message: `no version '${version}' of key '${key}' in vault '${vault}'` };
}

/** The chains whose policy identity the principal is. */
export function chainsOfPrincipal(picture: Picture, principalId: string): Chain[] | Refusal {
  const chains = [...picture.chains.values()].filter((chain) => sameText(chain.policy.principalId, principalId));
  return chains.length ? chains : { field: 'principalId', message: `no policy identity '${principalId}'` };
}

/** Replaces a chain's key by its update, when the key was read. */
export function updateKey(chain: Chain, update: (key: Key) => Key): void {
  if (chain.key.kind === 'found') chain.key = { kind: 'found', value: update(chain.key.value) };
}

/** Replaces a chain's vault by its update, when the vault was read. */
export function updateVault(chain: Chain, update: (vault: Vault) => Vault): void {
  if (chain.vault.kind === 'found') chain.vault = { kind: 'found', value: update(chain.vault.value) };
}

function vaultNameOf(chain: Chain): string {
  return chain.vault.kind === 'found' ? chain.vault.value.name : nameOf(chain.policy.vaultId);
}

type Unread = Exclude<Readout<unknown>, { kind: 'found' }>;

function isUnread(readout: Readout<unknown>): readout is Unread {
  return readout.kind !== 'found';
}

function unreadReason(readout: Unread): string {
  return readout.kind === 'missing'
    ? `it was not found (${readout.detail})`
    : `the monitor could not read it (${readout.detail})`;
}
