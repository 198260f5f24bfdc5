import type { AccessPolicy, Chain, Finding, RoleGrant, Vault } from '../model.js';
import { finding, sameText, valueOf } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

const REQUIRED_DATA_ACTIONS = [
  'Microsoft.KeyVault/vaults/keys/read',
  'Microsoft.KeyVault/vaults/keys/wrap/action',
  'Microsoft.KeyVault/vaults/keys/unwrap/action',
];
const REQUIRED_KEY_PERMISSIONS = ['get', 'wrapKey', 'unwrapKey'];

export const accessRevokedRule = defineRule({
  id: 'access-revoked',
  kind: 'chain',
  severity: 'outage',
  check: accessRevoked,
  remedy:
    "Grant the enterprise policy's managed identity the 'Key Vault Crypto Service Encryption User' role on the vault or key (RBAC model), or an access policy with Get, Wrap Key and Unwrap Key key permissions (access policy model).",
  duty: 'keyVaultSide',
  alerting: 'atOnceWhenCritical',
  breaksRestores: true,
});

export function accessRevoked({ chain }: RuleContext): Finding | null {
  const vault = valueOf(chain.vault);
  // A Managed HSM grants access through its local RBAC, which Resource Manager does not serve: not evaluated here.
  if (!vault || vault.type === 'managedHsm') return null;
  return vault.rbac ? rbacAccessRevoked(chain, vault) : accessPolicyRevoked(chain, vault);
}

function rbacAccessRevoked(chain: Chain, vault: Vault): Finding | null {
  const grants = valueOf(chain.grants);
  if (!grants) return null;
  const keyScope = `${vault.id}/keys/${chain.policy.keyName}`;
  const qualifying = grants.filter((grant) => coversScope(grant.scope, vault.id, keyScope));
  const missing = REQUIRED_DATA_ACTIONS.filter((action) => !qualifying.some((grant) => allows(grant, action)));
  if (!missing.length) return null;
  return finding(
    accessRevokedRule,
    `The ${identityOf(chain)} has no role on vault '${vault.name}', key '${chain.policy.keyName}' or above ` +
      `that allows ${missing.join(', ')}. Role grants inherited through a group are not visible to the monitor.`,
  );
}

function accessPolicyRevoked(chain: Chain, vault: Vault): Finding | null {
  const permissions = keyPermissionsOf(vault.accessPolicies, chain.policy.principalId);
  if (permissions.has('all')) return null;
  const missing = REQUIRED_KEY_PERMISSIONS.filter((permission) => !permissions.has(permission.toLowerCase()));
  if (!missing.length) return null;
  return finding(
    accessRevokedRule,
    `No access policy of vault '${vault.name}' gives the ${identityOf(chain)} the key permissions ${missing.join(', ')}. ` +
      'Access granted through a group is not visible to the monitor.',
  );
}

function keyPermissionsOf(policies: AccessPolicy[], principalId: string): Set<string> {
  const own = policies.filter((policy) => sameText(policy.objectId, principalId));
  return new Set(own.flatMap((policy) => policy.keys.map((permission) => permission.toLowerCase())));
}

/** A grant counts at the vault, at the policy's key, or at any ancestor of the vault. */
function coversScope(scope: string, vaultId: string, keyScope: string): boolean {
  const grantScope = normalizeScope(scope);
  const vault = normalizeScope(vaultId);
  return (
    grantScope === vault ||
    grantScope === normalizeScope(keyScope) ||
    vault.startsWith(`${grantScope}/`) ||
    // Management groups do not appear in the vault id; the role assignment query only returns those above the vault.
    grantScope.startsWith('/providers/microsoft.management/managementgroups/')
  );
}

/** Lower case without trailing slashes, so the root scope `/` becomes the empty string. */
function normalizeScope(scope: string): string {
  return scope.toLowerCase().replace(/\/+$/, '');
}

/** A role allows an action its data actions match and its own not-data actions do not. */
function allows(grant: RoleGrant, action: string): boolean {
  const matches = (pattern: string) => actionPattern(pattern).test(action);
  return grant.dataActions.some(matches) && !grant.notDataActions.some(matches);
}

/**
 * Each role's patterns, compiled once: a scan evaluates the same few roles for every environment. A tenant's roles are
 * few; past 1,000 patterns the cache starts again rather than grow.
 */
const actionPatterns = new Map<string, RegExp>();

function actionPattern(pattern: string): RegExp {
  let compiled = actionPatterns.get(pattern);
  if (!compiled) {
    const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
    compiled = new RegExp(`^${escaped.join('.*')}$`, 'i');
    if (actionPatterns.size >= 1_000) actionPatterns.clear();
    actionPatterns.set(pattern, compiled);
  }
  return compiled;
}

function identityOf({ policy }: Chain): string {
  return `identity ${policy.principalId} of policy '${policy.name}'`;
}
