import { describe, expect, it } from 'vitest';
import { decodeWhatIfRequest } from '../../../shared/adapters/web/whatIfRequest.js';
import type { Change } from '../../../shared/domain/whatIf/changes.js';

const principalId = '11111111-2222-3333-4444-555555555555';
const role = 'e147488a-f6f5-4113-8e2d-b22465e65bf6';
const scope =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-cmk/providers/Microsoft.KeyVault/vaults/kv-contoso';
const policyId =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-cmk/providers/Microsoft.PowerPlatform/enterprisePolicies/ep-contoso';

function decoded(...changes: unknown[]): Change[] {
  const result = decodeWhatIfRequest({ changes });
  if (!result.ok) throw new Error(`${result.path}: ${result.message}`);
  return result.changes;
}

function refusal(...changes: unknown[]) {
  return decodeWhatIfRequest({ changes });
}

describe('decodeWhatIfRequest', () => {
  it.each<[unknown, Change]>([
    [
      { action: 'disableKeyVersion', vault: 'kv-contoso', key: 'cmk-key', version: 'v2' },
      { action: 'disableKeyVersion', vault: 'kv-contoso', key: 'cmk-key', version: 'v2' },
    ],
    [
      { action: 'enableKeyVersion', vault: 'kv-contoso', key: 'cmk-key', version: 'v2' },
      { action: 'enableKeyVersion', vault: 'kv-contoso', key: 'cmk-key', version: 'v2' },
    ],
    [
      { action: 'deleteKey', vault: 'kv-contoso', key: 'cmk-key' },
      { action: 'deleteKey', vault: 'kv-contoso', key: 'cmk-key' },
    ],
    [
      {
        action: 'setKeyVersionDates',
        vault: 'kv-contoso',
        key: 'cmk-key',
        version: 'v2',
        expiresOn: '2027-01-01T00:00:00+01:00',
        notBefore: null,
      },
      {
        action: 'setKeyVersionDates',
        vault: 'kv-contoso',
        key: 'cmk-key',
        version: 'v2',
        expiresOn: new Date('2026-12-31T23:00:00Z'),
        notBefore: null,
      },
    ],
    [
      { action: 'rotateKey', vault: 'kv-contoso', key: 'cmk-key' },
      { action: 'rotateKey', vault: 'kv-contoso', key: 'cmk-key' },
    ],
    [
      { action: 'removeRoleAssignment', principalId, scope },
      { action: 'removeRoleAssignment', principalId, scope },
    ],
    [
      { action: 'addRoleAssignment', principalId, scope, roleDefinitionId: role },
      { action: 'addRoleAssignment', principalId, scope, roleDefinitionId: role },
    ],
    [
      { action: 'setVaultPermissionModel', vault: 'kv-contoso', model: 'accessPolicies' },
      { action: 'setVaultPermissionModel', vault: 'kv-contoso', model: 'accessPolicies' },
    ],
    [
      { action: 'setVaultNetwork', vault: 'kv-contoso', trustedServicesBypass: false },
      { action: 'setVaultNetwork', vault: 'kv-contoso', trustedServicesBypass: false },
    ],
    [
      { action: 'deleteVault', vault: 'kv-contoso' },
      { action: 'deleteVault', vault: 'kv-contoso' },
    ],
    [
      { action: 'unlinkEnvironment', environmentId: 'env-1' },
      { action: 'unlinkEnvironment', environmentId: 'env-1' },
    ],
    [
      { action: 'linkEnvironment', environmentId: 'env-1', policyId },
      { action: 'linkEnvironment', environmentId: 'env-1', policyId },
    ],
    [
      { action: 'recoverDeletedKey', vault: 'kv-contoso', key: 'cmk-key' },
      { action: 'recoverDeletedKey', vault: 'kv-contoso', key: 'cmk-key' },
    ],
    [
      { action: 'enablePurgeProtection', vault: 'kv-contoso' },
      { action: 'enablePurgeProtection', vault: 'kv-contoso' },
    ],
    [
      { action: 'setSoftDeleteRetention', vault: 'kv-contoso', days: 7 },
      { action: 'setSoftDeleteRetention', vault: 'kv-contoso', days: 7 },
    ],
    [
      { action: 'setSoftDeleteRetention', vault: 'kv-contoso', days: 90 },
      { action: 'setSoftDeleteRetention', vault: 'kv-contoso', days: 90 },
    ],
    [
      {
        action: 'setAccessPolicy',
        vault: 'kv-contoso',
        principalId,
        keyPermissions: ['GET', 'wrapkey', 'UnwrapKey', 'get'],
      },
      { action: 'setAccessPolicy', vault: 'kv-contoso', principalId, keyPermissions: ['get', 'wrapKey', 'unwrapKey'] },
    ],
    [
      { action: 'setAccessPolicy', vault: 'kv-contoso', principalId, keyPermissions: [] },
      { action: 'setAccessPolicy', vault: 'kv-contoso', principalId, keyPermissions: [] },
    ],
    [
      {
        action: 'setKeyVersionDates',
        vault: 'kv-contoso',
        key: 'cmk-key',
        version: 'v2',
        notBefore: '1970-01-01T00:00:00Z',
        expiresOn: '9999-12-31T23:59:59Z',
      },
      {
        action: 'setKeyVersionDates',
        vault: 'kv-contoso',
        key: 'cmk-key',
        version: 'v2',
        notBefore: new Date(0),
        expiresOn: new Date('9999-12-31T23:59:59Z'),
      },
    ],
  ])('decodes %j', (body, change) => {
    expect(decoded(body)).toEqual([change]);
  });

  it('trims names and lower-cases GUIDs', () => {
    expect(
      decoded({ action: 'removeRoleAssignment', principalId: ` ${principalId.toUpperCase()} `, scope: ` ${scope} ` }),
    ).toEqual([{ action: 'removeRoleAssignment', principalId, scope }]);
    expect(decoded({ action: 'deleteKey', vault: ' kv-contoso ', key: '\tcmk-key\n' })).toEqual([
      { action: 'deleteKey', vault: 'kv-contoso', key: 'cmk-key' },
    ]);
  });

  it.each([
    role,
    role.toUpperCase(),
    `/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/${role}`,
    `/providers/Microsoft.Authorization/roleDefinitions/${role}/`,
  ])('reads the role %s as its GUID', (roleDefinitionId) => {
    expect(decoded({ action: 'addRoleAssignment', principalId, scope, roleDefinitionId })).toEqual([
      { action: 'addRoleAssignment', principalId, scope, roleDefinitionId: role },
    ]);
  });

  it('keeps changes in the order given', () => {
    const changes = decoded(
      { action: 'rotateKey', vault: 'kv-contoso', key: 'cmk-key' },
      { action: 'disableKeyVersion', vault: 'kv-contoso', key: 'cmk-key', version: 'what-if-1' },
    );
    expect(changes.map((c) => c.action)).toEqual(['rotateKey', 'disableKeyVersion']);
  });

  it('names the actions there are when the action is unknown', () => {
    const result = refusal({ action: 'deleteKey', vault: 'v', key: 'k' }, { action: 'purgeKey', vault: 'v', key: 'k' });
    expect(result).toMatchObject({ ok: false, path: 'changes[1].action' });
    expect(!result.ok && result.message).toMatch(
      /^unknown action 'purgeKey'; expected one of disableKeyVersion, enableKeyVersion, deleteKey, .*linkEnvironment$/,
    );
    expect(refusal({ vault: 'v' })).toMatchObject({
      ok: false,
      path: 'changes[0].action',
      message: expect.stringMatching(/^no action; expected one of /) as unknown,
    });
  });

  it.each<[string, unknown, string]>([
    ['an empty version', { action: 'disableKeyVersion', vault: 'v', key: 'k', version: '  ' }, 'changes[0].version'],
    ['a name too long', { action: 'deleteVault', vault: 'v'.repeat(401) }, 'changes[0].vault'],
    [
      'a principal that is no GUID',
      { action: 'removeRoleAssignment', principalId: 'ep-identity', scope },
      'changes[0].principalId',
    ],
    [
      'a role that is no GUID',
      { action: 'addRoleAssignment', principalId, scope, roleDefinitionId: 'Key Vault Crypto User' },
      'changes[0].roleDefinitionId',
    ],
    [
      'a role id of another provider',
      {
        action: 'addRoleAssignment',
        principalId,
        scope,
        roleDefinitionId: `/providers/Microsoft.Other/roleDefinitions/${role}`,
      },
      'changes[0].roleDefinitionId',
    ],
    ['an added role left out', { action: 'addRoleAssignment', principalId, scope }, 'changes[0].roleDefinitionId'],
    [
      'a scope that is no ARM scope',
      { action: 'removeRoleAssignment', principalId, scope: 'kv-contoso' },
      'changes[0].scope',
    ],
    [
      'a date without offset',
      { action: 'rotateKey', vault: 'v', key: 'k', expiresOn: '2027-01-01T00:00:00' },
      'changes[0].expiresOn',
    ],
    [
      'a date without time',
      { action: 'setKeyVersionDates', vault: 'v', key: 'k', version: '1', notBefore: '2027-01-01' },
      'changes[0].notBefore',
    ],
    ['dates left out', { action: 'setKeyVersionDates', vault: 'v', key: 'k', version: '1' }, 'changes[0]'],
    ['no network setting', { action: 'setVaultNetwork', vault: 'v' }, 'changes[0]'],
    [
      'an unknown network value',
      { action: 'setVaultNetwork', vault: 'v', defaultAction: 'deny' },
      'changes[0].defaultAction',
    ],
    [
      'an unknown permission model',
      { action: 'setVaultPermissionModel', vault: 'v', model: 'RBAC' },
      'changes[0].model',
    ],
    ['an unknown field', { action: 'deleteVault', vault: 'v', force: true }, 'changes[0]'],
    ['a retention under 7 days', { action: 'setSoftDeleteRetention', vault: 'v', days: 6 }, 'changes[0].days'],
    ['a retention over 90 days', { action: 'setSoftDeleteRetention', vault: 'v', days: 91 }, 'changes[0].days'],
    ['a retention in part days', { action: 'setSoftDeleteRetention', vault: 'v', days: 30.5 }, 'changes[0].days'],
    ['a retention as text', { action: 'setSoftDeleteRetention', vault: 'v', days: '30' }, 'changes[0].days'],
    [
      'a key permission Key Vault does not have',
      { action: 'setAccessPolicy', vault: 'v', principalId, keyPermissions: ['get', 'exportKey'] },
      'changes[0].keyPermissions[1]',
    ],
    ['key permissions left out', { action: 'setAccessPolicy', vault: 'v', principalId }, 'changes[0].keyPermissions'],
    ['purge protection turned off', { action: 'enablePurgeProtection', vault: 'v', enabled: false }, 'changes[0]'],
    ['a field of another action', { action: 'deleteKey', vault: 'v', key: 'k', version: '1' }, 'changes[0]'],
  ])('refuses %s, naming where', (_, change, path) => {
    expect(refusal(change)).toMatchObject({ ok: false, path });
  });

  it.each<[string, unknown, string]>([
    [
      'an expiry in year 1',
      { action: 'setKeyVersionDates', vault: 'v', key: 'k', version: '1', expiresOn: '0001-01-01T00:00:00Z' },
      'changes[0].expiresOn',
    ],
    [
      'an activation before 1970',
      { action: 'setKeyVersionDates', vault: 'v', key: 'k', version: '1', notBefore: '1969-12-31T23:59:59Z' },
      'changes[0].notBefore',
    ],
    [
      'an expiry past 9999 once its offset is applied',
      { action: 'rotateKey', vault: 'v', key: 'k', expiresOn: '9999-12-31T23:59:59-01:00' },
      'changes[0].expiresOn',
    ],
  ])('refuses %s, as Key Vault keeps dates in Unix seconds, naming the field', (_, change, path) => {
    expect(refusal(change)).toEqual({
      ok: false,
      path,
      message:
        'expected a date from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z, as Key Vault keeps it (Unix seconds)',
    });
  });

  it('says which key permissions there are and which days a retention takes', () => {
    expect(
      refusal({ action: 'setAccessPolicy', vault: 'v', principalId, keyPermissions: ['exportKey'] }),
    ).toMatchObject({
      message: expect.stringMatching(
        /^expected a key permission: all, encrypt, decrypt, wrapKey, unwrapKey, .*setrotationpolicy$/,
      ) as unknown,
    });
    expect(refusal({ action: 'setSoftDeleteRetention', vault: 'v', days: 120 })).toEqual({
      ok: false,
      path: 'changes[0].days',
      message: 'expected 7 to 90 days',
    });
  });

  it('says which field is unknown', () => {
    expect(refusal({ action: 'deleteVault', vault: 'v', force: true })).toEqual({
      ok: false,
      path: 'changes[0]',
      message: 'Unrecognized key: "force"',
    });
  });

  it.each<[string, unknown, string]>([
    ['no body', undefined, '(root)'],
    ['no changes', {}, 'changes'],
    ['an empty list', { changes: [] }, 'changes'],
    [
      'more than 50 changes',
      { changes: Array.from({ length: 51 }, () => ({ action: 'deleteVault', vault: 'v' })) },
      'changes',
    ],
    ['a field beside changes', { changes: [{ action: 'deleteVault', vault: 'v' }], dryRun: true }, '(root)'],
  ])('refuses %s', (_, body, path) => {
    expect(decodeWhatIfRequest(body)).toMatchObject({ ok: false, path });
  });

  it('takes 50 changes', () => {
    expect(
      decodeWhatIfRequest({ changes: Array.from({ length: 50 }, () => ({ action: 'deleteVault', vault: 'v' })) }),
    ).toMatchObject({ ok: true });
  });
});
