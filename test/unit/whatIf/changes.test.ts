import { describe, expect, it } from 'vitest';
import type { Link } from '../../../shared/domain/links.js';
import type { Chain, Key, RoleGrant, Vault } from '../../../shared/domain/model.js';
import { accessRevoked } from '../../../shared/domain/rules/accessRevoked.js';
import { vaultRecoveryOff } from '../../../shared/domain/rules/vaultRecoveryOff.js';
import { applyChanges, type Change } from '../../../shared/domain/whatIf/changes.js';
import type { Picture } from '../../../shared/domain/whatIf/picture.js';
import {
  blind,
  chainOf,
  ctxOf,
  DAY,
  fromNow,
  grantOf,
  KEY_NAME,
  missing,
  NOW,
  PRINCIPAL_ID,
  RESOURCE_GROUP,
  VAULT_ID,
} from '../domain/builders.js';

const PINNED_PRINCIPAL = '99999999-2222-3333-4444-555555555555';
const OTHER_PRINCIPAL = '77777777-2222-3333-4444-555555555555';
const OTHER_VAULT_ID = `${RESOURCE_GROUP}/providers/Microsoft.KeyVault/vaults/kv-other`;
const cryptoUser = '12338af0-0e69-4776-bea7-57ae8d297424';

/** ep-contoso follows the newest version of cmk-key; ep-pinned pins v1 of it; ep-other uses access policies on kv-other. */
const contoso = chainOf();
const pinnedParts = {
  policy: {
    id: `${RESOURCE_GROUP}/providers/Microsoft.PowerPlatform/enterprisePolicies/ep-pinned`,
    name: 'ep-pinned',
    keyVersion: 'v1',
    principalId: PINNED_PRINCIPAL,
  },
};
const pinned = chainOf({ ...pinnedParts, key: { currentVersion: 'v1' } });
const otherParts = {
  policy: {
    id: `${RESOURCE_GROUP}/providers/Microsoft.PowerPlatform/enterprisePolicies/ep-other`,
    name: 'ep-other',
    vaultId: OTHER_VAULT_ID,
    principalId: OTHER_PRINCIPAL,
  },
  vault: {
    id: OTHER_VAULT_ID,
    name: 'kv-other',
    rbac: false,
    accessPolicies: [{ objectId: OTHER_PRINCIPAL, keys: ['get', 'wrapKey', 'unwrapKey'] }],
  },
  key: { vaultName: 'kv-other' },
};
const other = chainOf({ ...otherParts, grants: [] });

function linkTo(environmentId: string, chain: Chain | null): Link {
  return {
    environmentId,
    environment: {
      displayName: environmentId,
      location: 'europe',
      sku: 'Production',
      managed: true,
      linkStatus: chain ? 'Linked' : null,
    },
    policyId: chain?.policy.id ?? null,
    policy: chain?.policy ?? null,
    previous: null,
    linkStatusSince: chain ? fromNow(-10 * DAY).toISOString() : null,
  };
}

function pictureOf(...chains: Chain[]): Picture {
  return {
    links: [
      linkTo('env-contoso', contoso),
      linkTo('env-pinned', pinned),
      linkTo('env-other', other),
      linkTo('env-none', null),
    ],
    chains: new Map(chains.map((chain) => [chain.policy.id.toLowerCase(), chain])),
    deletedKeys: new Map(),
  };
}

const picture = pictureOf(contoso, pinned, other);

/** Applies the changes, failing the test when they are refused. */
function after(changes: Change[], from: Picture = picture): Picture & { touched: boolean[] } {
  const result = applyChanges(from, changes, NOW);
  if (!result.ok) throw new Error(`${result.path}: ${result.message}`);
  return { ...result.picture, touched: result.touched };
}

function chainIn(p: Picture, chain: Chain): Chain {
  const found = p.chains.get(chain.policy.id.toLowerCase());
  if (!found) throw new Error(`no chain of ${chain.policy.name}`);
  return found;
}

function keyIn(p: Picture, chain: Chain): Key {
  const { key } = chainIn(p, chain);
  if (key.kind !== 'found') throw new Error(`key of ${chain.policy.name} is ${key.kind}`);
  return key.value;
}

function vaultIn(p: Picture, chain: Chain): Vault {
  const { vault } = chainIn(p, chain);
  if (vault.kind !== 'found') throw new Error(`vault of ${chain.policy.name} is ${vault.kind}`);
  return vault.value;
}

function grantsIn(p: Picture, chain: Chain): RoleGrant[] {
  const { grants } = chainIn(p, chain);
  if (grants.kind !== 'found') throw new Error(`grants of ${chain.policy.name} are ${grants.kind}`);
  return grants.value;
}

function linkIn(p: Picture, environmentId: string): Link {
  const link = p.links.find((l) => l.environmentId === environmentId);
  if (!link) throw new Error(`no link of ${environmentId}`);
  return link;
}

const versionIn = (p: Picture, chain: Chain, version: string) =>
  keyIn(p, chain).versions.find((v) => v.version === version);

describe('applyChanges: key versions', () => {
  it('disables a version on every chain of the key, stamping when it changed', () => {
    const changed = after([{ action: 'disableKeyVersion', vault: 'KV-Contoso', key: 'CMK-KEY', version: 'v2' }]);
    expect(versionIn(changed, contoso, 'v2')).toMatchObject({ enabled: false, updatedOn: NOW });
    expect(versionIn(changed, pinned, 'v2')).toMatchObject({ enabled: false });
    expect(versionIn(changed, contoso, 'v1')?.enabled).toBe(true);
    expect(changed.touched).toEqual([true]);
  });

  it('enables a disabled version', () => {
    const disabled = pictureOf(chainOf({ current: { enabled: false } }), pinned, other);
    expect(
      versionIn(
        after([{ action: 'enableKeyVersion', vault: 'kv-contoso', key: KEY_NAME, version: 'v2' }], disabled),
        contoso,
        'v2',
      )?.enabled,
    ).toBe(true);
  });

  it('sets the dates given, clears those given as null and keeps those left out', () => {
    const notBefore = fromNow(-DAY);
    const set = after([{ action: 'setKeyVersionDates', vault: 'kv-contoso', key: KEY_NAME, version: 'v2', notBefore }]);
    expect(versionIn(set, contoso, 'v2')).toMatchObject({ notBefore, expiresOn: fromNow(300 * DAY) });
    const cleared = after([
      { action: 'setKeyVersionDates', vault: 'kv-contoso', key: KEY_NAME, version: 'v2', expiresOn: null },
    ]);
    expect(versionIn(cleared, contoso, 'v2')).toMatchObject({ notBefore: null, expiresOn: null, updatedOn: NOW });
  });

  it('rotates a key: a new enabled version, current wherever the policy does not pin one', () => {
    const expiresOn = fromNow(365 * DAY);
    const rotated = after([{ action: 'rotateKey', vault: 'kv-contoso', key: KEY_NAME, expiresOn }]);
    expect(keyIn(rotated, contoso).currentVersion).toBe('what-if-1');
    expect(versionIn(rotated, contoso, 'what-if-1')).toEqual({
      version: 'what-if-1',
      enabled: true,
      createdOn: NOW,
      updatedOn: NOW,
      expiresOn,
      notBefore: null,
    });
    expect(keyIn(rotated, pinned).currentVersion).toBe('v1');
    expect(versionIn(rotated, pinned, 'what-if-1')).toBeDefined();
  });

  it('numbers a second rotation of the same key after the first', () => {
    const twice = after([
      { action: 'rotateKey', vault: 'kv-contoso', key: KEY_NAME },
      { action: 'rotateKey', vault: 'kv-contoso', key: KEY_NAME },
    ]);
    expect(keyIn(twice, contoso).currentVersion).toBe('what-if-2');
    expect(versionIn(twice, contoso, 'what-if-2')?.expiresOn).toBeNull();
  });

  it('applies changes in order: a version a rotation made can then be disabled', () => {
    const changed = after([
      { action: 'rotateKey', vault: 'kv-contoso', key: KEY_NAME },
      { action: 'disableKeyVersion', vault: 'kv-contoso', key: KEY_NAME, version: 'what-if-1' },
    ]);
    expect(versionIn(changed, contoso, 'what-if-1')?.enabled).toBe(false);
    expect(changed.touched).toEqual([true, true]);
  });

  it('refuses a version made by a rotation that comes later', () => {
    const result = applyChanges(
      picture,
      [
        { action: 'disableKeyVersion', vault: 'kv-contoso', key: KEY_NAME, version: 'what-if-1' },
        { action: 'rotateKey', vault: 'kv-contoso', key: KEY_NAME },
      ],
      NOW,
    );
    expect(result).toEqual({
      ok: false,
      path: 'changes[0].version',
      message: "no version 'what-if-1' of key 'cmk-key' in vault 'kv-contoso'",
    });
  });

  it('deletes a key: missing on every chain that uses it', () => {
    const deleted = after([{ action: 'deleteKey', vault: 'kv-contoso', key: KEY_NAME }]);
    expect(chainIn(deleted, contoso).key).toEqual({ kind: 'missing', detail: "key 'cmk-key' deleted by the what-if" });
    expect(chainIn(deleted, pinned).key.kind).toBe('missing');
    expect(chainIn(deleted, other).key.kind).toBe('found');
  });
});

describe('applyChanges: recovering a deleted key', () => {
  const deletedPicture = () => {
    const gone = pictureOf(chainOf({ key: missing() }), chainOf({ ...pinnedParts, key: missing() }), other);
    gone.deletedKeys.set(contoso.policy.id.toLowerCase(), keyIn(picture, contoso));
    gone.deletedKeys.set(pinned.policy.id.toLowerCase(), keyIn(picture, pinned));
    return gone;
  };

  it('brings the key back on every chain as the monitor last read it, saying it must not be purged first', () => {
    const result = applyChanges(
      deletedPicture(),
      [{ action: 'recoverDeletedKey', vault: 'KV-Contoso', key: 'CMK-KEY' }],
      NOW,
    );
    if (!result.ok) throw new Error(result.message);
    expect(keyIn(result.picture, contoso)).toEqual(keyIn(picture, contoso));
    expect(keyIn(result.picture, pinned).currentVersion).toBe('v1');
    expect(result.picture.deletedKeys.size).toBe(0);
    expect(result.notes).toEqual([
      "Only while key 'CMK-KEY' is soft-deleted: not once it is purged or its retention has run out.",
    ]);
  });

  it('recovers a key the same what-if deleted', () => {
    const changed = after([
      { action: 'deleteKey', vault: 'kv-contoso', key: KEY_NAME },
      { action: 'recoverDeletedKey', vault: 'kv-contoso', key: KEY_NAME },
    ]);
    expect(keyIn(changed, contoso)).toEqual(keyIn(picture, contoso));
  });

  it.each<[string, () => Picture, string, string]>([
    [
      'a key that is not deleted',
      () => picture,
      'key',
      "key 'cmk-key' in vault 'kv-contoso' is not known to be deleted",
    ],
    [
      'a key the monitor never read before it went',
      () => pictureOf(chainOf({ key: missing() }), other),
      'key',
      "the monitor never read key 'cmk-key' in vault 'kv-contoso' before it was deleted, so what recovery brings back is unknown",
    ],
    [
      'a key of a vault without soft delete',
      () => {
        const gone = pictureOf(chainOf({ vault: { softDelete: false }, key: missing() }), other);
        gone.deletedKeys.set(contoso.policy.id.toLowerCase(), keyIn(picture, contoso));
        return gone;
      },
      'vault',
      "vault 'kv-contoso' has soft delete off: a key deleted there is gone for good",
    ],
  ])('refuses %s', (_, from, field, message) => {
    expect(applyChanges(from(), [{ action: 'recoverDeletedKey', vault: 'kv-contoso', key: KEY_NAME }], NOW)).toEqual({
      ok: false,
      path: `changes[0].${field}`,
      message,
    });
  });
});

describe('applyChanges: role assignments', () => {
  it("removes the identity's grants at exactly the scope, whatever its case or trailing slash", () => {
    const atGroup = grantOf({ scope: RESOURCE_GROUP });
    const withTwo = pictureOf(chainOf({ grants: [grantOf(), atGroup] }), pinned, other);
    const removed = after(
      [
        {
          action: 'removeRoleAssignment',
          principalId: PRINCIPAL_ID.toUpperCase(),
          scope: `${VAULT_ID.toUpperCase()}/`,
        },
      ],
      withTwo,
    );
    expect(grantsIn(removed, contoso)).toEqual([atGroup]);
    expect(grantsIn(removed, pinned)).toEqual([grantOf()]);
    expect(removed.touched).toEqual([true]);
  });

  it('removes only the role named, known by its GUID in any form', () => {
    const both = pictureOf(
      chainOf({
        grants: [
          grantOf(),
          grantOf({
            roleDefinitionId: `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${cryptoUser}`,
          }),
        ],
      }),
      pinned,
      other,
    );
    const removed = after(
      [{ action: 'removeRoleAssignment', principalId: PRINCIPAL_ID, scope: VAULT_ID, roleDefinitionId: cryptoUser }],
      both,
    );
    expect(grantsIn(removed, contoso)).toEqual([grantOf()]);
  });

  it('touches nothing when the identity holds no such assignment', () => {
    const result = after([{ action: 'removeRoleAssignment', principalId: PRINCIPAL_ID, scope: RESOURCE_GROUP }]);
    expect(result.touched).toEqual([false]);
    expect(grantsIn(result, contoso)).toEqual([grantOf()]);
  });

  it('adds a built-in role with its data actions, which the access rule then counts', () => {
    const revoked = pictureOf(chainOf({ grants: [] }), pinned, other);
    expect(accessRevoked(ctxOf(chainIn(revoked, contoso)))).not.toBeNull();
    const granted = after(
      [
        {
          action: 'addRoleAssignment',
          principalId: PRINCIPAL_ID,
          scope: RESOURCE_GROUP,
          roleDefinitionId: 'e147488a-f6f5-4113-8e2d-b22465e65bf6',
        },
      ],
      revoked,
    );
    expect(grantsIn(granted, contoso)).toEqual([
      {
        roleDefinitionId: '/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6',
        scope: RESOURCE_GROUP,
        dataActions: [
          'Microsoft.KeyVault/vaults/keys/read',
          'Microsoft.KeyVault/vaults/keys/wrap/action',
          'Microsoft.KeyVault/vaults/keys/unwrap/action',
        ],
        notDataActions: [],
      },
    ]);
    expect(accessRevoked(ctxOf(chainIn(granted, contoso)))).toBeNull();
  });

  it.each([
    ['at the vault', VAULT_ID, true],
    ['at the key, below the vault', `${VAULT_ID}/keys/${KEY_NAME}`, true],
    ['at the root scope', '/', true],
    ['at another vault', OTHER_VAULT_ID, false],
  ])('adds an assignment %s only where the access reader would list it', (_, scope, listed) => {
    const changed = after([
      { action: 'addRoleAssignment', principalId: PRINCIPAL_ID, scope, roleDefinitionId: cryptoUser },
    ]);
    expect(grantsIn(changed, contoso)).toHaveLength(listed ? 2 : 1);
    expect(changed.touched).toEqual([listed]);
  });

  it('adds a grant on a vault that uses access policies, where it counts only once the vault switches to RBAC', () => {
    const changed = after([
      {
        action: 'addRoleAssignment',
        principalId: OTHER_PRINCIPAL,
        scope: OTHER_VAULT_ID,
        roleDefinitionId: cryptoUser,
      },
    ]);
    expect(grantsIn(changed, other)).toHaveLength(1);
    expect(changed.touched).toEqual([true]);
    const revoked = after(
      [{ action: 'setAccessPolicy', vault: 'kv-other', principalId: OTHER_PRINCIPAL, keyPermissions: [] }],
      changed,
    );
    expect(accessRevoked(ctxOf(chainIn(revoked, other)))).not.toBeNull();
    const switched = after([{ action: 'setVaultPermissionModel', vault: 'kv-other', model: 'rbac' }], revoked);
    expect(accessRevoked(ctxOf(chainIn(switched, other)))).toBeNull();
  });

  it('adds no grant in a Managed HSM, whose local RBAC Resource Manager does not serve', () => {
    const hsm = pictureOf(chainOf({ vault: { type: 'managedHsm', rbac: false }, grants: [] }), pinned, other);
    const changed = after(
      [{ action: 'addRoleAssignment', principalId: PRINCIPAL_ID, scope: VAULT_ID, roleDefinitionId: cryptoUser }],
      hsm,
    );
    expect(grantsIn(changed, contoso)).toEqual([]);
    expect(changed.touched).toEqual([false]);
  });

  it('refuses a role whose data actions it cannot know', () => {
    const result = applyChanges(
      picture,
      [
        {
          action: 'addRoleAssignment',
          principalId: PRINCIPAL_ID,
          scope: VAULT_ID,
          roleDefinitionId: '00000000-0000-0000-0000-00000000abcd',
        },
      ],
      NOW,
    );
    expect(result).toMatchObject({
      ok: false,
      path: 'changes[0].roleDefinitionId',
      message: expect.stringContaining(
        "role '00000000-0000-0000-0000-00000000abcd' is not a built-in Key Vault role",
      ) as unknown,
    });
  });

  it('refuses a management group scope, whose vaults the picture does not know', () => {
    const result = applyChanges(
      picture,
      [
        {
          action: 'addRoleAssignment',
          principalId: PRINCIPAL_ID,
          scope: '/providers/Microsoft.Management/managementGroups/mg-1',
          roleDefinitionId: cryptoUser,
        },
      ],
      NOW,
    );
    expect(result).toMatchObject({ ok: false, path: 'changes[0].scope' });
  });

  it.each<Change>([
    {
      action: 'addRoleAssignment',
      principalId: '00000000-1111-2222-3333-444444444444',
      scope: VAULT_ID,
      roleDefinitionId: cryptoUser,
    },
    { action: 'removeRoleAssignment', principalId: '00000000-1111-2222-3333-444444444444', scope: VAULT_ID },
  ])('refuses an identity no policy has ($action)', (change) => {
    expect(applyChanges(picture, [change], NOW)).toEqual({
      ok: false,
      path: 'changes[0].principalId',
      message: "no policy identity '00000000-1111-2222-3333-444444444444'",
    });
  });
});

describe('applyChanges: vaults', () => {
  it('switches a vault to access policies: its role assignments stay, and its access policies count', () => {
    const changed = after([{ action: 'setVaultPermissionModel', vault: 'kv-contoso', model: 'accessPolicies' }]);
    expect(vaultIn(changed, contoso).rbac).toBe(false);
    expect(grantsIn(changed, contoso)).toEqual([grantOf()]);
    expect(accessRevoked(ctxOf(chainIn(changed, contoso)))).not.toBeNull();
  });

  it('switches a vault to RBAC, evaluating the role assignments the scan read there', () => {
    const holding = pictureOf(
      contoso,
      pinned,
      chainOf({ ...otherParts, grants: [grantOf({ scope: OTHER_VAULT_ID })] }),
    );
    const switched = after([{ action: 'setVaultPermissionModel', vault: 'kv-other', model: 'rbac' }], holding);
    expect(vaultIn(switched, other).rbac).toBe(true);
    expect(accessRevoked(ctxOf(chainIn(switched, other)))).toBeNull();
    const bare = after([{ action: 'setVaultPermissionModel', vault: 'kv-other', model: 'rbac' }]);
    expect(accessRevoked(ctxOf(chainIn(bare, other)))).not.toBeNull();
    expect(bare.touched).toEqual([true]);
  });

  it('refuses a permission model for a Managed HSM', () => {
    const hsm = pictureOf(chainOf({ vault: { type: 'managedHsm', rbac: false } }), pinned, other);
    expect(
      applyChanges(hsm, [{ action: 'setVaultPermissionModel', vault: 'kv-contoso', model: 'rbac' }], NOW),
    ).toMatchObject({ ok: false, path: 'changes[0].vault' });
  });

  it('changes only the network settings given', () => {
    const changed = after([
      { action: 'setVaultNetwork', vault: 'kv-contoso', defaultAction: 'Deny', trustedServicesBypass: false },
    ]);
    expect(vaultIn(changed, contoso)).toMatchObject({
      publicNetworkAccess: 'Enabled',
      networkDefaultAction: 'Deny',
      trustedServicesBypass: false,
    });
    expect(vaultIn(changed, pinned)).toMatchObject({ networkDefaultAction: 'Deny' });
    expect(vaultIn(changed, other)).toMatchObject({ networkDefaultAction: 'Allow', trustedServicesBypass: true });
    const closed = after([{ action: 'setVaultNetwork', vault: 'kv-contoso', publicNetworkAccess: 'Disabled' }]);
    expect(vaultIn(closed, contoso)).toMatchObject({ publicNetworkAccess: 'Disabled', networkDefaultAction: 'Allow' });
  });

  it('deletes a vault: its vault, key and grants are missing on each of its chains', () => {
    const deleted = after([{ action: 'deleteVault', vault: 'kv-contoso' }]);
    const gone = { kind: 'missing', detail: "vault 'kv-contoso' deleted by the what-if" };
    expect(chainIn(deleted, contoso)).toMatchObject({ vault: gone, key: gone, grants: gone });
    expect(chainIn(deleted, pinned).vault).toEqual(gone);
    expect(chainIn(deleted, other).vault.kind).toBe('found');
  });

  it('refuses a change to a vault it then deleted', () => {
    const result = applyChanges(
      picture,
      [
        { action: 'deleteVault', vault: 'kv-contoso' },
        { action: 'deleteKey', vault: 'kv-contoso', key: KEY_NAME },
      ],
      NOW,
    );
    expect(result).toEqual({
      ok: false,
      path: 'changes[1].vault',
      message: "vault 'kv-contoso' cannot be changed: it was not found (vault 'kv-contoso' deleted by the what-if)",
    });
  });

  it('refuses a vault the monitor could not read, knowing it by the name in the policy', () => {
    const unread = pictureOf(chainOf({ vault: blind(), key: blind(), grants: blind() }), other);
    expect(applyChanges(unread, [{ action: 'deleteVault', vault: 'kv-contoso' }], NOW)).toEqual({
      ok: false,
      path: 'changes[0].vault',
      message: "vault 'kv-contoso' cannot be changed: the monitor could not read it (Forbidden (403))",
    });
  });

  it('refuses a key that is missing', () => {
    const keyGone = pictureOf(chainOf({ key: missing() }), other);
    expect(applyChanges(keyGone, [{ action: 'rotateKey', vault: 'kv-contoso', key: KEY_NAME }], NOW)).toEqual({
      ok: false,
      path: 'changes[0].key',
      message: "key 'cmk-key' in vault 'kv-contoso' cannot be changed: it was not found (NotFound (404))",
    });
  });

  it.each<[Change, string, string]>([
    [{ action: 'deleteVault', vault: 'kv-nowhere' }, 'vault', "no vault 'kv-nowhere'"],
    [{ action: 'deleteKey', vault: 'kv-contoso', key: 'other-key' }, 'key', "no key 'other-key' in vault 'kv-contoso'"],
    [
      { action: 'enableKeyVersion', vault: 'kv-contoso', key: KEY_NAME, version: 'abc' },
      'version',
      "no version 'abc' of key 'cmk-key' in vault 'kv-contoso'",
    ],
    [{ action: 'unlinkEnvironment', environmentId: 'env-nowhere' }, 'environmentId', "no environment 'env-nowhere'"],
    [
      { action: 'linkEnvironment', environmentId: 'env-none', policyId: '/subscriptions/s/ep-nowhere' },
      'policyId',
      "no policy '/subscriptions/s/ep-nowhere'",
    ],
  ])('refuses %j, naming the field', (change, field, message) => {
    const result = applyChanges(
      picture,
      [
        { action: 'rotateKey', vault: 'kv-contoso', key: KEY_NAME },
        { action: 'rotateKey', vault: 'kv-contoso', key: KEY_NAME },
        change,
      ],
      NOW,
    );
    expect(result).toEqual({ ok: false, path: `changes[2].${field}`, message });
  });
});

describe('applyChanges: recovery settings and access policies', () => {
  it('turns purge protection on, for good, on every chain of the vault', () => {
    const unprotected = pictureOf(
      chainOf({ vault: { purgeProtection: false } }),
      chainOf({ ...pinnedParts, vault: { purgeProtection: false } }),
      other,
    );
    expect(vaultRecoveryOff(ctxOf(chainIn(unprotected, contoso)))).not.toBeNull();
    const result = applyChanges(unprotected, [{ action: 'enablePurgeProtection', vault: 'kv-contoso' }], NOW);
    if (!result.ok) throw new Error(result.message);
    expect([vaultIn(result.picture, contoso).purgeProtection, vaultIn(result.picture, pinned).purgeProtection]).toEqual(
      [true, true],
    );
    expect(vaultRecoveryOff(ctxOf(chainIn(result.picture, contoso)))).toBeNull();
    expect(result.notes).toEqual([
      "Azure cannot turn purge protection off again: vault 'kv-contoso' keeps it for good.",
    ]);
  });

  it('checks a retention change without changing what is evaluated, saying Azure may refuse it', () => {
    const result = applyChanges(picture, [{ action: 'setSoftDeleteRetention', vault: 'kv-contoso', days: 30 }], NOW);
    if (!result.ok) throw new Error(result.message);
    expect(result.picture).toEqual(picture);
    expect(result.touched).toEqual([true]);
    expect(result.notes[0]).toMatch(
      /^No finding depends on the soft-delete retention\. Azure sets it only once: .* refuses to change it to 30 days/,
    );
    expect(
      applyChanges(picture, [{ action: 'setSoftDeleteRetention', vault: 'kv-nowhere', days: 30 }], NOW),
    ).toMatchObject({ ok: false, path: 'changes[0].vault' });
  });

  it("sets the identity's key permissions on the vault's chains of that identity, which the access rule then evaluates", () => {
    const narrowed = after([
      { action: 'setAccessPolicy', vault: 'KV-OTHER', principalId: OTHER_PRINCIPAL, keyPermissions: ['get'] },
    ]);
    expect(vaultIn(narrowed, other).accessPolicies).toEqual([{ objectId: OTHER_PRINCIPAL, keys: ['get'] }]);
    expect(accessRevoked(ctxOf(chainIn(narrowed, other)))?.message).toContain('wrapKey, unwrapKey');
    expect(narrowed.touched).toEqual([true]);
    const restored = after(
      [{ action: 'setAccessPolicy', vault: 'kv-other', principalId: OTHER_PRINCIPAL, keyPermissions: ['all'] }],
      narrowed,
    );
    expect(accessRevoked(ctxOf(chainIn(restored, other)))).toBeNull();
  });

  it('touches nothing for an identity that has no chain on the vault, and notes that an RBAC vault ignores access policies', () => {
    const elsewhere = after([
      { action: 'setAccessPolicy', vault: 'kv-other', principalId: PRINCIPAL_ID, keyPermissions: ['get'] },
    ]);
    expect(elsewhere.touched).toEqual([false]);
    expect(vaultIn(elsewhere, other).accessPolicies).toEqual(vaultIn(picture, other).accessPolicies);
    const result = applyChanges(
      picture,
      [{ action: 'setAccessPolicy', vault: 'kv-contoso', principalId: PRINCIPAL_ID, keyPermissions: [] }],
      NOW,
    );
    if (!result.ok) throw new Error(result.message);
    expect(accessRevoked(ctxOf(chainIn(result.picture, contoso)))).toBeNull();
    expect(result.notes).toEqual([
      "Vault 'kv-contoso' uses Azure RBAC: its access policies count only once it switches back to them.",
    ]);
  });

  it.each<[Picture, Change, string]>([
    [
      picture,
      {
        action: 'setAccessPolicy',
        vault: 'kv-other',
        principalId: '00000000-1111-2222-3333-444444444444',
        keyPermissions: ['get'],
      },
      'principalId',
    ],
    [
      pictureOf(chainOf({ vault: { type: 'managedHsm', rbac: false } }), other),
      { action: 'setAccessPolicy', vault: 'kv-contoso', principalId: PRINCIPAL_ID, keyPermissions: ['get'] },
      'vault',
    ],
  ])('refuses an access policy the picture cannot hold (%#)', (from, change, field) => {
    expect(applyChanges(from, [change], NOW)).toMatchObject({ ok: false, path: `changes[0].${field}` });
  });
});

describe('applyChanges: links', () => {
  it('unlinks an environment, which then has just left its policy', () => {
    const changed = after([{ action: 'unlinkEnvironment', environmentId: 'ENV-CONTOSO' }]);
    expect(linkIn(changed, 'env-contoso')).toMatchObject({
      policyId: null,
      policy: null,
      previous: { policy: contoso.policy, unlinkedAt: NOW.toISOString() },
      linkStatusSince: null,
      environment: { linkStatus: null },
    });
  });

  it('refuses to unlink an environment that is not linked', () => {
    expect(applyChanges(picture, [{ action: 'unlinkEnvironment', environmentId: 'env-none' }], NOW)).toMatchObject({
      ok: false,
      path: 'changes[0].environmentId',
    });
  });

  it('links an environment to a policy of the picture, remembering the one it leaves', () => {
    const changed = after([
      { action: 'linkEnvironment', environmentId: 'env-contoso', policyId: other.policy.id.toUpperCase() },
    ]);
    expect(linkIn(changed, 'env-contoso')).toMatchObject({
      policyId: other.policy.id,
      policy: other.policy,
      previous: { policy: contoso.policy, unlinkedAt: NOW.toISOString() },
    });
    const fresh = after([{ action: 'linkEnvironment', environmentId: 'env-none', policyId: other.policy.id }]);
    expect(linkIn(fresh, 'env-none')).toMatchObject({ policyId: other.policy.id, previous: null });
  });

  it('forgets the policy an environment left when it is linked back to it', () => {
    const changed = after([
      { action: 'unlinkEnvironment', environmentId: 'env-contoso' },
      { action: 'linkEnvironment', environmentId: 'env-contoso', policyId: contoso.policy.id },
    ]);
    expect(linkIn(changed, 'env-contoso')).toMatchObject({ policyId: contoso.policy.id, previous: null });
  });

  it('refuses to link an environment to the policy it is on', () => {
    expect(
      applyChanges(
        picture,
        [{ action: 'linkEnvironment', environmentId: 'env-contoso', policyId: contoso.policy.id }],
        NOW,
      ),
    ).toMatchObject({
      ok: false,
      path: 'changes[0].policyId',
    });
  });
});

describe('applyChanges: the picture given', () => {
  it('is never changed', () => {
    const before = structuredClone(picture);
    after([
      { action: 'rotateKey', vault: 'kv-contoso', key: KEY_NAME },
      { action: 'disableKeyVersion', vault: 'kv-contoso', key: KEY_NAME, version: 'v1' },
      { action: 'setKeyVersionDates', vault: 'kv-contoso', key: KEY_NAME, version: 'v2', expiresOn: null },
      { action: 'removeRoleAssignment', principalId: PRINCIPAL_ID, scope: VAULT_ID },
      { action: 'addRoleAssignment', principalId: PINNED_PRINCIPAL, scope: VAULT_ID, roleDefinitionId: cryptoUser },
      { action: 'setVaultNetwork', vault: 'kv-contoso', publicNetworkAccess: 'Disabled' },
      { action: 'setVaultPermissionModel', vault: 'kv-other', model: 'rbac' },
      { action: 'linkEnvironment', environmentId: 'env-none', policyId: contoso.policy.id },
      { action: 'unlinkEnvironment', environmentId: 'env-pinned' },
      { action: 'setAccessPolicy', vault: 'kv-other', principalId: OTHER_PRINCIPAL, keyPermissions: ['get'] },
      { action: 'enablePurgeProtection', vault: 'kv-other' },
      { action: 'deleteKey', vault: 'kv-other', key: KEY_NAME },
      { action: 'recoverDeletedKey', vault: 'kv-other', key: KEY_NAME },
      { action: 'deleteVault', vault: 'kv-contoso' },
    ]);
    expect(picture).toEqual(before);
  });

  it('is returned as it was when no change is given', () => {
    expect(applyChanges(picture, [], NOW)).toEqual({ ok: true, picture, touched: [], notes: [] });
  });
});
