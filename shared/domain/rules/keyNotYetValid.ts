import type { Finding } from '../model.js';
import { currentOf, finding, iso, labelOf } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

export const keyNotYetValidRule = defineRule({
  id: 'key-not-yet-valid',
  kind: 'chain',
  severity: 'outage',
  check: keyNotYetValid,
  remedy:
    'Clear or move back the activation date (nbf) of the current key version so it is valid now, or rotate to a version that is already active.',
  duty: 'keyVaultSide',
  alerting: 'atOnceWhenCritical',
});

export function keyNotYetValid({ chain, now }: RuleContext): Finding | null {
  const current = currentOf(chain);
  const notBefore = current?.version.notBefore;
  if (!current || !notBefore || notBefore.getTime() <= now.getTime()) return null;
  return finding(keyNotYetValidRule, `${labelOf(current)} is not valid before ${iso(notBefore)}.`);
}
