import type { Finding, Key } from '../model.js';
import { finding, valueOf } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

const SUPPORTED_KEY_TYPES = ['rsa', 'rsa-hsm'];
const SUPPORTED_KEY_SIZES = [2048, 3072];

export const keyTypeUnsupportedRule = defineRule({
  id: 'key-type-unsupported',
  kind: 'chain',
  severity: 'critical',
  check: keyTypeUnsupported,
  remedy:
    'Create an RSA or RSA-HSM key of 2048 or 3072 bits, create a new enterprise policy for it, then move the environments: remove them from the old policy and add them to the new one.',
  duty: 'keyVaultSide',
  alerting: 'atOnceWhenCritical',
});

export function keyTypeUnsupported({ chain }: RuleContext): Finding | null {
  const key = valueOf(chain.key);
  if (!key || isSupportedKeyType(key)) return null;
  const size = key.size === null ? '' : ` ${key.size}-bit`;
  return finding(
    keyTypeUnsupportedRule,
    `Key '${key.name}' in vault '${key.vaultName}' is ${key.kty}${size}; CMK needs an RSA or RSA-HSM key of 2048 or 3072 bits.`,
  );
}

function isSupportedKeyType(key: Key): boolean {
  return (
    SUPPORTED_KEY_TYPES.includes(key.kty.toLowerCase()) && key.size !== null && SUPPORTED_KEY_SIZES.includes(key.size)
  );
}
