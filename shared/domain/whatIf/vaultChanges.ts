import type { ChangeOf } from './change.js';
import type { Picture } from './picture.js';
import { type Applied, chainsOfVault, isRefusal, touched, updateVault } from './targets.js';

/**
 * Switches a Key Vault between Azure RBAC and access policies. The scan reads both on every Key Vault (the identity's
 * role assignments and access policies), so whichever model the vault switches to evaluates what the identity holds there.
 */
export function setVaultPermissionModel(
  picture: Picture,
  { vault, model }: ChangeOf<'setVaultPermissionModel'>,
): Applied {
  const chains = chainsOfVault(picture, vault);
  if (isRefusal(chains)) return chains;
  if (chains.some((chain) => chain.vault.kind === 'found' && chain.vault.value.type === 'managedHsm')) {
    return { field: 'vault', message: `'${vault}' is a Managed HSM, whose permission model is its own local RBAC` };
  }
  const rbac = model === 'rbac';
  for (const chain of chains) updateVault(chain, (current) => ({ ...current, rbac }));
  return touched(true);
}

/** Purge protection is for good: "the property does not accept false as its value" (VaultProperties.enablePurgeProtection, @azure/arm-keyvault). */
export function enablePurgeProtection(picture: Picture, { vault }: ChangeOf<'enablePurgeProtection'>): Applied {
  const chains = chainsOfVault(picture, vault);
  if (isRefusal(chains)) return chains;
  for (const chain of chains) updateVault(chain, (current) => ({ ...current, purgeProtection: true }));
  return touched(true, `Azure cannot turn purge protection off again: vault '${vault}' keeps it for good.`);
}

/**
 * No rule reads the retention, and the picture does not hold it: the change is checked, not evaluated. Key Vault takes a
 * vault's retention once: "Once set, the retention policy interval cannot be changed"
 * (learn.microsoft.com/azure/key-vault/general/soft-delete-overview).
 */
export function setSoftDeleteRetention(picture: Picture, { vault, days }: ChangeOf<'setSoftDeleteRetention'>): Applied {
  const chains = chainsOfVault(picture, vault);
  if (isRefusal(chains)) return chains;
  return touched(
    true,
    `No finding depends on the soft-delete retention. Azure sets it only once: if vault '${vault}' already has one (set at creation or since), Resource Manager refuses to change it to ${days} days; the monitor does not read whether it has.`,
  );
}

export function setVaultNetwork(picture: Picture, change: ChangeOf<'setVaultNetwork'>): Applied {
  const chains = chainsOfVault(picture, change.vault);
  if (isRefusal(chains)) return chains;
  const { publicNetworkAccess, defaultAction, trustedServicesBypass } = change;
  for (const chain of chains) {
    updateVault(chain, (current) => ({
      ...current,
      ...(publicNetworkAccess !== undefined && { publicNetworkAccess }),
      ...(defaultAction !== undefined && { networkDefaultAction: defaultAction }),
      ...(trustedServicesBypass !== undefined && { trustedServicesBypass }),
    }));
  }
  return touched(true);
}

/** A deleted vault takes its keys and the identity's access with it. */
export function deleteVault(picture: Picture, { vault }: ChangeOf<'deleteVault'>): Applied {
  const chains = chainsOfVault(picture, vault);
  if (isRefusal(chains)) return chains;
  const detail = `vault '${vault}' deleted by the what-if`;
  for (const chain of chains) {
    chain.vault = { kind: 'missing', detail };
    chain.key = { kind: 'missing', detail };
    chain.grants = { kind: 'missing', detail };
  }
  return touched(true);
}
