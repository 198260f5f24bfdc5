/**
 * Key Vault's diagnostic log (category AuditEvent) as a diagnostic setting streams it: one record per data-plane call,
 * with the caller's object and application ids and the HTTP status, and one per change made through Resource Manager
 * (learn.microsoft.com/azure/key-vault/general/logging: the record fields and the operation names). A refused call is
 * logged with `resultType` "Success" and its status in `properties.httpStatusCode`, as real records show. The double
 * logs nothing for a Managed HSM (its logs are not read by the monitor), nor for role assignments (Resource Manager's
 * activity log, not Key Vault's).
 */
import { STATUS_CODES } from 'node:http';
import { adminIdentity, claimsOf } from './identity.js';
import { requestScope } from './requestScope.js';
import type { Exchange } from './server.js';
import type { DoubleChange, DoubleState, VaultState } from './state.js';

export interface AuditRecord {
  time: string;
  resourceId: string;
  operationName: string;
  operationVersion: string;
  category: 'AuditEvent';
  resultType: 'Success';
  resultSignature: string;
  resultDescription?: string;
  durationMs: string;
  callerIpAddress: string;
  correlationId: string;
  identity?: { claim: { oid: string; appid: string } };
  properties: { id?: string; requestUri: string; httpStatusCode: number; clientInfo: string };
}

type Caller = { oid: string; appid: string };

/** The data plane's route kinds, by the operation name Key Vault logs for them. */
const operations: Record<string, string> = {
  'keyvault.listKeys': 'KeyList',
  'keyvault.listKeyVersions': 'KeyListVersions',
  'keyvault.getRotationPolicy': 'KeyRotationPolicyGet',
  'keyvault.updateRotationPolicy': 'KeyRotationPolicySet',
  'keyvault.createKey': 'KeyCreate',
  'keyvault.rotateKey': 'KeyRotate',
  'keyvault.getKey': 'KeyGet',
  'keyvault.updateKey': 'KeyUpdate',
  'keyvault.deleteKey': 'KeyDelete',
  'keyvault.getDeletedKey': 'KeyGetDeleted',
  'keyvault.recoverDeletedKey': 'KeyRecover',
};
const dataPlaneVersion = '7.5';
const armVersion = '2023-07-01';

export class AuditLog {
  private readonly listeners = new Set<(record: AuditRecord) => void>();

  constructor(private readonly state: DoubleState) {}

  onRecord(listener: (record: AuditRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A call to a vault's data plane, as it was answered; a call without a token is logged as `Authentication`. */
  dataPlane(vaultName: string, exchange: Exchange): void {
    const vault = this.state.vault(vaultName);
    // The double takes any bearer token; only one it issued names the caller.
    const caller = claimsOf(exchange.headers.authorization);
    const operation = /^Bearer\s+\S+/i.test(exchange.headers.authorization ?? '')
      ? operations[exchange.kind]
      : 'Authentication';
    if (!vault || !operation) return;
    const keyPath = /^\/(?:keys|deletedkeys)\/[^/]+(?:\/[0-9a-f]{32})?/i.exec(exchange.url.pathname)?.[0];
    this.write(
      vault,
      operation,
      exchange.reply.status,
      caller,
      `${exchange.url.pathname.replace(/^\//, '')}${exchange.url.search}`,
      keyPath ? `${vault.uri}${keyPath.slice(1)}` : undefined,
    );
  }

  /** A change made outside the data plane: through Resource Manager, or on the state directly (an admin's change). */
  change(change: DoubleChange): void {
    const scope = requestScope.getStore();
    if (scope?.service === 'keyvault') return; // logged by dataPlane() with its answer
    const caller = scope?.caller ?? { oid: adminIdentity.principalId, appid: adminIdentity.clientId };
    const key = (vault: VaultState, keyName: string, operation: string, version?: string) =>
      this.write(
        vault,
        operation,
        200,
        caller,
        `keys/${keyName}${version ? `/${version}` : ''}?api-version=${dataPlaneVersion}`,
        `${vault.uri}keys/${keyName}${version ? `/${version}` : ''}`,
      );
    switch (change.kind) {
      case 'keyVersionCreated':
        return key(change.vault, change.keyName, 'KeyCreate', change.version.id);
      case 'keyVersionUpdated':
        return key(change.vault, change.keyName, 'KeyUpdate', change.version.id);
      case 'keyDeleted':
        return key(change.vault, change.keyName, 'KeyDelete');
      case 'keyRecovered':
        return key(change.vault, change.keyName, 'KeyRecover');
      case 'rotationPolicyUpdated':
        return key(change.vault, change.keyName, 'KeyRotationPolicySet');
      case 'vaultWritten': {
        const vaultPath = `${this.state.vaultId(change.vault).slice(1)}?api-version=${armVersion}`;
        this.write(
          change.vault,
          scope?.method === 'PUT' ? 'VaultPut' : 'VaultPatch',
          200,
          caller,
          vaultPath,
          change.vault.uri,
        );
        if (change.accessPoliciesChanged)
          this.write(
            change.vault,
            'VaultAccessPolicyChangedEventGridNotification',
            200,
            null,
            vaultPath,
            change.vault.uri,
          );
        return;
      }
      case 'vaultDeleted':
      case 'roleAssignmentWritten':
      case 'roleAssignmentDeleted':
        return;
    }
  }

  /** A record of `operation` on `vault`, answered `status`, by `caller` (null: Key Vault itself). */
  write(
    vault: VaultState,
    operation: string,
    status: number,
    caller: Caller | null,
    requestPath: string,
    id?: string,
    description?: string,
  ): void {
    if (vault.type === 'managedHsm') return;
    const record: AuditRecord = {
      time: this.state.now().toISOString(),
      resourceId: this.state.vaultId(vault).toUpperCase(),
      operationName: operation,
      operationVersion: /api-version=([^&]+)/.exec(requestPath)?.[1] ?? dataPlaneVersion,
      category: 'AuditEvent',
      resultType: 'Success',
      resultSignature: STATUS_CODES[status] ?? String(status),
      ...(description ? { resultDescription: description } : {}),
      durationMs: '1',
      callerIpAddress: '127.0.0.1',
      correlationId: '',
      ...(caller ? { identity: { claim: { oid: caller.oid, appid: caller.appid } } } : {}),
      properties: {
        ...(id ? { id } : {}),
        requestUri: `${vault.uri}${requestPath}`,
        httpStatusCode: status,
        clientInfo: 'azure-double',
      },
    };
    for (const listener of this.listeners) listener(record);
  }
}
