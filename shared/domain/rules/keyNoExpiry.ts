import type { Finding } from '../model.js';
import { currentOf, finding, labelOf } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

export const keyNoExpiryRule = defineRule({
  id: 'key-no-expiry',
  kind: 'chain',
  severity: 'info',
  check: keyNoExpiry,
  remedy:
    "Optional: add a key rotation policy with automatic rotation and a 'notify before expiry' action, so Key Vault rotates the key and emits near-expiry events.",
  duty: 'keyVaultSide',
  alerting: 'atOnceWhenCritical',
});

export function keyNoExpiry({ chain }: RuleContext): Finding | null {
  const current = currentOf(chain);
  if (!current || current.version.expiresOn) return null;
  const rotation = current.key.hasRotationPolicy
    ? 'the key has a rotation policy.'
    : 'the key has no rotation policy either, so Key Vault emits no near-expiry events.';
  return finding(keyNoExpiryRule, `${labelOf(current)} has no expiry date; ${rotation}`);
}
