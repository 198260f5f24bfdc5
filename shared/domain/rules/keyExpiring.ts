import type { Finding } from '../model.js';
import { currentOf, days, finding, iso, labelOf } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

export const keyExpiringRule = defineRule({
  id: 'key-expiring',
  kind: 'chain',
  check: keyExpiring,
  remedy:
    'Create a new key version (rotate) before the expiry date; keep the previous version enabled for at least 28 days.',
  duty: 'keyVaultSide',
  alerting: 'ladder',
});

export function keyExpiring({ chain, now, options }: RuleContext): Finding | null {
  const current = currentOf(chain);
  const expiresOn = current?.version.expiresOn;
  if (!current || !expiresOn) return null;
  const remaining = expiresOn.getTime() - now.getTime();
  if (remaining <= 0 || remaining > days(options.expiringWithinDays)) return null;
  const severity = remaining <= days(options.criticalWithinDays) ? 'critical' : 'warning';
  return finding({ id: keyExpiringRule.id, severity }, `${labelOf(current)} expires on ${iso(expiresOn)}.`, expiresOn);
}
