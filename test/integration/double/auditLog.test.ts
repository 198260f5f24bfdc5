/** The double's Key Vault audit log: what the real clients' calls and Power Platform's leave, and how it is streamed. */
import { ManagedIdentityCredential } from '@azure/identity';
import { KeyClient } from '@azure/keyvault-keys';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readAuditRecord } from '../../../shared/adapters/events/auditRecord.js';
import type { AuditRecord } from '../../../sandbox/double/auditLog.js';
import { adminIdentity, monitorIdentity } from '../../../sandbox/double/identity.js';
import { startAzureDouble, type AzureDouble } from '../../../sandbox/double/index.js';
import { powerPlatformAppId } from '../../../sandbox/double/powerPlatformCalls.js';
import { parseScenario } from '../../../sandbox/scenario.js';
import { startReceiver } from '../../support/receiver.js';
import { principals, scanScenario } from '../scan/scenario.js';

/** The host's Event Hub path: takes batches of messages, fails the next ones on demand. */
class Hub {
  readonly deliveries: { records: AuditRecord[] }[][] = [];
  failures: number[] = [];
  url = '';
  private receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

  async start(): Promise<void> {
    this.receiver = await startReceiver((_req, body, res) => {
      const failure = this.failures.shift();
      if (failure) return void res.writeHead(failure).end();
      this.deliveries.push(JSON.parse(body) as { records: AuditRecord[] }[]);
      res.writeHead(200).end();
    });
    this.url = `${this.receiver.url}/runtime/webhooks/eventhub`;
  }

  records(): AuditRecord[] {
    return this.deliveries.flat().flatMap((message) => message.records);
  }

  stop(): Promise<void> {
    return this.receiver?.stop() ?? Promise.resolve();
  }
}

const hub = new Hub();
let double: AzureDouble;
let keys: KeyClient;
const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

beforeAll(async () => {
  await hub.start();
  double = await startAzureDouble({
    scenario: parseScenario(scanScenario()),
    audit: { url: hub.url, delayMs: 0, retryDelaysMs: [10] },
  });
  process.env.IDENTITY_ENDPOINT = double.identityEndpoint;
  process.env.IDENTITY_HEADER = double.identityHeader;
  keys = new KeyClient(
    double.vaultUris['kv-main'] ?? '',
    new ManagedIdentityCredential({ clientId: adminIdentity.clientId }),
    {
      tlsOptions: { ca: double.ca },
      disableChallengeResourceVerification: true,
    },
  );
});
afterAll(async () => {
  await double?.stop();
  await hub.stop();
  process.env.IDENTITY_ENDPOINT = saved.endpoint;
  process.env.IDENTITY_HEADER = saved.header;
});
beforeEach(async () => {
  await double.auditSettled();
  hub.deliveries.length = 0;
  hub.failures = [];
});

describe("the double's Key Vault audit log", () => {
  it('logs a call through KeyClient with its caller, its key and its status, after the 401 challenge', async () => {
    const version = double.state.versionIds('kv-main', 'k-healthy').at(-1) ?? '';
    await keys.updateKeyProperties('k-healthy', version, { enabled: false });
    await double.auditSettled();
    const [challenge, update] = hub.records();
    expect(challenge).toMatchObject({ operationName: 'Authentication', properties: { httpStatusCode: 401 } });
    expect(challenge).not.toHaveProperty('identity');
    expect(update).toMatchObject({
      resourceId: double.state.vaultId(double.state.requireVault('kv-main')).toUpperCase(),
      operationName: 'KeyUpdate',
      category: 'AuditEvent',
      resultType: 'Success',
      resultSignature: 'OK',
      durationMs: expect.stringMatching(/^\d+$/) as unknown,
      identity: { claim: { oid: adminIdentity.principalId, appid: adminIdentity.clientId } },
      properties: { id: `${double.vaultUris['kv-main']}keys/k-healthy/${version}`, httpStatusCode: 200 },
    });
    expect(readAuditRecord(update, monitorIdentity.clientId, new Date())).toMatchObject({
      kind: 'hint',
      hint: { keyName: 'k-healthy', version },
    });
    await keys.updateKeyProperties('k-healthy', version, { enabled: true });
  });

  it("logs Power Platform's get, wrap and unwrap under each policy identity, refused once its access is gone", async () => {
    double.callPolicyKeys();
    await double.auditSettled();
    const healthy = hub.records().filter((record) => record.identity?.claim.oid === principals.healthy);
    expect(healthy.map((record) => [record.operationName, record.properties.httpStatusCode])).toEqual([
      ['KeyGet', 200],
      ['KeyWrap', 200],
      ['KeyUnwrap', 200],
    ]);
    expect(healthy[0]?.identity?.claim.appid).toBe(powerPlatformAppId);
    const disabled = hub.records().filter((record) => record.identity?.claim.oid === principals.disabled);
    expect(disabled.map((record) => [record.operationName, record.properties.httpStatusCode])).toEqual([
      ['KeyGet', 200],
      ['KeyWrap', 403],
      ['KeyUnwrap', 403],
    ]);

    hub.deliveries.length = 0;
    const grant = double.state.roleAssignments.find((assignment) => assignment.principalId === principals.healthy);
    double.state.deleteRoleAssignment(grant?.id ?? '');
    double.state.setVault('kv-legacy', { publicNetworkAccess: 'Disabled', trustedServicesBypass: false });
    double.callPolicyKeys();
    await double.auditSettled();
    const refused = (principal: string) =>
      hub
        .records()
        .filter((record) => record.identity?.claim.oid === principal)
        .map((record) => record.properties.httpStatusCode);
    expect(refused(principals.healthy)).toEqual([403, 403, 403]);
    expect(refused(principals.legacy)).toEqual([403, 403, 403]);
    expect(hub.records().find((record) => record.identity?.claim.oid === principals.legacy)?.resultDescription).toMatch(
      /not a trusted service/,
    );
    if (grant) double.state.putRoleAssignment(grant);
    double.state.setVault('kv-legacy', { publicNetworkAccess: 'Enabled', trustedServicesBypass: true });
  });

  it('delivers a batch the host fails again, in order, before anything after it', async () => {
    hub.failures = [500];
    double.callPolicyKeys();
    await double.auditSettled();
    expect(hub.deliveries).toHaveLength(1);
    const records = hub.records();
    expect(records.length).toBeGreaterThan(3);
    expect(records.map((record) => record.time)).toEqual(records.map((record) => record.time).sort());
    expect(
      records.every((record) => readAuditRecord(record, monitorIdentity.clientId, new Date()).kind !== 'rejected'),
    ).toBe(true);
  });
});
