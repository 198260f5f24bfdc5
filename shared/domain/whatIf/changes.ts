import type { Picture } from './picture.js';
import type { Applied } from './targets.js';
import { setAccessPolicy } from './accessPolicyChanges.js';
import { deleteKey, recoverDeletedKey, rotateKey, setKeyVersionDates, setKeyVersionEnabled } from './keyChanges.js';
import { addRoleAssignment, removeRoleAssignment } from './roleChanges.js';
import {
  deleteVault,
  enablePurgeProtection,
  setSoftDeleteRetention,
  setVaultNetwork,
  setVaultPermissionModel,
} from './vaultChanges.js';
import { linkEnvironment, unlinkEnvironment } from './linkChanges.js';

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

/**
 * The picture after the changes, or the first change that cannot apply: its path (`changes[2].version`) and why.
 * `touched[i]` tells whether change i matched any chain or link (removing a role assignment nobody holds matches none);
 * `notes[i]` what the answer must say of it beside the judgement (Azure cannot undo it, or may refuse it), if anything.
 */
export type WhatIf =
  | { ok: true; picture: Picture; touched: boolean[]; notes: (string | null)[] }
  | { ok: false; path: string; message: string };

/** Applies the changes in order, together, to a copy of the picture; the picture given is left as it is. */
export function applyChanges(picture: Picture, changes: Change[], now: Date): WhatIf {
  const draft = structuredClone(picture);
  const touched: boolean[] = [];
  const notes: (string | null)[] = [];
  for (const [index, change] of changes.entries()) {
    const applied = applyChange(draft, change, now);
    if ('field' in applied) return { ok: false, path: `changes[${index}].${applied.field}`, message: applied.message };
    touched.push(applied.touched);
    notes.push(applied.note ?? null);
  }
  return { ok: true, picture: draft, touched, notes };
}

function applyChange(draft: Picture, change: Change, now: Date): Applied {
  switch (change.action) {
    case 'disableKeyVersion':
    case 'enableKeyVersion':
      return setKeyVersionEnabled(draft, change, now);
    case 'setKeyVersionDates':
      return setKeyVersionDates(draft, change, now);
    case 'deleteKey':
      return deleteKey(draft, change);
    case 'recoverDeletedKey':
      return recoverDeletedKey(draft, change);
    case 'rotateKey':
      return rotateKey(draft, change, now);
    case 'removeRoleAssignment':
      return removeRoleAssignment(draft, change);
    case 'addRoleAssignment':
      return addRoleAssignment(draft, change);
    case 'setAccessPolicy':
      return setAccessPolicy(draft, change);
    case 'setVaultPermissionModel':
      return setVaultPermissionModel(draft, change);
    case 'setVaultNetwork':
      return setVaultNetwork(draft, change);
    case 'enablePurgeProtection':
      return enablePurgeProtection(draft, change);
    case 'setSoftDeleteRetention':
      return setSoftDeleteRetention(draft, change);
    case 'deleteVault':
      return deleteVault(draft, change);
    case 'unlinkEnvironment':
      return unlinkEnvironment(draft, change, now);
    case 'linkEnvironment':
      return linkEnvironment(draft, change, now);
  }
}
