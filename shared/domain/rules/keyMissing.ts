import type { Chain, Finding } from '../model.js';
import { nameOf } from '../resourceIds.js';
import { currentVersionOf, finding } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

export const keyMissingRule = defineRule({
  id: 'key-missing',
  kind: 'chain',
  severity: 'outage',
  check: keyMissing,
  remedy:
    'Recover the deleted key or vault from Key Vault soft-delete (Manage deleted keys / Manage deleted vaults), or fix the key name and version the enterprise policy references.',
  duty: 'keyVaultSide',
  alerting: 'atOnceWhenCritical',
  breaksRestores: true,
});

export function keyMissing({ chain }: RuleContext): Finding | null {
  const message = missingLinkOf(chain);
  return message ? finding(keyMissingRule, message) : null;
}

function missingLinkOf({ policy, vault, key }: Chain): string | null {
  if (vault.kind === 'missing')
    return `Vault '${nameOf(policy.vaultId)}' (${policy.vaultId}) was not found: ${vault.detail}`;
  const vaultName = vault.kind === 'found' ? vault.value.name : nameOf(policy.vaultId);
  if (key.kind === 'missing') return `Key '${policy.keyName}' was not found in vault '${vaultName}': ${key.detail}`;
  if (key.kind === 'found' && !currentVersionOf(key.value)) {
    const { name, vaultName: keyVault, currentVersion } = key.value;
    const which = policy.keyVersion ? 'pinned' : 'current';
    return `The ${which} version '${currentVersion}' of key '${name}' in vault '${keyVault}' was not found.`;
  }
  return null;
}
