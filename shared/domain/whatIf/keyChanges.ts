import type { Chain, KeyVersion } from '../model.js';
import { sameText } from '../rules/helpers.js';
import type { ChangeOf } from './change.js';
import type { Picture } from './picture.js';
import {
  type Applied,
  chainsOfKey,
  chainsOfKeyVersion,
  chainsOfVault,
  isRefusal,
  touched,
  updateKey,
} from './targets.js';

/** Prefix of the version ids a what-if rotation makes up; Key Vault's own are 32 hex digits. */
const placeholderPrefix = 'what-if-';

export function setKeyVersionEnabled(
  picture: Picture,
  change: ChangeOf<'disableKeyVersion' | 'enableKeyVersion'>,
  now: Date,
): Applied {
  const enabled = change.action === 'enableKeyVersion';
  return updateKeyVersion(picture, change, now, (version) => ({ ...version, enabled }));
}

export function setKeyVersionDates(picture: Picture, change: ChangeOf<'setKeyVersionDates'>, now: Date): Applied {
  const { expiresOn, notBefore } = change;
  return updateKeyVersion(picture, change, now, (version) => ({
    ...version,
    ...(expiresOn !== undefined && { expiresOn }),
    ...(notBefore !== undefined && { notBefore }),
  }));
}

/** A deleted key is kept as it was, so a later change can recover it. */
export function deleteKey(picture: Picture, { vault, key }: ChangeOf<'deleteKey'>): Applied {
  const chains = chainsOfKey(picture, vault, key);
  if (isRefusal(chains)) return chains;
  for (const chain of chains) {
    if (chain.key.kind === 'found') picture.deletedKeys.set(chain.policy.id.toLowerCase(), chain.key.value);
    chain.key = { kind: 'missing', detail: `key '${key}' deleted by the what-if` };
  }
  return touched(true);
}

/**
 * Brings a soft-deleted key back as the monitor last read it: RecoverDeletedKey "recovers the deleted key back to its
 * latest version under /keys" (@azure/keyvault-keys 4.10, recoverDeletedKey). A key the monitor never read before it
 * went missing cannot be predicted.
 */
export function recoverDeletedKey(picture: Picture, { vault, key }: ChangeOf<'recoverDeletedKey'>): Applied {
  const ofVault = chainsOfVault(picture, vault);
  if (isRefusal(ofVault)) return ofVault;
  const chains = ofVault.filter((chain) => sameText(chain.policy.keyName, key));
  if (!chains.length) return { field: 'key', message: `no key '${key}' in vault '${vault}'` };
  if (chains.some((chain) => chain.key.kind !== 'missing'))
    return { field: 'key', message: `key '${key}' in vault '${vault}' is not known to be deleted` };
  if (chains.some((chain) => chain.vault.kind === 'found' && !chain.vault.value.softDelete)) {
    return { field: 'vault', message: `vault '${vault}' has soft delete off: a key deleted there is gone for good` };
  }
  const recovered = chains.flatMap((chain) => {
    const value = picture.deletedKeys.get(chain.policy.id.toLowerCase());
    return value ? [{ chain, value }] : [];
  });
  if (recovered.length < chains.length) {
    return {
      field: 'key',
      message: `the monitor never read key '${key}' in vault '${vault}' before it was deleted, so what recovery brings back is unknown`,
    };
  }
  for (const { chain, value } of recovered) {
    chain.key = { kind: 'found', value };
    picture.deletedKeys.delete(chain.policy.id.toLowerCase());
  }
  return touched(true, `Only while key '${key}' is soft-deleted: not once it is purged or its retention has run out.`);
}

/** A new enabled version, current wherever the policy does not pin one. */
export function rotateKey(picture: Picture, { vault, key, expiresOn }: ChangeOf<'rotateKey'>, now: Date): Applied {
  const chains = chainsOfKey(picture, vault, key);
  if (isRefusal(chains)) return chains;
  const id = nextPlaceholder(chains);
  for (const chain of chains) {
    const version: KeyVersion = {
      version: id,
      enabled: true,
      createdOn: now,
      updatedOn: now,
      expiresOn: expiresOn ?? null,
      notBefore: null,
    };
    const pinned = chain.policy.keyVersion !== null;
    updateKey(chain, (current) => ({
      ...current,
      versions: [...current.versions, version],
      currentVersion: pinned ? current.currentVersion : id,
    }));
  }
  return touched(true);
}

/** Changing a version's attributes stamps its `updatedOn`, as Key Vault does. */
function updateKeyVersion(
  picture: Picture,
  { vault, key, version }: { vault: string; key: string; version: string },
  now: Date,
  update: (version: KeyVersion) => KeyVersion,
): Applied {
  const chains = chainsOfKeyVersion(picture, vault, key, version);
  if (isRefusal(chains)) return chains;
  for (const chain of chains) {
    updateKey(chain, (current) => ({
      ...current,
      versions: current.versions.map((v) => (sameText(v.version, version) ? { ...update(v), updatedOn: now } : v)),
    }));
  }
  return touched(true);
}

/** `what-if-1`, then `what-if-2` for the same key's next rotation. */
function nextPlaceholder(chains: Chain[]): string {
  const made = new Set(
    chains
      .flatMap((chain) => (chain.key.kind === 'found' ? chain.key.value.versions : []))
      .map((v) => v.version)
      .filter((v) => v.startsWith(placeholderPrefix)),
  );
  return `${placeholderPrefix}${made.size + 1}`;
}
