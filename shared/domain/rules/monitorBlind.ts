import type { Chain, Finding } from '../model.js';
import { nameOf } from '../resourceIds.js';
import { finding } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

export const monitorBlindRule = defineRule({
  id: 'monitor-blind',
  kind: 'chain',
  severity: 'warning',
  check: monitorBlind,
  remedy:
    "Give the monitor's identity the 'Key Vault Reader' role on the vault and Reader on its resource group (for vault properties and role assignments), and let it reach the vault through the network; the next scan then evaluates the chain.",
  duty: 'keyVaultSide',
  alerting: 'atOnce',
});

export function monitorBlind({ chain }: RuleContext): Finding | null {
  const unread = unreadPartsOf(chain);
  if (!unread.length) return null;
  return finding(monitorBlindRule, `The monitor cannot read ${unread.join('; ')}.`);
}

function unreadPartsOf({ policy, vault, key, grants }: Chain): string[] {
  const vaultName = vault.kind === 'found' ? vault.value.name : nameOf(policy.vaultId);
  const rbac = vault.kind === 'found' && vault.value.rbac;
  return [
    ...(vault.kind === 'blind' ? [`vault '${vaultName}', so access cannot be checked either (${vault.detail})`] : []),
    ...(key.kind === 'blind' ? [`key '${policy.keyName}' in vault '${vaultName}' (${key.detail})`] : []),
    ...(rbac && grants.kind === 'blind'
      ? [`the role assignments of policy '${policy.name}' on vault '${vaultName}' (${grants.detail})`]
      : []),
  ];
}
