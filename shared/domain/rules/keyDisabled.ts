import type { Finding } from '../model.js';
import { currentOf, finding, labelOf } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

export const keyDisabledRule = defineRule({
  id: 'key-disabled',
  kind: 'chain',
  severity: 'outage',
  check: keyDisabled,
  remedy: 'In Key Vault, re-enable the current key version (Keys > key > version > Enabled: Yes).',
  duty: 'keyVaultSide',
  alerting: 'atOnceWhenCritical',
  breaksRestores: true,
});

export function keyDisabled({ chain }: RuleContext): Finding | null {
  const current = currentOf(chain);
  if (!current || current.version.enabled) return null;
  return finding(keyDisabledRule, `${labelOf(current)} is disabled.`, current.version.updatedOn);
}
