/** Event payloads as Event Grid delivers them, for tests that craft their own (duplicates, reordering, bad input). */
import { randomUUID } from 'node:crypto';
import type { AzureDouble } from '../../sandbox/double/index.js';

export function keyVaultEvent(
  double: AzureDouble,
  type: string,
  vaultName: string,
  keyName: string,
  versionId: string | null = null,
) {
  const vault = double.state.requireVault(vaultName);
  const version = versionId ? double.state.requireKeyVersion(vaultName, keyName, versionId) : null;
  const seconds = (date: Date | null | undefined) => (date ? Math.floor(date.getTime() / 1000) : null);
  return {
    id: randomUUID(),
    topic: double.state.vaultId(vault),
    subject: keyName,
    eventType: `Microsoft.KeyVault.${type}`,
    eventTime: new Date().toISOString(),
    data: {
      Id: `${vault.uri}keys/${keyName}${versionId ? `/${versionId}` : ''}`,
      VaultName: vault.name,
      ObjectType: 'Key',
      ObjectName: keyName,
      Version: versionId,
      NBF: seconds(version?.notBefore),
      EXP: seconds(version?.expiresOn),
    },
    dataVersion: '1',
    metadataVersion: '1',
  };
}

export function roleAssignmentEvent(double: AzureDouble, assignmentId: string, operation: 'write' | 'delete') {
  return {
    id: randomUUID(),
    topic: `/subscriptions/${double.subscriptionId}`,
    subject: assignmentId,
    eventType:
      operation === 'write' ? 'Microsoft.Resources.ResourceWriteSuccess' : 'Microsoft.Resources.ResourceDeleteSuccess',
    eventTime: new Date().toISOString(),
    data: {
      resourceProvider: 'Microsoft.Authorization',
      resourceUri: assignmentId,
      operationName: `Microsoft.Authorization/roleAssignments/${operation}`,
      status: 'Succeeded',
      subscriptionId: double.subscriptionId,
      authorization: {
        scope: assignmentId,
        action: `Microsoft.Authorization/roleAssignments/${operation}`,
        evidence: { role: 'Owner' },
      },
    },
    dataVersion: '2',
    metadataVersion: '1',
  };
}

export function asCloudEvent(event: {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: unknown;
}) {
  return {
    specversion: '1.0',
    id: event.id,
    source: event.topic,
    subject: event.subject,
    type: event.eventType,
    time: event.eventTime,
    data: event.data,
  };
}
