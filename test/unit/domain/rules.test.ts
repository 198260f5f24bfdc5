import { describe, it, expect } from 'vitest';
import { accessRevoked } from '../../../shared/domain/rules/accessRevoked.js';
import { environmentNotEligible } from '../../../shared/domain/rules/environmentNotEligible.js';
import { linkStateOf } from '../../../shared/domain/rules/helpers.js';
import { ruleIds } from '../../../shared/domain/rules/index.js';
import { chainRules, linkedFindings, linkFailed, unlinkedChainBroken } from '../../../shared/domain/rules/findings.js';
import { keyDisabled } from '../../../shared/domain/rules/keyDisabled.js';
import { keyExpired } from '../../../shared/domain/rules/keyExpired.js';
import { keyExpiring } from '../../../shared/domain/rules/keyExpiring.js';
import { keyMissing } from '../../../shared/domain/rules/keyMissing.js';
import { keyNoExpiry } from '../../../shared/domain/rules/keyNoExpiry.js';
import { keyNotYetValid } from '../../../shared/domain/rules/keyNotYetValid.js';
import { keyTypeUnsupported } from '../../../shared/domain/rules/keyTypeUnsupported.js';
import { linkPending } from '../../../shared/domain/rules/linkPending.js';
import { monitorBlind } from '../../../shared/domain/rules/monitorBlind.js';
import { policyUnhealthy } from '../../../shared/domain/rules/policyUnhealthy.js';
import { previousVersionDisabledEarly } from '../../../shared/domain/rules/previousVersionDisabledEarly.js';
import { regionMismatch } from '../../../shared/domain/rules/regionMismatch.js';
import { defaultRuleOptions } from '../../../shared/domain/rules/rule.js';
import { vaultNetworkBlocked } from '../../../shared/domain/rules/vaultNetworkBlocked.js';
import { vaultRecoveryOff } from '../../../shared/domain/rules/vaultRecoveryOff.js';
import {
  blind,
  chainOf,
  ctxOf,
  DAY,
  environmentOf,
  fromNow,
  grantOf,
  HOUR,
  KEY_NAME,
  keyOf,
  missing,
  MS,
  NOW,
  previousVersion,
  PRINCIPAL_ID,
  RESOURCE_GROUP,
  SUBSCRIPTION,
  unlinkOf,
  VAULT_ID,
  versionOf,
} from './builders.js';

const unwrap = 'Microsoft.KeyVault/vaults/keys/unwrap/action';
const wrapAndRead = () => ['Microsoft.KeyVault/vaults/keys/read', 'Microsoft.KeyVault/vaults/keys/wrap/action'];
const expiringAt = (expiresOn: Date | null) => keyExpiring(ctxOf(chainOf({ current: { expiresOn } })));
const grantedBy = (...grants: ReturnType<typeof grantOf>[]) => accessRevoked(ctxOf(chainOf({ grants })));
const withAccessPolicies = (...keys: string[][]) =>
  accessRevoked(
    ctxOf(chainOf({ vault: { rbac: false, accessPolicies: keys.map((k) => ({ objectId: PRINCIPAL_ID, keys: k })) } })),
  );

describe('keyExpired', () => {
  it('fires when the current version expires exactly now', () => {
    expect(keyExpired(ctxOf(chainOf({ current: { expiresOn: NOW } })))).toEqual({
      rule: 'key-expired',
      severity: 'outage',
      message: `Key '${KEY_NAME}' version 'v2' in vault 'kv-contoso' expired on ${NOW.toISOString()}.`,
      dueAt: NOW.toISOString(),
    });
  });

  it('fires for an expiry in the past', () => {
    expect(keyExpired(ctxOf(chainOf({ current: { expiresOn: fromNow(-DAY) } })))?.dueAt).toBe(
      fromNow(-DAY).toISOString(),
    );
  });

  it('does not fire 1 ms before expiry', () => {
    expect(keyExpired(ctxOf(chainOf({ current: { expiresOn: fromNow(MS) } })))).toBeNull();
  });

  it('does not fire without an expiry', () => {
    expect(keyExpired(ctxOf(chainOf({ current: { expiresOn: null } })))).toBeNull();
  });

  it('ignores an expired previous version', () => {
    const key = keyOf({ versions: [versionOf({ version: 'v1', expiresOn: fromNow(-DAY) }), versionOf()] });
    expect(keyExpired(ctxOf(chainOf({ key })))).toBeNull();
  });

  it('returns null when the key is blind or missing', () => {
    expect(keyExpired(ctxOf(chainOf({ key: blind() })))).toBeNull();
    expect(keyExpired(ctxOf(chainOf({ key: missing() })))).toBeNull();
  });
});

describe('keyExpiring', () => {
  it('does not fire when the expiry is exactly now (expired instead)', () => {
    expect(expiringAt(NOW)).toBeNull();
  });

  it('is critical 1 ms before expiry', () => {
    expect(expiringAt(fromNow(MS))).toMatchObject({ rule: 'key-expiring', severity: 'critical' });
  });

  it('is critical at exactly 7 days', () => {
    expect(expiringAt(fromNow(7 * DAY))?.severity).toBe('critical');
  });

  it('is a warning at 7 days + 1 ms', () => {
    expect(expiringAt(fromNow(7 * DAY + MS))?.severity).toBe('warning');
  });

  it('is a warning at exactly 30 days', () => {
    expect(expiringAt(fromNow(30 * DAY))?.severity).toBe('warning');
  });

  it('does not fire at 30 days + 1 ms', () => {
    expect(expiringAt(fromNow(30 * DAY + MS))).toBeNull();
  });

  it('is due at the expiry and names it absolutely', () => {
    const expiresOn = fromNow(10 * DAY);
    expect(expiringAt(expiresOn)).toEqual({
      rule: 'key-expiring',
      severity: 'warning',
      message: `Key '${KEY_NAME}' version 'v2' in vault 'kv-contoso' expires on ${expiresOn.toISOString()}.`,
      dueAt: expiresOn.toISOString(),
    });
  });

  it('follows the configured thresholds', () => {
    const chain = chainOf({ current: { expiresOn: fromNow(45 * DAY) } });
    const options = { expiringWithinDays: 60, criticalWithinDays: 45, refusalQuietMinutes: 30 };
    expect(keyExpiring(ctxOf(chain, { options }))?.severity).toBe('critical');
    expect(keyExpiring(ctxOf(chain, { options: { ...options, criticalWithinDays: 14 } }))?.severity).toBe('warning');
  });

  it('returns null without an expiry or when the key is blind', () => {
    expect(expiringAt(null)).toBeNull();
    expect(keyExpiring(ctxOf(chainOf({ key: blind() })))).toBeNull();
  });
});

describe('keyDisabled', () => {
  it('fires when the current version is disabled, due when it was updated', () => {
    const updatedOn = fromNow(-2 * HOUR);
    expect(keyDisabled(ctxOf(chainOf({ current: { enabled: false, updatedOn } })))).toEqual({
      rule: 'key-disabled',
      severity: 'outage',
      message: `Key '${KEY_NAME}' version 'v2' in vault 'kv-contoso' is disabled.`,
      dueAt: updatedOn.toISOString(),
    });
  });

  it('has no due date when the update time is unknown', () => {
    expect(keyDisabled(ctxOf(chainOf({ current: { enabled: false, updatedOn: null } })))?.dueAt).toBeNull();
  });

  it('does not fire for an enabled current version with a disabled previous one', () => {
    const key = keyOf({ versions: [{ ...previousVersion, enabled: false }, versionOf()] });
    expect(keyDisabled(ctxOf(chainOf({ key })))).toBeNull();
  });

  it('returns null when the key is blind', () => {
    expect(keyDisabled(ctxOf(chainOf({ key: blind() })))).toBeNull();
  });
});

describe('keyMissing', () => {
  it('fires when the vault is missing', () => {
    const result = keyMissing(ctxOf(chainOf({ vault: missing('VaultNotFound'), key: missing() })));
    expect(result).toMatchObject({ rule: 'key-missing', severity: 'outage', dueAt: null });
    expect(result?.message).toBe(`Vault 'kv-contoso' (${VAULT_ID}) was not found: VaultNotFound`);
  });

  it('fires when the key is missing', () => {
    expect(keyMissing(ctxOf(chainOf({ key: missing('KeyNotFound') })))?.message).toBe(
      `Key '${KEY_NAME}' was not found in vault 'kv-contoso': KeyNotFound`,
    );
  });

  it('fires when the current version is not listed', () => {
    const key = keyOf({ currentVersion: 'v3' });
    expect(keyMissing(ctxOf(chainOf({ key })))?.message).toBe(
      `The current version 'v3' of key '${KEY_NAME}' in vault 'kv-contoso' was not found.`,
    );
  });

  it('says pinned when the policy pins the absent version', () => {
    const chain = chainOf({ key: keyOf({ currentVersion: 'v9' }), policy: { keyVersion: 'v9' } });
    expect(keyMissing(ctxOf(chain))?.message).toMatch(/^The pinned version 'v9'/);
  });

  it('does not fire for a blind key or a found chain', () => {
    expect(keyMissing(ctxOf(chainOf({ key: blind() })))).toBeNull();
    expect(keyMissing(ctxOf(chainOf({ vault: blind() })))).toBeNull();
    expect(keyMissing(ctxOf())).toBeNull();
  });

  it('leaves the version rules silent when the current version is absent', () => {
    const ctx = ctxOf(chainOf({ key: keyOf({ currentVersion: 'v3' }) }));
    expect([keyExpired, keyExpiring, keyDisabled, keyNotYetValid, keyNoExpiry].map((rule) => rule(ctx))).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('keyNotYetValid', () => {
  it('fires when nbf is in the future, without a due date', () => {
    const notBefore = fromNow(MS);
    expect(keyNotYetValid(ctxOf(chainOf({ current: { notBefore } })))).toEqual({
      rule: 'key-not-yet-valid',
      severity: 'outage',
      message: `Key '${KEY_NAME}' version 'v2' in vault 'kv-contoso' is not valid before ${notBefore.toISOString()}.`,
      dueAt: null,
    });
  });

  it('does not fire when nbf is now or past', () => {
    expect(keyNotYetValid(ctxOf(chainOf({ current: { notBefore: NOW } })))).toBeNull();
    expect(keyNotYetValid(ctxOf(chainOf({ current: { notBefore: fromNow(-DAY) } })))).toBeNull();
  });
});

describe('keyTypeUnsupported', () => {
  it('fires for an EC key', () => {
    expect(keyTypeUnsupported(ctxOf(chainOf({ key: { kty: 'EC', size: null } })))).toEqual({
      rule: 'key-type-unsupported',
      severity: 'critical',
      message: `Key '${KEY_NAME}' in vault 'kv-contoso' is EC; CMK needs an RSA or RSA-HSM key of 2048 or 3072 bits.`,
      dueAt: null,
    });
  });

  it('fires for RSA 4096', () => {
    expect(keyTypeUnsupported(ctxOf(chainOf({ key: { size: 4096 } })))?.message).toContain('is RSA 4096-bit');
  });

  it('accepts RSA 2048 and rsa-hsm 3072 in any case', () => {
    expect(keyTypeUnsupported(ctxOf())).toBeNull();
    expect(keyTypeUnsupported(ctxOf(chainOf({ key: { kty: 'rsa-hsm', size: 3072 } })))).toBeNull();
  });

  it('returns null when the key is missing', () => {
    expect(keyTypeUnsupported(ctxOf(chainOf({ key: missing() })))).toBeNull();
  });
});

describe('vaultRecoveryOff', () => {
  it('fires when soft delete is off', () => {
    const result = vaultRecoveryOff(ctxOf(chainOf({ vault: { softDelete: false } })));
    expect(result).toMatchObject({ rule: 'vault-recovery-off', severity: 'critical', dueAt: null });
    expect(result?.message).toBe(
      `Vault 'kv-contoso' has soft delete off; key '${KEY_NAME}' is not protected against permanent deletion.`,
    );
  });

  it('fires when purge protection is off', () => {
    expect(vaultRecoveryOff(ctxOf(chainOf({ vault: { purgeProtection: false } })))?.message).toMatch(
      /has purge protection off/,
    );
  });

  it('names both when both are off', () => {
    const chain = chainOf({ vault: { softDelete: false, purgeProtection: false } });
    expect(vaultRecoveryOff(ctxOf(chain))?.message).toMatch(/has soft delete and purge protection off/);
  });

  it('does not fire when both are on or the vault is blind', () => {
    expect(vaultRecoveryOff(ctxOf())).toBeNull();
    expect(vaultRecoveryOff(ctxOf(chainOf({ vault: blind() })))).toBeNull();
  });
});

describe('accessRevoked', () => {
  describe('RBAC model', () => {
    it('grants access with Crypto Service Encryption User at the vault', () => {
      expect(grantedBy(grantOf())).toBeNull();
    });

    it('grants access at the subscription scope', () => {
      expect(grantedBy(grantOf({ scope: SUBSCRIPTION }))).toBeNull();
    });

    it('grants access at the resource group scope', () => {
      expect(grantedBy(grantOf({ scope: RESOURCE_GROUP }))).toBeNull();
    });

    it('grants access at the key scope, in any case and with a trailing slash', () => {
      expect(grantedBy(grantOf({ scope: `${VAULT_ID}/keys/${KEY_NAME}` }))).toBeNull();
      expect(grantedBy(grantOf({ scope: `${VAULT_ID}/keys/${KEY_NAME}/`.toUpperCase() }))).toBeNull();
    });

    it('grants access at the root and management group scopes', () => {
      expect(grantedBy(grantOf({ scope: '/' }))).toBeNull();
      expect(grantedBy(grantOf({ scope: '/providers/Microsoft.Management/managementGroups/contoso' }))).toBeNull();
    });

    it("does not count an assignment at another key's scope", () => {
      expect(grantedBy(grantOf({ scope: `${VAULT_ID}/keys/other-key` }))?.rule).toBe('access-revoked');
    });

    it('does not count an assignment at another vault, even one whose name extends this one', () => {
      expect(grantedBy(grantOf({ scope: `${VAULT_ID}-2` }))?.rule).toBe('access-revoked');
      expect(
        grantedBy(grantOf({ scope: `${RESOURCE_GROUP}/providers/Microsoft.KeyVault/vaults/kv-other` })),
      ).not.toBeNull();
    });

    it('does not count a scope that is only a text prefix of the vault id', () => {
      expect(
        grantedBy(grantOf({ scope: `${RESOURCE_GROUP}/providers/Microsoft.KeyVault/vaults/kv-con` })),
      ).not.toBeNull();
      expect(grantedBy(grantOf({ scope: RESOURCE_GROUP.slice(0, -1) }))).not.toBeNull();
    });

    it('revokes when a custom role lacks unwrap, naming what is missing and the group blind spot', () => {
      const result = grantedBy(grantOf({ dataActions: wrapAndRead() }));
      expect(result).toEqual({
        rule: 'access-revoked',
        severity: 'outage',
        message:
          `The identity ${PRINCIPAL_ID} of policy 'ep-contoso' has no role on vault 'kv-contoso', key '${KEY_NAME}' or above ` +
          'that allows Microsoft.KeyVault/vaults/keys/unwrap/action. Role grants inherited through a group are not visible to the monitor.',
        dueAt: null,
      });
    });

    it('revokes for keys/* minus unwrap', () => {
      const grant = grantOf({
        dataActions: ['Microsoft.KeyVault/vaults/keys/*'],
        notDataActions: ['Microsoft.KeyVault/vaults/keys/unwrap/action'],
      });
      expect(grantedBy(grant)?.message).toContain('Microsoft.KeyVault/vaults/keys/unwrap/action');
    });

    it('grants access with two custom roles that together cover read, wrap and unwrap', () => {
      const wrapper = grantOf({ roleDefinitionId: 'custom-wrap', dataActions: wrapAndRead() });
      const unwrapper = grantOf({ roleDefinitionId: 'custom-unwrap', scope: SUBSCRIPTION, dataActions: [unwrap] });
      expect(grantedBy(wrapper, unwrapper)).toBeNull();
    });

    it("applies a role's notDataActions only to that role", () => {
      const officerWithoutUnwrap = grantOf({
        dataActions: ['Microsoft.KeyVault/vaults/keys/*'],
        notDataActions: [unwrap],
      });
      const unwrapper = grantOf({ roleDefinitionId: 'custom-unwrap', dataActions: [unwrap] });
      expect(grantedBy(officerWithoutUnwrap, unwrapper)).toBeNull();
    });

    it('does not combine a grant at a non-qualifying scope', () => {
      const wrapper = grantOf({ dataActions: wrapAndRead() });
      const unwrapperElsewhere = grantOf({ scope: `${VAULT_ID}/keys/other-key`, dataActions: [unwrap] });
      expect(grantedBy(wrapper, unwrapperElsewhere)).not.toBeNull();
    });

    it('supports wildcards: Crypto Officer keys/*, Administrator vaults/*, and *', () => {
      expect(grantedBy(grantOf({ dataActions: ['Microsoft.KeyVault/vaults/keys/*'] }))).toBeNull();
      expect(grantedBy(grantOf({ dataActions: ['Microsoft.KeyVault/vaults/*'] }))).toBeNull();
      expect(grantedBy(grantOf({ dataActions: ['*'] }))).toBeNull();
      expect(grantedBy(grantOf({ dataActions: ['microsoft.keyvault/VAULTS/KEYS/*'] }))).toBeNull();
    });

    it('reads data actions literally apart from *', () => {
      expect(
        grantedBy(grantOf({ dataActions: ['Microsoft.KeyVault/vaults/keys/(read|wrap|unwrap)*'] })),
      ).not.toBeNull();
    });

    it('revokes with no grants at all', () => {
      expect(accessRevoked(ctxOf(chainOf({ grants: [] })))).toMatchObject({
        rule: 'access-revoked',
        severity: 'outage',
      });
    });

    it('returns null when grants or the vault cannot be read', () => {
      expect(accessRevoked(ctxOf(chainOf({ grants: blind() })))).toBeNull();
      expect(accessRevoked(ctxOf(chainOf({ grants: missing() })))).toBeNull();
      expect(accessRevoked(ctxOf(chainOf({ vault: blind(), grants: [] })))).toBeNull();
    });
  });

  describe('access policy model', () => {
    it('grants access with get, wrapKey and unwrapKey', () => {
      expect(withAccessPolicies(['get', 'wrapKey', 'unwrapKey'])).toBeNull();
    });

    it('grants access with all', () => {
      expect(withAccessPolicies(['All'])).toBeNull();
    });

    it('compares permissions and the object id case-insensitively', () => {
      const vault = {
        rbac: false,
        accessPolicies: [{ objectId: PRINCIPAL_ID.toUpperCase(), keys: ['GET', 'WrapKey', 'UNWRAPKEY'] }],
      };
      expect(accessRevoked(ctxOf(chainOf({ vault })))).toBeNull();
    });

    it('revokes when unwrapKey is missing', () => {
      expect(withAccessPolicies(['get', 'wrapKey', 'list'])).toEqual({
        rule: 'access-revoked',
        severity: 'outage',
        message:
          `No access policy of vault 'kv-contoso' gives the identity ${PRINCIPAL_ID} of policy 'ep-contoso' ` +
          'the key permissions unwrapKey. Access granted through a group is not visible to the monitor.',
        dueAt: null,
      });
    });

    it('revokes when only another identity has access', () => {
      const vault = { rbac: false, accessPolicies: [{ objectId: 'someone-else', keys: ['all'] }] };
      expect(accessRevoked(ctxOf(chainOf({ vault })))?.message).toContain('get, wrapKey, unwrapKey');
    });

    it('ignores role grants', () => {
      expect(accessRevoked(ctxOf(chainOf({ vault: { rbac: false }, grants: blind() })))).not.toBeNull();
    });
  });

  it('names a Managed HSM as one in its findings', () => {
    const hsm = { type: 'managedHsm' as const, name: 'hsm-contoso', rbac: false, purgeProtection: false };
    expect(vaultRecoveryOff(ctxOf(chainOf({ vault: hsm })))?.message).toMatch(
      /^Managed HSM 'hsm-contoso' has purge protection off/,
    );
  });

  it("does not evaluate a Managed HSM's access: its local RBAC is not served by Resource Manager", () => {
    expect(
      accessRevoked(ctxOf(chainOf({ vault: { type: 'managedHsm', rbac: false, accessPolicies: [] } }))),
    ).toBeNull();
  });
});

describe('previousVersionDisabledEarly', () => {
  const rotatedAgo = (age: number, previousEnabled = false) => {
    const createdOn = fromNow(-age);
    const key = keyOf({
      versions: [
        versionOf({ version: 'v1', createdOn: fromNow(-age - 90 * DAY), enabled: previousEnabled }),
        versionOf({ version: 'v2', createdOn }),
      ],
    });
    return previousVersionDisabledEarly(ctxOf(chainOf({ key })));
  };

  it('fires for a rotation 27 days 23 hours ago with the previous version disabled', () => {
    const createdOn = fromNow(-(27 * DAY + 23 * HOUR));
    const overlapEnds = new Date(createdOn.getTime() + 28 * DAY);
    expect(rotatedAgo(27 * DAY + 23 * HOUR)).toEqual({
      rule: 'previous-version-disabled-early',
      severity: 'critical',
      message:
        `Key '${KEY_NAME}' in vault 'kv-contoso' was rotated to version 'v2' on ${createdOn.toISOString()}, ` +
        `but previous version 'v1' is disabled; it must stay enabled until ${overlapEnds.toISOString()}.`,
      dueAt: overlapEnds.toISOString(),
    });
  });

  it('does not fire for a rotation exactly 28 days ago', () => {
    expect(rotatedAgo(28 * DAY)).toBeNull();
  });

  it('does not fire while the previous version is enabled', () => {
    expect(rotatedAgo(DAY, true)).toBeNull();
  });

  it('evaluates the newest version created before the current one', () => {
    const versions = (newerPreviousEnabled: boolean) => [
      versionOf({ version: 'v0', createdOn: fromNow(-100 * DAY), enabled: false }),
      versionOf({ version: 'v1', createdOn: fromNow(-50 * DAY), enabled: newerPreviousEnabled }),
      versionOf({ version: 'v2', createdOn: fromNow(-DAY) }),
    ];
    expect(previousVersionDisabledEarly(ctxOf(chainOf({ key: { versions: versions(true) } })))).toBeNull();
    expect(previousVersionDisabledEarly(ctxOf(chainOf({ key: { versions: versions(false) } })))?.message).toContain(
      "previous version 'v1'",
    );
  });

  it('does not fire without a previous version or a creation time', () => {
    expect(
      previousVersionDisabledEarly(ctxOf(chainOf({ key: { versions: [versionOf({ createdOn: fromNow(-DAY) })] } }))),
    ).toBeNull();
    const undated = keyOf({ versions: [{ ...previousVersion, enabled: false }, versionOf({ createdOn: null })] });
    expect(previousVersionDisabledEarly(ctxOf(chainOf({ key: undated })))).toBeNull();
  });
});

describe('vaultNetworkBlocked', () => {
  const network = (vault: {
    publicNetworkAccess?: 'Enabled' | 'Disabled';
    networkDefaultAction?: 'Allow' | 'Deny';
    trustedServicesBypass: boolean;
  }) => vaultNetworkBlocked(ctxOf(chainOf({ vault })));

  it('fires when public access is disabled without the bypass', () => {
    expect(network({ publicNetworkAccess: 'Disabled', trustedServicesBypass: false })).toEqual({
      rule: 'vault-network-blocked',
      severity: 'outage',
      message: "Vault 'kv-contoso' has public network access disabled without the trusted Microsoft services bypass.",
      dueAt: null,
    });
  });

  it('does not fire when public access is disabled with the bypass', () => {
    expect(network({ publicNetworkAccess: 'Disabled', trustedServicesBypass: true })).toBeNull();
  });

  it('fires when the firewall denies by default without the bypass', () => {
    expect(network({ networkDefaultAction: 'Deny', trustedServicesBypass: false })?.message).toContain(
      'firewall default action Deny',
    );
  });

  it('does not fire for an open vault without the bypass', () => {
    expect(network({ trustedServicesBypass: false })).toBeNull();
  });
});

describe('regionMismatch', () => {
  it('matches locations case-insensitively', () => {
    expect(regionMismatch(ctxOf(chainOf({ policy: { location: 'Europe' } })))).toBeNull();
  });

  it('fires when the policy is in another geography', () => {
    expect(regionMismatch(ctxOf(chainOf({ policy: { location: 'unitedstates' } })))).toEqual({
      rule: 'region-mismatch',
      severity: 'warning',
      message: "Policy 'ep-contoso' is in unitedstates but environment 'Contoso Production' is in europe.",
      dueAt: null,
    });
  });
});

describe('environmentNotEligible', () => {
  const evaluateOne = (environment: Parameters<typeof environmentOf>[0]) =>
    environmentNotEligible(ctxOf(chainOf(), { environment: environmentOf(environment) }));

  it('fires for a Trial environment', () => {
    expect(evaluateOne({ sku: 'Trial' })).toMatchObject({ rule: 'environment-not-eligible', severity: 'warning' });
  });

  it('fires for a Teams environment in any case', () => {
    expect(evaluateOne({ sku: 'teams' })?.message).toContain('is of type teams');
  });

  it('fires for an environment that is not managed', () => {
    expect(evaluateOne({ managed: false })?.message).toBe(
      "Environment 'Contoso Production' is not a Managed Environment; the encryption policy is not enforced on it.",
    );
  });

  it('names both reasons', () => {
    expect(evaluateOne({ managed: false, sku: 'Trial' })?.message).toContain(
      'is not a Managed Environment and is of type Trial',
    );
  });

  it('accepts managed Production and Sandbox environments', () => {
    expect(evaluateOne({})).toBeNull();
    expect(evaluateOne({ sku: 'Sandbox' })).toBeNull();
  });
});

describe('keyNoExpiry', () => {
  it('informs when the current version has no expiry and no rotation policy', () => {
    expect(keyNoExpiry(ctxOf(chainOf({ current: { expiresOn: null } })))).toEqual({
      rule: 'key-no-expiry',
      severity: 'info',
      message:
        `Key '${KEY_NAME}' version 'v2' in vault 'kv-contoso' has no expiry date; ` +
        'the key has no rotation policy either, so Key Vault emits no near-expiry events.',
      dueAt: null,
    });
  });

  it('mentions an existing rotation policy', () => {
    const chain = chainOf({ key: { hasRotationPolicy: true }, current: { expiresOn: null } });
    expect(keyNoExpiry(ctxOf(chain))?.message).toContain('the key has a rotation policy.');
  });

  it('does not fire when the current version expires', () => {
    expect(keyNoExpiry(ctxOf())).toBeNull();
  });
});

describe('monitorBlind', () => {
  it('fires when the vault is blind, implying access cannot be checked', () => {
    expect(monitorBlind(ctxOf(chainOf({ vault: blind('Forbidden (403)'), grants: blind('throttled') })))).toEqual({
      rule: 'monitor-blind',
      severity: 'warning',
      message: "The monitor cannot read vault 'kv-contoso', so access cannot be checked either (Forbidden (403)).",
      dueAt: null,
    });
  });

  it('fires when the key is blind', () => {
    expect(monitorBlind(ctxOf(chainOf({ key: blind('unreachable') })))?.message).toBe(
      `The monitor cannot read key '${KEY_NAME}' in vault 'kv-contoso' (unreachable).`,
    );
  });

  it('fires when role assignments are blind in the RBAC model', () => {
    expect(monitorBlind(ctxOf(chainOf({ grants: blind('throttled (429)') })))?.message).toBe(
      "The monitor cannot read the role assignments of policy 'ep-contoso' on vault 'kv-contoso' (throttled (429)).",
    );
  });

  it('ignores blind role assignments in the access policy model', () => {
    expect(monitorBlind(ctxOf(chainOf({ vault: { rbac: false }, grants: blind() })))).toBeNull();
  });

  it('lists every unreadable part in one finding', () => {
    const message = monitorBlind(ctxOf(chainOf({ key: blind('a'), grants: blind('b') })))?.message;
    expect(message).toContain('(a); the role assignments');
  });

  it('does not treat missing as blind', () => {
    expect(monitorBlind(ctxOf(chainOf({ vault: missing(), key: missing() })))).toBeNull();
    expect(monitorBlind(ctxOf())).toBeNull();
  });
});

describe('unlinkedChainBroken', () => {
  const evaluateOne = (
    unlinkedAgo: number,
    oldChain = chainOf({ key: missing('KeyNotFound'), policy: { name: 'ep-old' } }),
  ) =>
    unlinkedChainBroken({
      environment: environmentOf(),
      unlink: unlinkOf(oldChain, fromNow(-unlinkedAgo)),
      now: NOW,
      options: defaultRuleOptions,
    });

  it('fires when the environment left 29 days ago and the old key is missing', () => {
    const unlinkedAt = fromNow(-29 * DAY);
    const deadline = fromNow(DAY);
    expect(evaluateOne(29 * DAY)).toEqual({
      rule: 'unlinked-chain-broken',
      severity: 'critical',
      message:
        `Environment 'Contoso Production' left policy 'ep-old' on ${unlinkedAt.toISOString()}; ` +
        `restoring backups from before then needs that policy's chain until ${deadline.toISOString()}, but it is broken: ` +
        `[key-missing] Key '${KEY_NAME}' was not found in vault 'kv-contoso': KeyNotFound`,
      dueAt: deadline.toISOString(),
    });
  });

  it('does not fire 30 days after the unlink', () => {
    expect(evaluateOne(30 * DAY)).toBeNull();
  });

  it('fires when access to the old key was revoked', () => {
    expect(evaluateOne(DAY, chainOf({ grants: [] }))?.message).toContain('[access-revoked]');
  });

  it('names every broken link', () => {
    const message = evaluateOne(
      DAY,
      chainOf({ current: { enabled: false, expiresOn: fromNow(-DAY) }, grants: [] }),
    )?.message;
    expect(message).toMatch(/\[key-expired\].*\[key-disabled\].*\[access-revoked\]/);
  });

  it('ignores old-chain findings that do not break restores', () => {
    expect(
      evaluateOne(DAY, chainOf({ vault: { softDelete: false }, current: { expiresOn: fromNow(3 * DAY) } })),
    ).toBeNull();
    expect(evaluateOne(DAY, chainOf({ key: blind(), grants: blind() }))).toBeNull();
    expect(evaluateOne(DAY, chainOf())).toBeNull();
  });
});

describe('policyUnhealthy', () => {
  const evaluateOne = (healthStatus: string | undefined) =>
    policyUnhealthy(ctxOf(chainOf({ policy: { healthStatus } })));

  it('confirms an outage when Microsoft reports the policy Unhealthy', () => {
    expect(evaluateOne('Unhealthy')).toEqual({
      rule: 'policy-unhealthy',
      severity: 'outage',
      message:
        "Microsoft reports enterprise policy 'ep-contoso' Unhealthy: it has found the key unusable and shut down the environments the policy protects.",
      dueAt: null,
    });
    expect(evaluateOne('UNHEALTHY')?.severity).toBe('outage');
  });

  it('warns when Microsoft reports the policy in Warning health', () => {
    expect(evaluateOne('Warning')).toMatchObject({
      severity: 'warning',
      message: "Microsoft reports enterprise policy 'ep-contoso' in Warning health.",
    });
  });

  it('warns about a health status it does not know, naming it', () => {
    expect(evaluateOne('Degraded')).toMatchObject({
      severity: 'warning',
      message:
        "Microsoft reports enterprise policy 'ep-contoso' with health status 'Degraded', which the monitor does not know and treats as not healthy.",
    });
  });

  it.each(['Healthy', 'healthy', 'Undetermined', undefined])('says nothing when the policy is %s', (healthStatus) => {
    expect(evaluateOne(healthStatus)).toBeNull();
  });

  it('confirms the outage even when the monitor cannot read the chain', () => {
    const chain = chainOf({ policy: { healthStatus: 'Unhealthy' }, vault: blind(), key: blind(), grants: blind() });
    expect(linkedFindings(ctxOf(chain)).map((f) => [f.rule, f.severity])).toEqual([
      ['monitor-blind', 'warning'],
      ['policy-unhealthy', 'outage'],
    ]);
  });
});

describe('linkStateOf', () => {
  it.each([
    [null, 'linked'],
    ['Linked', 'linked'],
    ['linked', 'linked'],
    ['Linking', 'pending'],
    ['LinkingOnline', 'pending'],
    ['Unlinking', 'pending'],
    ['UNLINKINGONLINE', 'pending'],
    ['Failed', 'failed'],
    ['Paused', 'unrecognized'],
  ] as const)('reads %s as %s', (linkStatus, state) => {
    expect(linkStateOf(linkStatus)).toBe(state);
  });
});

describe('linkFailed', () => {
  const evaluateOne = (linkStatus: string | null, chain = chainOf()) =>
    linkFailed(ctxOf(chain, { environment: environmentOf({ linkStatus }) }));

  it('is critical when Microsoft could not apply the policy', () => {
    expect(evaluateOne('Failed')).toEqual({
      rule: 'link-failed',
      severity: 'critical',
      message:
        "Microsoft could not apply policy 'ep-contoso' to environment 'Contoso Production' (link status Failed); the key does not protect the environment.",
      dueAt: null,
    });
  });

  it('treats a link status it does not know as not applied, naming it', () => {
    expect(evaluateOne('Paused')).toMatchObject({
      severity: 'critical',
      message:
        "Environment 'Contoso Production' reports link status 'Paused' for policy 'ep-contoso', which the monitor does not know and treats as not applied; " +
        'the key does not protect the environment.',
    });
  });

  it("names the chain's problems as likely causes, but not information or the environment's own", () => {
    const chain = chainOf({ grants: [], current: { expiresOn: null }, policy: { location: 'uk' } });
    const message = evaluateOne('Failed', chain)?.message ?? '';
    expect(message).toContain(" The policy's chain shows: [access-revoked] The identity");
    expect(message).not.toContain('key-no-expiry');
    expect(message).not.toContain('region-mismatch');
  });

  it.each([null, 'Linked', 'Linking', 'UnlinkingOnline'])('does not fire for a link that is %s', (linkStatus) => {
    expect(evaluateOne(linkStatus)).toBeNull();
  });
});

describe('linkPending', () => {
  const evaluateOne = (linkStatus: string | null, linkStatusSince?: Date | null) =>
    linkPending(ctxOf(chainOf(), { environment: environmentOf({ linkStatus }), linkStatusSince }));

  it('informs while the policy is being applied', () => {
    const since = fromNow(-3 * DAY);
    expect(evaluateOne('Linking', since)).toEqual({
      rule: 'link-pending',
      severity: 'info',
      message:
        `Environment 'Contoso Production' is Linking on policy 'ep-contoso', a status first seen on ${since.toISOString()}; ` +
        'applying or removing a policy can take up to 4 days.',
      dueAt: fromNow(DAY).toISOString(),
    });
  });

  it('warns once the link has been pending for four days', () => {
    expect(evaluateOne('UnlinkingOnline', fromNow(-4 * DAY + MS))?.severity).toBe('info');
    const since = fromNow(-4 * DAY);
    expect(evaluateOne('UnlinkingOnline', since)).toEqual({
      rule: 'link-pending',
      severity: 'warning',
      message:
        `Environment 'Contoso Production' is UnlinkingOnline on policy 'ep-contoso', a status first seen on ${since.toISOString()}: ` +
        'longer than the 4 days applying or removing a policy can take.',
      dueAt: NOW.toISOString(),
    });
  });

  it('informs without a date when it does not know since when', () => {
    expect(evaluateOne('LinkingOnline', null)).toMatchObject({ severity: 'info', dueAt: null });
    expect(evaluateOne('Unlinking')).toMatchObject({ severity: 'info', dueAt: null });
  });

  it.each([null, 'Linked', 'Failed', 'Paused'])('does not fire for a link that is %s', (linkStatus) => {
    expect(evaluateOne(linkStatus, fromNow(-10 * DAY))).toBeNull();
  });
});

describe('linkedFindings', () => {
  const evaluateOne = (linkStatus: string | null, chain: ReturnType<typeof chainOf>, environment = {}) =>
    linkedFindings(
      ctxOf(chain, { environment: environmentOf({ linkStatus, ...environment }), linkStatusSince: fromNow(-5 * DAY) }),
    );
  const brokenChain = () =>
    chainOf({ current: { expiresOn: fromNow(3 * DAY) }, grants: [], policy: { healthStatus: 'Unhealthy' } });

  it('evaluates a linked environment on its whole chain', () => {
    expect(evaluateOne('Linked', brokenChain()).map((f) => f.rule)).toEqual([
      'key-expiring',
      'access-revoked',
      'policy-unhealthy',
    ]);
  });

  it("evaluates a failed link only on the link and the environment: the key's problems cannot take it down", () => {
    const findings = evaluateOne('Failed', brokenChain(), { managed: false });
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([
      ['link-failed', 'critical'],
      ['environment-not-eligible', 'warning'],
    ]);
    expect(findings[0]?.message).toMatch(/\[key-expiring\].*\[access-revoked\].*\[policy-unhealthy\]/);
  });

  it('evaluates a pending link on its whole chain, which it still needs', () => {
    expect(evaluateOne('Linking', brokenChain()).map((f) => [f.rule, f.severity])).toEqual([
      ['key-expiring', 'critical'],
      ['access-revoked', 'outage'],
      ['policy-unhealthy', 'outage'],
      ['link-pending', 'warning'],
    ]);
  });
});

describe('chainRules', () => {
  it('holds every rule but those of the link and the unlink once, in ruleIds order', () => {
    const camel = (id: string) => id.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
    const notChain = ['unlinked-chain-broken', 'link-failed', 'link-pending', 'environment-still-disabled'];
    expect(chainRules.map((rule) => rule.name)).toEqual(ruleIds.filter((id) => !notChain.includes(id)).map(camel));
  });
});
