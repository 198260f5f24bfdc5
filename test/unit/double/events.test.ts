import { describe, expect, it } from 'vitest';
import { eventsFor, toCloudEvent, type EventGridEvent } from '../../../sandbox/double/events.js';
import { DoubleState, type DoubleChange } from '../../../sandbox/double/state.js';
import { materialize, parseScenario } from '../../../sandbox/scenario.js';

const subscriptionId = '0c2f4e6a-8b1d-4c3e-9f5a-7d6b8e9f0a1b';
const tenantId = 'b7d4c1e2-5f3a-4d6b-9e8c-2a1f0e3d4c5b';
const principal = '4b7e9d2c-1a3f-4e5d-8c6b-9a0f1e2d3c4b';
const now = new Date('2025-06-01T12:00:00Z');
const vaultUri = 'https://127.0.0.1:4443/';
const vaultId = `/subscriptions/${subscriptionId}/resourceGroups/rg-cmk/providers/Microsoft.KeyVault/vaults/kv-unit`;

function newState(): DoubleState {
  const scenario = parseScenario({
    subscriptionId,
    vaults: [
      {
        name: 'kv-unit',
        resourceGroup: 'rg-cmk',
        softDelete: true,
        purgeProtection: false,
        rbac: true,
        publicNetworkAccess: 'Enabled',
        networkDefaultAction: 'Allow',
        trustedServicesBypass: true,
        roleAssignments: [
          { principalId: principal, roleDefinitionId: 'e147488a-f6f5-4113-8e2d-b22465e65bf6', scope: 'vault' },
        ],
        keys: [
          {
            name: 'Pp-Key',
            kty: 'RSA',
            size: 2048,
            versions: [{ enabled: true, createdDaysAgo: 10, expiresInDays: 20 }],
            rotationPolicy: { expiresAfter: 'P1Y' },
          },
        ],
      },
    ],
  });
  return new DoubleState(materialize(scenario, now), {
    tenantId,
    vaultUris: { 'kv-unit': vaultUri },
    clock: () => now,
  });
}

function recording(state: DoubleState): { changes: DoubleChange[]; events: () => EventGridEvent[] } {
  const changes: DoubleChange[] = [];
  const events: EventGridEvent[] = [];
  state.onChange((change) => {
    changes.push(change);
    events.push(...eventsFor(change, state));
  });
  return { changes, events: () => events };
}

describe('DoubleState change feed', () => {
  it('notifies every mutator once, after the change, and stops after unsubscribe', () => {
    const state = newState();
    const kinds: string[] = [];
    const unsubscribe = state.onChange((change) => kinds.push(change.kind));
    state.disableKeyVersion('kv-unit', 'pp-key', 0);
    state.createKeyVersion('kv-unit', 'pp-key');
    state.setRotationPolicy('kv-unit', 'pp-key', { expiryTime: 'P90D', lifetimeActions: [] });
    state.setVault('kv-unit', { publicNetworkAccess: 'Disabled' });
    const assignment = state.putRoleAssignment({
      scope: vaultId,
      roleDefinitionId: '21090545-7ca7-4776-b22c-e363652d74d2',
      principalId: principal,
    });
    state.deleteRoleAssignment(assignment.id);
    expect(state.deleteRoleAssignment(assignment.id)).toBeUndefined();
    state.deleteKey('kv-unit', 'pp-key');
    state.deleteVault('kv-unit');
    expect(state.deleteVault('kv-unit')).toBe(false);
    unsubscribe();
    state.addVault({ name: 'kv-new', resourceGroup: 'rg', location: 'eastus', uri: 'https://127.0.0.1:1/' });

    expect(kinds).toEqual([
      'keyVersionUpdated',
      'keyVersionCreated',
      'rotationPolicyUpdated',
      'vaultWritten',
      'roleAssignmentWritten',
      'roleAssignmentDeleted',
      'keyDeleted',
      'vaultDeleted',
    ]);
  });

  it('flags access policy changes: an accessPolicies patch or an rbac toggle', () => {
    const state = newState();
    const { changes } = recording(state);
    state.setVault('kv-unit', { rbac: true });
    state.setVault('kv-unit', { rbac: false });
    state.setVault('kv-unit', { accessPolicies: [state.accessPolicy(principal, ['get'])] });
    state.addVault({ name: 'kv-new', resourceGroup: 'rg', location: 'eastus', uri: 'https://127.0.0.1:1/' });
    expect(changes.map((change) => change.kind === 'vaultWritten' && change.accessPoliciesChanged)).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('a failing listener does not fail the mutator', () => {
    const state = newState();
    state.onChange(() => {
      throw new Error('boom');
    });
    const error = console.error;
    console.error = () => {};
    try {
      expect(state.updateKeyVersion('kv-unit', 'pp-key', 0, { enabled: false }).enabled).toBe(false);
    } finally {
      console.error = error;
    }
  });
});

describe('eventsFor', () => {
  it('maps a new key version to KeyNewVersionCreated with PascalCase data on the vault topic', () => {
    const state = newState();
    const { events } = recording(state);
    const notBefore = new Date('2025-06-02T00:00:00Z');
    const version = state.createKeyVersion('kv-unit', 'pp-key', { notBefore });

    expect(events()).toEqual([
      {
        id: expect.any(String) as unknown,
        topic: vaultId,
        subject: 'Pp-Key',
        eventType: 'Microsoft.KeyVault.KeyNewVersionCreated',
        eventTime: now.toISOString(),
        data: {
          Id: `${vaultUri}keys/Pp-Key/${version.id}`,
          VaultName: 'kv-unit',
          ObjectType: 'Key',
          ObjectName: 'Pp-Key',
          Version: version.id,
          NBF: notBefore.getTime() / 1000,
          EXP: Math.floor(version.expiresOn!.getTime() / 1000),
        },
        dataVersion: '1',
        metadataVersion: '1',
      },
    ]);
  });

  it('publishes nothing for an update, a rotation policy or a deletion, as Key Vault publishes none', () => {
    const state = newState();
    const { events } = recording(state);
    state.updateKeyVersion('kv-unit', 'pp-key', 0, { expiresOn: null });
    state.setRotationPolicy('kv-unit', 'pp-key', { expiryTime: null, lifetimeActions: [] });
    state.deleteKey('kv-unit', 'pp-key');
    expect(events()).toEqual([]);
  });

  it('maps a vault write to ResourceWriteSuccess on the subscription topic, plus VaultAccessPolicyChanged for access policies', () => {
    const state = newState();
    const { events } = recording(state);
    state.setVault('kv-unit', { accessPolicies: [] });
    const [policy, write] = events();

    expect(policy).toMatchObject({
      topic: vaultId,
      subject: 'kv-unit',
      eventType: 'Microsoft.KeyVault.VaultAccessPolicyChanged',
      dataVersion: '1',
      data: {
        Id: vaultUri,
        VaultName: 'kv-unit',
        ObjectType: 'Vault',
        ObjectName: 'kv-unit',
        Version: null,
        NBF: null,
        EXP: null,
      },
    });
    expect(write).toMatchObject({
      topic: `/subscriptions/${subscriptionId}`,
      subject: vaultId,
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      dataVersion: '2',
      metadataVersion: '1',
      data: {
        resourceProvider: 'Microsoft.KeyVault',
        resourceUri: vaultId,
        operationName: 'Microsoft.KeyVault/vaults/write',
        status: 'Succeeded',
        subscriptionId,
        tenantId,
        authorization: { scope: vaultId, action: 'Microsoft.KeyVault/vaults/write', evidence: { role: 'Owner' } },
        claims: {},
        correlationId: expect.any(String) as unknown,
        httpRequest: { method: 'PUT', url: expect.stringContaining(vaultId) as unknown },
      },
    });
  });

  it('maps vault deletion and role assignment changes to ARM events on the resource', () => {
    const state = newState();
    const { events } = recording(state);
    const [assignment] = state.roleAssignments;
    state.deleteRoleAssignment(assignment!.id);
    state.putRoleAssignment({
      scope: vaultId,
      roleDefinitionId: assignment!.roleDefinitionId,
      principalId: principal,
      name: assignment!.name,
    });
    state.deleteVault('kv-unit');

    expect(
      events().map((event) => [
        event.eventType,
        event.subject,
        event.data.resourceUri,
        event.data.operationName,
        event.data.resourceProvider,
      ]),
    ).toEqual([
      [
        'Microsoft.Resources.ResourceDeleteSuccess',
        assignment!.id,
        assignment!.id,
        'Microsoft.Authorization/roleAssignments/delete',
        'Microsoft.Authorization',
      ],
      [
        'Microsoft.Resources.ResourceWriteSuccess',
        assignment!.id,
        assignment!.id,
        'Microsoft.Authorization/roleAssignments/write',
        'Microsoft.Authorization',
      ],
      [
        'Microsoft.Resources.ResourceDeleteSuccess',
        vaultId,
        vaultId,
        'Microsoft.KeyVault/vaults/delete',
        'Microsoft.KeyVault',
      ],
    ]);
    expect(assignment!.id).toMatch(
      new RegExp(`^${vaultId}/providers/Microsoft.Authorization/roleAssignments/[0-9a-f-]{36}$`),
    );
    expect(JSON.stringify(events()[0])).not.toContain(principal);
  });
});

describe('eventsFor a Managed HSM', () => {
  it('gives no event for any change in an HSM, deletion included, while its neighbour vault still gets its own', () => {
    const scenario = parseScenario({
      subscriptionId,
      vaults: [
        {
          name: 'hsm-unit',
          type: 'managedHsm',
          resourceGroup: 'rg-cmk',
          keys: [
            {
              name: 'pp-key',
              kty: 'RSA-HSM',
              size: 2048,
              versions: [{ enabled: true, createdDaysAgo: 10, expiresInDays: 5 }],
            },
          ],
        },
        { name: 'kv-unit', resourceGroup: 'rg-cmk' },
      ],
    });
    const state = new DoubleState(materialize(scenario, now), {
      tenantId,
      vaultUris: { 'hsm-unit': vaultUri, 'kv-unit': 'https://127.0.0.1:4444/' },
      clock: () => now,
    });
    const { changes, events } = recording(state);
    state.createKeyVersion('hsm-unit', 'pp-key');
    state.disableKeyVersion('hsm-unit', 'pp-key', 0);
    state.setRotationPolicy('hsm-unit', 'pp-key', { expiryTime: 'P90D', lifetimeActions: [] });
    state.deleteKey('hsm-unit', 'pp-key');
    state.setVault('hsm-unit', { publicNetworkAccess: 'Disabled' });
    state.deleteVault('hsm-unit');
    expect(changes.map((change) => change.kind)).toEqual([
      'keyVersionCreated',
      'keyVersionUpdated',
      'rotationPolicyUpdated',
      'keyDeleted',
      'vaultWritten',
      'vaultDeleted',
    ]);
    expect(events()).toEqual([]);
    state.createKeyVersion('kv-unit', 'pp-key');
    expect(events().map((event) => event.eventType)).toEqual(['Microsoft.KeyVault.KeyNewVersionCreated']);
  });
});

describe('toCloudEvent', () => {
  it('moves the envelope to CloudEvents 1.0 attribute names and keeps data', () => {
    const event: EventGridEvent = {
      id: 'e1',
      topic: vaultId,
      subject: 'pp-key',
      eventType: 'Microsoft.KeyVault.KeyNewVersionCreated',
      eventTime: now.toISOString(),
      data: { VaultName: 'kv-unit' },
      dataVersion: '1',
      metadataVersion: '1',
    };
    expect(toCloudEvent(event)).toEqual({
      id: 'e1',
      source: vaultId,
      subject: 'pp-key',
      type: 'Microsoft.KeyVault.KeyNewVersionCreated',
      time: now.toISOString(),
      data: { VaultName: 'kv-unit' },
      specversion: '1.0',
      datacontenttype: 'application/json',
    });
  });
});
