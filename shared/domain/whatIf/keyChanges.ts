import type { Chain, KeyVersion } from '../model.js';
import { sameText } from '../rules/helpers.js';
import type { ChangeOf } from './changes.js';
import type { Picture } from './picture.js';
import { type Applied, chainsOfKey, chainsOfKeyVersion, isRefusal, touched, updateKey } from './targets.js';

/** Prefix of the version ids a what-if rotation makes up; Key Vault's own are 32 hex digits. */
const placeholderPrefix = 'what-if-';

export function setKeyVersionEnabled(picture: Picture, change: ChangeOf<'disableKeyVersion' | 'enableKeyVersion'>, now: Date): Applied {
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

export function deleteKey(picture: Picture, { vault, key }: ChangeOf<'deleteKey'>): Applied {
  const chains = chainsOfKey(picture, vault, key);
  if (isRefusal(chains)) return chains;
  for (const chain of chains) chain.key = { kind: 'missing', detail: `key '${key}' deleted by the what-if` };
  return touched(true);
}

/** A new enabled version, current wherever the policy does not pin one. */
export function rotateKey(picture: Picture, { vault, key, expiresOn }: ChangeOf<'rotateKey'>, now: Date): Applied {
  const chains = chainsOfKey(picture, vault, key);
  if (isRefusal(chains)) return chains;
  const id = nextPlaceholder(chains);
  for (const chain of chains) {
    const version: KeyVersion = { version: id, enabled: true, createdOn: now, updatedOn: now, expiresOn: expiresOn ?? null, notBefore: null };
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
    chains.flatMap((chain) => (chain.key.kind === 'found' ? chain.key.value.versions : [])).map((v) => v.version).filter((v) => v.startsWith(placeholderPrefix)),
  );
  return `${placeholderPrefix}${made.size + 1}`;
}
