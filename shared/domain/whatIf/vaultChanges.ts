import type { ChangeOf } from './changes.js';
import type { Picture } from './picture.js';
import { type Applied, chainsOfVault, isRefusal, touched, updateVault } from './targets.js';

/**
 * Switches a Key Vault between Azure RBAC and access policies. The scan reads role assignments only on an RBAC vault,
 * so after a switch either way the identity holds no grant the picture knows of (on RBAC: until a change adds one).
 */
export function setVaultPermissionModel(picture: Picture, { vault, model }: ChangeOf<'setVaultPermissionModel'>): Applied {
  const chains = chainsOfVault(picture, vault);
  if (isRefusal(chains)) return chains;
  if (chains.some((chain) => chain.vault.kind === 'found' && chain.vault.value.type === 'managedHsm')) {
    return { field: 'vault', message: `'${vault}' is a Managed HSM, whose permission model is its own local RBAC` };
  }
  const rbac = model === 'rbac';
  for (const chain of chains) {
    if (chain.vault.kind !== 'found' || chain.vault.value.rbac === rbac) continue;
    updateVault(chain, (current) => ({ ...current, rbac }));
    chain.grants = { kind: 'found', value: [] };
  }
  return touched(true);
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
