/** A tenant with one chain per failure the scan must tell apart, and several environments sharing one key. */
export const guid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export const principals = {
  healthy: guid(101),
  expiring: guid(102),
  disabled: guid(103),
  revoked: guid(104),
  blind: guid(105),
  legacy: guid(106),
};
export const environments = {
  shared: [guid(201), guid(202), guid(203), guid(204), guid(205)],
  expiring: guid(206),
  disabled: guid(207),
  revoked: guid(208),
  blind: guid(209),
  legacy: guid(210),
  trial: guid(211),
  unprotected: guid(212),
};

const version = (createdDaysAgo: number, expiresInDays: number | null, enabled = true) => ({
  enabled,
  createdDaysAgo,
  expiresInDays,
});
const key = (name: string, versions: ReturnType<typeof version>[]) => ({
  name,
  kty: 'RSA',
  size: 2048,
  versions,
  rotationPolicy: { expiresAfter: 'P1Y', notifyBefore: 'P30D' },
});
const healthyVault = {
  softDelete: true,
  purgeProtection: true,
  publicNetworkAccess: 'Enabled',
  networkDefaultAction: 'Allow',
  trustedServicesBypass: true,
};
const grant = (principalId: string) => ({
  principalId,
  roleDefinitionId: 'e147488a-f6f5-4113-8e2d-b22465e65bf6',
  scope: 'vault',
});
const policy = (name: string, vault: string, keyName: string, principalId: string) => ({
  name,
  resourceGroup: 'rg-cmk',
  location: 'europe',
  vault,
  key: keyName,
  principalId,
});
const environment = (id: string, displayName: string, policyName: string | null, sku = 'Production') => ({
  id,
  displayName,
  location: 'europe',
  sku,
  managed: true,
  policy: policyName,
});

export function scanScenario() {
  return {
    subscriptionId: '11111111-1111-4111-8111-111111111111',
    vaults: [
      {
        name: 'kv-main',
        resourceGroup: 'rg-cmk',
        rbac: true,
        ...healthyVault,
        roleAssignments: [grant(principals.healthy), grant(principals.expiring), grant(principals.disabled)],
        keys: [
          key('k-healthy', [version(400, -35), version(10, 355)]),
          key('k-expiring', [version(345, 20)]),
          key('k-disabled', [version(100, 265, false)]),
        ],
      },
      {
        name: 'kv-hidden',
        resourceGroup: 'rg-cmk',
        rbac: true,
        ...healthyVault,
        monitorAccess: 'forbidden',
        roleAssignments: [grant(principals.blind)],
        keys: [key('k-hidden', [version(10, 355)])],
      },
      {
        name: 'kv-legacy',
        resourceGroup: 'rg-old',
        rbac: false,
        ...healthyVault,
        purgeProtection: false,
        accessPolicies: [{ objectId: principals.legacy, keys: ['get', 'wrapKey'] }],
        keys: [key('k-legacy', [version(10, 355)])],
      },
    ],
    policies: [
      policy('cmk-healthy', 'kv-main', 'k-healthy', principals.healthy),
      policy('cmk-expiring', 'kv-main', 'k-expiring', principals.expiring),
      policy('cmk-disabled', 'kv-main', 'k-disabled', principals.disabled),
      policy('cmk-revoked', 'kv-main', 'k-healthy', principals.revoked),
      policy('cmk-hidden', 'kv-hidden', 'k-hidden', principals.blind),
      policy('cmk-legacy', 'kv-legacy', 'k-legacy', principals.legacy),
    ],
    environments: [
      ...environments.shared.map((id, i) => environment(id, `Shared ${i}`, 'cmk-healthy')),
      environment(environments.expiring, 'Expiring', 'cmk-expiring'),
      environment(environments.disabled, 'Disabled', 'cmk-disabled'),
      environment(environments.revoked, 'Revoked', 'cmk-revoked'),
      environment(environments.blind, 'Blind', 'cmk-hidden'),
      environment(environments.legacy, 'Legacy', 'cmk-legacy'),
      environment(environments.trial, 'Trial', 'cmk-healthy', 'Trial'),
      environment(environments.unprotected, 'Unprotected', null),
    ],
  };
}
