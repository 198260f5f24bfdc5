import type { Finding } from '../model.js';
import { currentOf, finding, iso, labelOf } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

export const keyExpiredRule = defineRule({
  id: 'key-expired',
  kind: 'chain',
  severity: 'outage',
  check: keyExpired,
  remedy:
    'In Key Vault, set a later expiry date on the current key version or create a new key version (rotate); the environments come back once the key is usable again.',
  duty: 'keyVaultSide',
  alerting: 'atOnceWhenCritical',
  breaksRestores: true,
});

export function keyExpired({ chain, now }: RuleContext): Finding | null {
  const current = currentOf(chain);
  const expiresOn = current?.version.expiresOn;
  if (!current || !expiresOn || expiresOn.getTime() > now.getTime()) return null;
  return finding(keyExpiredRule, `${labelOf(current)} expired on ${iso(expiresOn)}.`, expiresOn);
}
