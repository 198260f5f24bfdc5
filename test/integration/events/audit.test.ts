import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { InvocationContext } from '@azure/functions';
import { ManagedIdentityCredential } from '@azure/identity';
import { KeyClient } from '@azure/keyvault-keys';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuditHandler } from '../../../functions/auditEvents.js';
import { readHealth } from '../../../shared/application/views/statusQueries.js';
import type { AuditRecord } from '../../../sandbox/double/auditLog.js';
import { adminIdentity } from '../../../sandbox/double/identity.js';
import { startWorld } from '../../support/world.js';
import { environments, principals, scanScenario } from '../scan/scenario.js';

const armScope = 'https://management.azure.com/.default';
const minute = 60_000;

/**
 * The tenant of the scan tests, scanned once, with Key Vault's audit records gathered as the double writes them. One
 * per file: the monitor's credential reads the managed identity endpoint once per process.
 */
async function auditedWorld() {
  const world = await startWorld(scanScenario());
  const records: AuditRecord[] = [];
  world.double.auditLog.onRecord((record) => records.push(record));
  // A key vault administrator's own identity: its changes are not the monitor's, which the audit path ignores.
  const admin = new ManagedIdentityCredential({ clientId: adminIdentity.clientId });
  const tlsOptions = { ca: world.double.ca };
  const keys = new KeyClient(world.double.vaultUris['kv-main'] ?? '', admin, {
    tlsOptions,
    disableChallengeResourceVerification: true,
  });
  const authorization = new AuthorizationManagementClient(admin, world.double.subscriptionId, {
    endpoint: world.double.armEndpoint,
    tlsOptions,
    credentialScopes: [armScope],
  });
  const log: string[] = [];
  /** Everything logged since the last delivery, in one Event Hub message, through the production function. */
  const deliver = async (messages: unknown[] = [{ records: records.splice(0) }]) => {
    const context = new InvocationContext({
      invocationId: 'test',
      functionName: 'keyVaultAuditEvents',
      logHandler: (level, ...args) => log.push(`${level}: ${args.join(' ')}`),
    });
    await createAuditHandler(() => world.services)(messages, context);
  };
  const statusOf = async (environmentId: string) => {
    const stored = await (await world.services.stores()).statuses.get(environmentId);
    return {
      status: stored?.value.status,
      rules: stored?.value.findings.map((finding) => finding.rule) ?? [],
      messages: stored?.value.findings.map((finding) => finding.message),
    };
  };
  await world.services.scan(() => undefined);
  records.length = 0;
  return { world, records, keys, authorization, log, deliver, statusOf };
}

describe('Key Vault audit records', () => {
  let audited: Awaited<ReturnType<typeof auditedWorld>>;
  beforeAll(async () => {
    audited = await auditedWorld();
  });
  afterAll(() => audited?.world.stop());
  beforeEach(() => {
    audited.records.length = 0;
    audited.log.length = 0;
  });

  it("re-reads nothing for the monitor's own reads, so a scan never feeds back", async () => {
    await audited.world.services.scan(() => undefined);
    expect(audited.records.length).toBeGreaterThan(0);
    expect(audited.records.every((record) => record.identity?.claim.appid !== adminIdentity.clientId)).toBe(true);
    await audited.deliver();
    expect(audited.log.at(-1)).toMatch(/ 0 keys or vaults re-read, .*; \d+ ignored, 0 rejected$/);
    // Any batch is a sign the stream works: the health page says when the last one came.
    const health = await readHealth(await audited.world.services.stores());
    expect(Date.now() - Date.parse(health.audit.lastBatchAt ?? '')).toBeLessThan(60_000);
  });

  it('takes environments down when the current key version is disabled through KeyClient, and back up when enabled', async () => {
    const { keys, deliver, statusOf, world } = audited;
    const version = world.double.state.versionIds('kv-main', 'k-healthy').at(-1) ?? '';
    await keys.updateKeyProperties('k-healthy', version, { enabled: false });
    await deliver();
    for (const id of environments.shared)
      expect(await statusOf(id)).toMatchObject({
        status: 'outage',
        rules: expect.arrayContaining(['key-disabled']) as unknown,
      });
    const history = await (await world.services.stores()).statuses.history(environments.shared[0] ?? '');
    expect(history).toContainEqual(expect.objectContaining({ to: 'outage', source: 'AuditEvent.KeyUpdate' }));

    await keys.updateKeyProperties('k-healthy', version, { enabled: true });
    await deliver();
    expect((await statusOf(environments.shared[0] ?? '')).status).toBe('healthy');
  });

  it("raises key-access-failing from Power Platform's refused calls when a role assignment is revoked, and clears once access is back and quiet", async () => {
    const { authorization, deliver, statusOf, world } = audited;
    const grant = world.double.state.roleAssignments.find(
      (assignment) => assignment.principalId === principals.healthy,
    );
    await authorization.roleAssignments.deleteById(grant?.id ?? '');
    world.double.callPolicyKeys();
    await deliver();
    const down = await statusOf(environments.shared[0] ?? '');
    expect(down).toMatchObject({
      status: 'outage',
      rules: expect.arrayContaining(['key-access-failing', 'access-revoked']) as unknown,
    });

    await authorization.roleAssignments.create(grant?.scope ?? '', grant?.name ?? '', {
      roleDefinitionId: grant?.roleDefinitionId ?? '',
      principalId: principals.healthy,
    });
    world.double.callPolicyKeys();
    await deliver();
    // Access is back, but the refusals are too recent to call it over.
    expect(await statusOf(environments.shared[0] ?? '')).toMatchObject({
      status: 'outage',
      rules: ['key-access-failing'],
    });
    await world.services.scan(() => undefined, new Date(Date.now() + 31 * minute));
    expect((await statusOf(environments.shared[0] ?? '')).status).toBe('healthy');
  });

  it('changes nothing for a duplicate batch, and reads the truth whatever order records come in', async () => {
    const { keys, deliver, statusOf, world, records } = audited;
    const version = world.double.state.versionIds('kv-main', 'k-expiring').at(-1) ?? '';
    await keys.updateKeyProperties('k-expiring', version, { enabled: false });
    await keys.updateKeyProperties('k-expiring', version, { enabled: true });
    const batch = records.splice(0);
    await deliver([{ records: [...batch].reverse() }]);
    const { statuses } = await world.services.stores();
    const before = await statuses.history(environments.expiring);
    await deliver([{ records: batch }]);
    expect(await statuses.history(environments.expiring)).toEqual(before);
    expect(await statusOf(environments.expiring)).toMatchObject({ status: 'warning', rules: ['key-expiring'] });
  });

  it('keeps a malformed record with its reason and handles the rest of the batch', async () => {
    const { keys, deliver, statusOf, world, records } = audited;
    const version = world.double.state.versionIds('kv-main', 'k-expiring').at(-1) ?? '';
    await keys.updateKeyProperties('k-expiring', version, { enabled: false });
    const { resourceId: _missing, ...noResource } = records[0] as AuditRecord;
    await deliver(['{"records": [', { records: [noResource, 'KeyUpdate', ...records.splice(0)] }]);
    expect(await statusOf(environments.expiring)).toMatchObject({
      status: 'outage',
      rules: expect.arrayContaining(['key-disabled']) as unknown,
    });
    const rejected = await (await world.services.stores()).events.rejected(new Date());
    expect(rejected.map((event) => event.reason)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('message: expected JSON'),
        expect.stringMatching(/^record\.resourceId: /),
        'record: expected an object',
      ]),
    );
    await keys.updateKeyProperties('k-expiring', version, { enabled: true });
    await deliver();
  });

  it('takes the environments of a key deleted through KeyClient down, and Power Platform sees its calls refused', async () => {
    const { keys, deliver, statusOf, world } = audited;
    await (await keys.beginDeleteKey('k-expiring')).pollUntilDone();
    world.double.callPolicyKeys();
    await deliver();
    expect(await statusOf(environments.expiring)).toMatchObject({
      status: 'outage',
      rules: expect.arrayContaining(['key-missing', 'key-access-failing']) as unknown,
    });
    expect((await statusOf(environments.shared[0] ?? '')).rules).not.toContain('key-missing');
  });
});
