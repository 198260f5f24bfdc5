import { describe, expect, it } from 'vitest';
import { parseEncryptionPolicy } from '../../../shared/adapters/azure/inventory/armPolicies.js';
import { withField } from '../../support/edit.js';

const POLICY_ID =
  '/subscriptions/8a3f1c52-6d0e-4b7a-9c21-5e4d3b2a1f00/resourceGroups/rg-powerplatform/providers/Microsoft.PowerPlatform/enterprisePolicies/ep-cmk-europe';
const SYSTEM_ID =
  '/regions/europe/providers/Microsoft.PowerPlatform/enterprisePolicies/3c9e7f1a-2b4d-4e6f-8a0b-1c2d3e4f5a6b';
const VAULT_ID =
  '/subscriptions/8a3f1c52-6d0e-4b7a-9c21-5e4d3b2a1f00/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-contoso-cmk';
const PRINCIPAL = 'D4E5F6A7-1B2C-4D3E-9F40-A1B2C3D4E5F6';

/** An Encryption enterprise policy as ARM lists it. */
function policyItem() {
  return {
    id: POLICY_ID,
    name: 'ep-cmk-europe',
    type: 'Microsoft.PowerPlatform/enterprisePolicies',
    location: 'Europe',
    kind: 'Encryption',
    identity: { type: 'SystemAssigned', principalId: PRINCIPAL, tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
    properties: {
      systemId: SYSTEM_ID,
      encryption: {
        state: 'Enabled',
        keyVault: { id: VAULT_ID, key: { name: 'cmk-dataverse', version: '6b1f0c9e2d7a4e3b8c5f1a0d9e8b7c6a' } },
      },
      healthStatus: 'Healthy',
    },
  };
}

function policyOf(item: unknown) {
  const parsed = parseEncryptionPolicy(item);
  if (parsed?.kind !== 'policy') throw new Error(`expected a policy, got ${JSON.stringify(parsed)}`);
  return parsed.policy;
}

function skipReasonOf(item: unknown): string {
  const parsed = parseEncryptionPolicy(item);
  if (parsed?.kind !== 'skipped') throw new Error(`expected a skip, got ${JSON.stringify(parsed)}`);
  return parsed.skipped.reason;
}

describe('parseEncryptionPolicy', () => {
  it('reads an Encryption policy, lowercasing its location and principal', () => {
    expect(policyOf(policyItem())).toEqual({
      id: POLICY_ID,
      name: 'ep-cmk-europe',
      location: 'europe',
      vaultId: VAULT_ID,
      keyName: 'cmk-dataverse',
      keyVersion: '6b1f0c9e2d7a4e3b8c5f1a0d9e8b7c6a',
      principalId: PRINCIPAL.toLowerCase(),
      systemId: SYSTEM_ID,
      healthStatus: 'Healthy',
    });
  });

  it.each(['Undetermined', 'Warning', 'Unhealthy', 'Degraded'])(
    'keeps the health status %s as reported',
    (healthStatus) => {
      expect(policyOf(withField(policyItem(), 'properties.healthStatus', healthStatus)).healthStatus).toBe(
        healthStatus,
      );
    },
  );

  it.each([
    ['absent', undefined],
    ['null', null],
    ['blank', ' '],
  ])('reports no health status when it is %s', (_, healthStatus) => {
    expect(policyOf(withField(policyItem(), 'properties.healthStatus', healthStatus))).not.toHaveProperty(
      'healthStatus',
    );
  });

  it('skips a policy whose health status is not text, naming the field', () => {
    expect(skipReasonOf(withField(policyItem(), 'properties.healthStatus', 3))).toMatch(/^properties\.healthStatus: /);
  });

  it('reads the principal from systemAssignedIdentityPrincipalId when principalId is absent', () => {
    const item = withField(policyItem(), 'identity', {
      type: 'SystemAssigned',
      systemAssignedIdentityPrincipalId: 'A0B1C2D3-E4F5-4A6B-8C7D-9E0F1A2B3C4D',
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    });
    expect(policyOf(item).principalId).toBe('a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d');
  });

  it('reads the principal from systemAssignedIdentityPrincipalId when principalId is null', () => {
    const item = withField(policyItem(), 'identity', {
      type: 'SystemAssigned',
      principalId: null,
      systemAssignedIdentityPrincipalId: 'A0B1C2D3-E4F5-4A6B-8C7D-9E0F1A2B3C4D',
    });
    expect(policyOf(item).principalId).toBe('a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d');
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
  ])('has no pinned key version when the version is %s', (_, version) => {
    expect(
      policyOf(withField(policyItem(), 'properties.encryption.keyVault.key.version', version)).keyVersion,
    ).toBeNull();
  });

  it('accepts the kind in lower case', () => {
    expect(policyOf(withField(policyItem(), 'kind', 'encryption')).id).toBe(POLICY_ID);
  });

  it('ignores a policy of another kind', () => {
    expect(parseEncryptionPolicy(withField(policyItem(), 'kind', 'NetworkInjection'))).toBeNull();
  });

  it.each([
    ['no kind', 'kind', undefined, 'kind'],
    ['no identity principal', 'identity.principalId', undefined, 'identity'],
    ['no vault id', 'properties.encryption.keyVault.id', undefined, 'properties.encryption.keyVault.id'],
    [
      'a key name that is not a string',
      'properties.encryption.keyVault.key.name',
      42,
      'properties.encryption.keyVault.key.name',
    ],
  ])('skips a policy with %s, naming the field', (_, path, value, reported) => {
    expect(skipReasonOf(withField(policyItem(), path, value)).split(': ')[0]).toBe(reported);
  });

  it('names the policy it skips', () => {
    const parsed = parseEncryptionPolicy(withField(policyItem(), 'properties.encryption.keyVault.id', undefined));
    expect(parsed).toMatchObject({ kind: 'skipped', skipped: { source: `enterprise policy ${POLICY_ID}` } });
  });

  it.each([
    ['null', null],
    ['a string', 'ep-cmk-europe'],
    ['an array', [policyItem()]],
  ])('skips an item that is %s', (_, item) => {
    expect(parseEncryptionPolicy(item)).toEqual({
      kind: 'skipped',
      skipped: { source: 'enterprise policy (no id)', reason: expect.stringContaining('expected object') as unknown },
    });
  });
});

describe('parseEncryptionPolicy: the alert tag', () => {
  it("reads the cmk-monitor-alert-to tag as the policy's own recipients, whatever the tag name's case", () => {
    const parsed = parseEncryptionPolicy({
      ...policyItem(),
      tags: { 'CMK-Monitor-Alert-To': 'sales-it@contoso.com; kv-team@contoso.com' },
    });
    expect(parsed).toMatchObject({
      kind: 'policy',
      policy: { alertTo: ['sales-it@contoso.com', 'kv-team@contoso.com'] },
    });
    expect(parsed?.kind === 'policy' && parsed.skipped).toBeFalsy();
  });

  it('keeps a policy whose tag names a bad address, and says the tag was ignored', () => {
    const parsed = parseEncryptionPolicy({
      ...policyItem(),
      tags: { 'cmk-monitor-alert-to': 'sales-it@contoso.com, <script>' },
    });
    expect(parsed?.kind).toBe('policy');
    if (parsed?.kind !== 'policy') return;
    expect(parsed.policy.alertTo).toBeUndefined();
    expect(parsed.skipped?.reason).toBe("1: '<script>' is not an email address; its alerts go to the admins by duty");
  });

  it('has no recipients of its own without the tag, or with tags of another shape', () => {
    for (const tags of [undefined, null, { owner: 'x' }, 'not an object']) {
      const parsed = parseEncryptionPolicy({ ...policyItem(), tags });
      expect(parsed?.kind === 'policy' && parsed.policy.alertTo).toBeFalsy();
    }
  });
});
