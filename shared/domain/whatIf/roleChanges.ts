import type { RoleGrant } from '../model.js';
import { keyVaultDataRoles } from '../keyVaultRoles.js';
import { nameOf } from '../resourceIds.js';
import { sameText } from '../rules/helpers.js';
import type { ChangeOf } from './change.js';
import type { Picture } from './picture.js';
import { type Applied, chainsOfPrincipal, isRefusal, touched } from './targets.js';

const builtInRoles = Object.values(keyVaultDataRoles);

/** Removes the identity's grants at exactly the scope (of the role, when named), wherever its grants were read. */
export function removeRoleAssignment(
  picture: Picture,
  { principalId, scope, roleDefinitionId }: ChangeOf<'removeRoleAssignment'>,
): Applied {
  const chains = chainsOfPrincipal(picture, principalId);
  if (isRefusal(chains)) return chains;
  const removed = (grant: RoleGrant) =>
    sameScope(grant.scope, scope) && (!roleDefinitionId || sameRole(grant.roleDefinitionId, roleDefinitionId));
  let matched = false;
  for (const chain of chains) {
    if (chain.grants.kind !== 'found' || !chain.grants.value.some(removed)) continue;
    chain.grants = { kind: 'found', value: chain.grants.value.filter((grant) => !removed(grant)) };
    matched = true;
  }
  return touched(matched);
}

/**
 * Grants a built-in role to the identity wherever the access reader would list the assignment: on Key Vaults at, above
 * or below the scope, whichever their permission model (on access policies it counts once the vault switches to RBAC).
 * Only a built-in role's data actions are known without reading its definition.
 */
export function addRoleAssignment(
  picture: Picture,
  { principalId, scope, roleDefinitionId }: ChangeOf<'addRoleAssignment'>,
): Applied {
  const role = builtInRoles.find((r) => sameRole(r.guid, roleDefinitionId));
  if (!role) {
    const known = builtInRoles.map((r) => r.guid).join(', ');
    return {
      field: 'roleDefinitionId',
      message: `role '${roleDefinitionId}' is not a built-in Key Vault role whose data actions the monitor knows (${known})`,
    };
  }
  if (normalScope(scope).startsWith('/providers/microsoft.management/managementgroups/')) {
    return {
      field: 'scope',
      message: `the picture does not say which vaults lie under management group '${nameOf(scope)}'`,
    };
  }
  const chains = chainsOfPrincipal(picture, principalId);
  if (isRefusal(chains)) return chains;
  const grant: RoleGrant = {
    roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${role.guid}`,
    scope,
    dataActions: [...role.dataActions],
    notDataActions: [],
  };
  let matched = false;
  for (const chain of chains) {
    if (chain.vault.kind !== 'found' || chain.vault.value.type !== 'vault' || chain.grants.kind !== 'found') continue;
    if (!listedAtVault(scope, chain.vault.value.id)) continue;
    chain.grants = { kind: 'found', value: [...chain.grants.value, { ...grant, dataActions: [...grant.dataActions] }] };
    matched = true;
  }
  return touched(matched);
}

/** Role Assignments - List For Scope on the vault lists the assignments at, above and below it. */
function listedAtVault(scope: string, vaultId: string): boolean {
  const grantScope = normalScope(scope);
  const vault = normalScope(vaultId);
  return grantScope === vault || vault.startsWith(`${grantScope}/`) || grantScope.startsWith(`${vault}/`);
}

/** Lower case without trailing slashes, so the root scope `/` becomes the empty string. */
function normalScope(scope: string): string {
  return scope.toLowerCase().replace(/\/+$/, '');
}

function sameScope(a: string, b: string): boolean {
  return normalScope(a) === normalScope(b);
}

/** Role definition ids come bare or as ARM ids of either form; the GUID they end with names the role. */
function sameRole(a: string, b: string): boolean {
  return sameText(nameOf(a), nameOf(b));
}
