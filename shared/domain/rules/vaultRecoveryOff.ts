import type { Finding } from '../model.js';
import { finding, valueOf, vaultLabel } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

export const vaultRecoveryOffRule = defineRule({
  id: 'vault-recovery-off',
  kind: 'chain',
  severity: 'critical',
  check: vaultRecoveryOff,
  remedy:
    'Turn on soft delete and purge protection in the vault (Properties > Soft-delete, Purge protection); CMK requires both.',
  duty: 'keyVaultSide',
  alerting: 'atOnceWhenCritical',
});

export function vaultRecoveryOff({ chain }: RuleContext): Finding | null {
  const vault = valueOf(chain.vault);
  if (!vault) return null;
  const off = [...(vault.softDelete ? [] : ['soft delete']), ...(vault.purgeProtection ? [] : ['purge protection'])];
  if (!off.length) return null;
  return finding(
    vaultRecoveryOffRule,
    `${vaultLabel(vault)} has ${off.join(' and ')} off; key '${chain.policy.keyName}' is not protected against permanent deletion.`,
  );
}
