import type { Finding } from '../model.js';
import { finding, valueOf, vaultLabel } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

export const vaultNetworkBlockedRule = defineRule({
  id: 'vault-network-blocked',
  kind: 'chain',
  severity: 'outage',
  check: vaultNetworkBlocked,
  remedy:
    "In the vault's Networking settings, turn on 'Allow trusted Microsoft services to bypass this firewall' (or allow public access from all networks).",
  duty: 'keyVaultSide',
  alerting: 'atOnceWhenCritical',
});

export function vaultNetworkBlocked({ chain }: RuleContext): Finding | null {
  const vault = valueOf(chain.vault);
  if (!vault || vault.trustedServicesBypass) return null;
  const closures = [
    ...(vault.publicNetworkAccess === 'Disabled' ? ['public network access disabled'] : []),
    ...(vault.networkDefaultAction === 'Deny' ? ['firewall default action Deny'] : []),
  ];
  if (!closures.length) return null;
  return finding(
    vaultNetworkBlockedRule,
    `${vaultLabel(vault)} has ${closures.join(' and ')} without the trusted Microsoft services bypass.`,
  );
}
