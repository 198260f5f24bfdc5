/**
 * The Event Grid events Azure sends for a change of the double, as they arrive on the wire: Key Vault system topic
 * events on the vault, ARM events on the subscription's system topic.
 */
import { randomUUID } from 'node:crypto';
import { subscriptionScope, vaultResourceTypes } from './ids.js';
import type { DoubleChange, DoubleState, KeyVersionState, VaultState } from './state.js';

export interface EventGridEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: Record<string, unknown>;
  dataVersion: string;
  metadataVersion: '1';
}

export interface CloudEvent {
  id: string;
  source: string;
  subject: string;
  type: string;
  time: string;
  data: Record<string, unknown>;
  specversion: '1.0';
  datacontenttype: 'application/json';
}

/**
 * The event types the double publishes: only Azure's. Key Vault publishes nothing when a key version is disabled,
 * enabled, re-dated or re-tagged, when a rotation policy changes or when a key is deleted or recovered
 * (learn.microsoft.com/azure/event-grid/event-schema-key-vault lists every type); those changes reach the monitor
 * through Key Vault's audit records (auditLog.ts) or its next scan.
 */
export const eventTypes = {
  keyNewVersionCreated: 'Microsoft.KeyVault.KeyNewVersionCreated',
  vaultAccessPolicyChanged: 'Microsoft.KeyVault.VaultAccessPolicyChanged',
  resourceWriteSuccess: 'Microsoft.Resources.ResourceWriteSuccess',
  resourceDeleteSuccess: 'Microsoft.Resources.ResourceDeleteSuccess',
} as const;

const armBase = 'https://management.azure.com';
const apiVersions: Record<string, string> = {
  'Microsoft.KeyVault': '2023-07-01',
  'Microsoft.Authorization': '2022-04-01',
};

/**
 * None for a change in a Managed HSM: Event Grid has no Managed HSM source (its Key Vault topic type is
 * Microsoft.KeyVault.vaults), so a new key version, a key nearing expiry or any other change there reaches the monitor
 * at its next scan only. (The double serves no ARM write to an HSM, whose Microsoft.Resources events it would owe.)
 */
export function eventsFor(change: DoubleChange, state: DoubleState): EventGridEvent[] {
  if (inManagedHsm(change)) return [];
  switch (change.kind) {
    case 'keyVersionCreated':
      return [keyEvent(state, change.vault, change.keyName, eventTypes.keyNewVersionCreated, change.version)];
    case 'keyVersionUpdated':
    case 'rotationPolicyUpdated':
    case 'keyDeleted':
    case 'keyRecovered':
      return [];
    case 'vaultWritten': {
      const vaultId = state.vaultId(change.vault);
      const write = armEvent(state, 'write', 'Microsoft.KeyVault', 'vaults', vaultId);
      return change.accessPoliciesChanged ? [accessPolicyEvent(state, change.vault), write] : [write];
    }
    case 'vaultDeleted':
      return [armEvent(state, 'delete', 'Microsoft.KeyVault', 'vaults', change.vaultId)];
    case 'roleAssignmentWritten':
      return [armEvent(state, 'write', 'Microsoft.Authorization', 'roleAssignments', change.assignment.id)];
    case 'roleAssignmentDeleted':
      return [armEvent(state, 'delete', 'Microsoft.Authorization', 'roleAssignments', change.assignment.id)];
  }
}

function inManagedHsm(change: DoubleChange): boolean {
  if ('vault' in change) return change.vault.type === 'managedHsm';
  return (
    change.kind === 'vaultDeleted' &&
    change.vaultId.toLowerCase().includes(`/providers/${vaultResourceTypes.managedHsm.toLowerCase()}/`)
  );
}

export function toCloudEvent(event: EventGridEvent): CloudEvent {
  return {
    id: event.id,
    source: event.topic,
    subject: event.subject,
    type: event.eventType,
    time: event.eventTime,
    data: event.data,
    specversion: '1.0',
    datacontenttype: 'application/json',
  };
}

function keyEvent(
  state: DoubleState,
  vault: VaultState,
  keyName: string,
  eventType: string,
  version: KeyVersionState | null,
): EventGridEvent {
  return {
    ...envelope(state, state.vaultId(vault), keyName, eventType, '1'),
    data: {
      Id: version ? `${vault.uri}keys/${keyName}/${version.id}` : `${vault.uri}keys/${keyName}`,
      VaultName: vault.name,
      ObjectType: 'Key',
      ObjectName: keyName,
      Version: version?.id ?? null,
      NBF: unixSeconds(version?.notBefore ?? null),
      EXP: unixSeconds(version?.expiresOn ?? null),
    },
  };
}

function accessPolicyEvent(state: DoubleState, vault: VaultState): EventGridEvent {
  return {
    ...envelope(state, state.vaultId(vault), vault.name, eventTypes.vaultAccessPolicyChanged, '1'),
    data: {
      Id: vault.uri,
      VaultName: vault.name,
      ObjectType: 'Vault',
      ObjectName: vault.name,
      Version: null,
      NBF: null,
      EXP: null,
    },
  };
}

/** On the system topic of the subscription the resource lives in. */
function armEvent(
  state: DoubleState,
  operation: 'write' | 'delete',
  provider: string,
  resourceType: string,
  resourceUri: string,
): EventGridEvent {
  const action = `${provider}/${resourceType}/${operation}`;
  const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(resourceUri)?.[1] ?? state.subscriptionId;
  return {
    ...envelope(
      state,
      subscriptionScope(subscriptionId),
      resourceUri,
      operation === 'write' ? eventTypes.resourceWriteSuccess : eventTypes.resourceDeleteSuccess,
      '2',
    ),
    data: {
      resourceProvider: provider,
      resourceUri,
      operationName: action,
      status: 'Succeeded',
      subscriptionId,
      tenantId: state.tenantId,
      authorization: { scope: resourceUri, action, evidence: { role: 'Owner' } },
      claims: {},
      correlationId: randomUUID(),
      httpRequest: {
        clientRequestId: randomUUID(),
        clientIpAddress: '127.0.0.1',
        method: operation === 'write' ? 'PUT' : 'DELETE',
        url: `${armBase}${resourceUri}?api-version=${apiVersions[provider] ?? ''}`,
      },
    },
  };
}

function envelope(
  state: DoubleState,
  topic: string,
  subject: string,
  eventType: string,
  dataVersion: string,
): Omit<EventGridEvent, 'data'> {
  return {
    id: randomUUID(),
    topic,
    subject,
    eventType,
    eventTime: state.now().toISOString(),
    dataVersion,
    metadataVersion: '1',
  };
}

function unixSeconds(date: Date | null): number | null {
  return date === null ? null : Math.floor(date.getTime() / 1000);
}
