import { sameText } from '../rules/helpers.js';
import type { ChangeOf } from './change.js';
import type { Picture } from './picture.js';
import { type Applied, chainsOfPrincipal, chainsOfVault, isRefusal, touched, updateVault } from './targets.js';

/**
 * Sets the identity's key permissions in the vault's access policies, as Vaults_UpdateAccessPolicy `replace` does with
 * its entry. A vault on Azure RBAC keeps its access policies but ignores them until it switches back.
 */
export function setAccessPolicy(
  picture: Picture,
  { vault, principalId, keyPermissions }: ChangeOf<'setAccessPolicy'>,
): Applied {
  const ofVault = chainsOfVault(picture, vault);
  if (isRefusal(ofVault)) return ofVault;
  if (ofVault.some((chain) => chain.vault.kind === 'found' && chain.vault.value.type === 'managedHsm')) {
    return { field: 'vault', message: `'${vault}' is a Managed HSM, which has no access policies` };
  }
  const ofPrincipal = chainsOfPrincipal(picture, principalId);
  if (isRefusal(ofPrincipal)) return ofPrincipal;
  const chains = ofVault.filter((chain) => ofPrincipal.includes(chain));
  for (const chain of chains) {
    updateVault(chain, (current) => ({
      ...current,
      accessPolicies: [
        ...current.accessPolicies.filter((entry) => !sameText(entry.objectId, principalId)),
        { objectId: principalId, keys: [...keyPermissions] },
      ],
    }));
  }
  const rbac = chains.some((chain) => chain.vault.kind === 'found' && chain.vault.value.rbac);
  return touched(
    chains.length > 0,
    rbac
      ? `Vault '${vault}' uses Azure RBAC: its access policies count only once it switches back to them.`
      : undefined,
  );
}
