/** A tenant with one chain per failure the scan must tell apart, and several environments sharing one key. */
import { environment, healthyVault, healthyVaultOf, key, policy, version } from '../../support/scenarioParts.js';

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

export function scanScenario() {
  return {
    subscriptionId: '11111111-1111-4111-8111-111111111111',
    vaults: [
      healthyVaultOf(
        'kv-main',
        [principals.healthy, principals.expiring, principals.disabled],
        [
          key('k-healthy', [version(400, -35), version(10, 355)]),
          key('k-expiring', [version(345, 20)]),
          key('k-disabled', [version(100, 265, false)]),
        ],
      ),
      {
        ...healthyVaultOf('kv-hidden', [principals.blind], [key('k-hidden', [version(10, 355)])]),
        monitorAccess: 'forbidden',
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
