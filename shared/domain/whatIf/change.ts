/**
 * A change an admin proposes, in the API's words. Vaults are named by name and keys by name (any case), key versions
 * by version id; a principal is a policy identity's object id, a scope an ARM scope, a role a role definition GUID.
 */
export type Change =
  | { action: 'disableKeyVersion' | 'enableKeyVersion'; vault: string; key: string; version: string }
  | { action: 'deleteKey'; vault: string; key: string }
  /** Brings a soft-deleted key back as it was when deleted. */
  | { action: 'recoverDeletedKey'; vault: string; key: string }
  /** A date given as null is cleared; one left out stays as it is. */
  | {
      action: 'setKeyVersionDates';
      vault: string;
      key: string;
      version: string;
      expiresOn?: Date | null;
      notBefore?: Date | null;
    }
  | { action: 'rotateKey'; vault: string; key: string; expiresOn?: Date | null }
  | { action: 'removeRoleAssignment'; principalId: string; scope: string; roleDefinitionId?: string }
  | { action: 'addRoleAssignment'; principalId: string; scope: string; roleDefinitionId: string }
  /** The identity's key permissions in the vault's access policies, as ARM spells them (`get`, `wrapKey`, …); none removes them. */
  | { action: 'setAccessPolicy'; vault: string; principalId: string; keyPermissions: string[] }
  | { action: 'setVaultPermissionModel'; vault: string; model: 'rbac' | 'accessPolicies' }
  | {
      action: 'setVaultNetwork';
      vault: string;
      publicNetworkAccess?: 'Enabled' | 'Disabled';
      defaultAction?: 'Allow' | 'Deny';
      trustedServicesBypass?: boolean;
    }
  | { action: 'enablePurgeProtection'; vault: string }
  /** Days a deleted vault or key stays recoverable. */
  | { action: 'setSoftDeleteRetention'; vault: string; days: number }
  | { action: 'deleteVault'; vault: string }
  | { action: 'unlinkEnvironment'; environmentId: string }
  | { action: 'linkEnvironment'; environmentId: string; policyId: string };

export type ChangeAction = Change['action'];

export type ChangeOf<A extends ChangeAction> = Extract<Change, { action: A }>;
