import type { Change } from './change.js';
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

export type { Change, ChangeAction, ChangeOf } from './change.js';

/**
 * The picture after the changes, or the first change that cannot apply: its path (`changes[2].version`) and why.
 * `touched[i]` tells whether change i matched any chain or link (removing a role assignment nobody holds matches none);
 * `notes[i]` what the answer must say of it beside the evaluation (Azure cannot undo it, or may refuse it), if anything.
 */
export type WhatIf =
  | { ok: true; picture: Picture; touched: boolean[]; notes: (string | null)[] }
  | { ok: false; path: string; message: string };

/**
 * Applies the changes in order, together, to a copy of the picture; the picture given is left as it is. A link change
 * only sets a link's own properties, so each link is copied one level deep: a link no change touched keeps the very
 * values it had.
 */
export function applyChanges(picture: Picture, changes: Change[], now: Date): WhatIf {
  const draft: Picture = {
    links: picture.links.map((link) => ({ ...link })),
    chains: structuredClone(picture.chains),
    deletedKeys: structuredClone(picture.deletedKeys),
  };
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
