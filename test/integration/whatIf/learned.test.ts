/**
 * What the monitor learns between scans reaches the what-if: the chain an Event Grid event or a Key Vault audit record
 * made it re-read is in the picture, and a change that gives a refused identity its access back is predicted to clear
 * key-access-failing once Power Platform's calls succeed, which the double's calls and a scan then confirm. The changes
 * go to the double through the real SDK clients, the events and records through the production functions.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import { InvocationContext, type EventGridEvent } from '@azure/functions';
import { ManagedIdentityCredential } from '@azure/identity';
import { KeyClient } from '@azure/keyvault-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditHandler } from '../../../functions/auditEvents.js';
import { createEventHandler } from '../../../functions/events.js';
import type { WhatIfAnswer } from '../../../shared/application/whatIf.js';
import type { Change } from '../../../shared/domain/whatIf/changes.js';
import type { AuditRecord } from '../../../sandbox/double/auditLog.js';
import { adminIdentity } from '../../../sandbox/double/identity.js';
import { roleAssignmentEvent } from '../../support/eventPayloads.js';
import { startWorld, type World } from '../../support/world.js';

const armScope = 'https://management.azure.com/.default';
const cryptoServiceEncryptionUser = 'e147488a-f6f5-4113-8e2d-b22465e65bf6';
const minute = 60_000;

let world: World;
/** A key vault administrator's own identity: the audit path leaves the monitor's own calls alone. */
let admin: ManagedIdentityCredential;
let environments: { id: string; displayName: string }[];
const records: AuditRecord[] = [];

beforeAll(async () => {
  const scenario = JSON.parse(
    await readFile(new URL('../../../sandbox/scenarios/demo.json', import.meta.url), 'utf8'),
  ) as { environments: typeof environments };
  environments = scenario.environments;
  world = await startWorld(scenario);
  admin = new ManagedIdentityCredential({ clientId: adminIdentity.clientId });
  world.double.auditLog.onRecord((record) => records.push(record));
  await world.services.scan(() => undefined);
});
afterAll(() => world?.stop());

const tlsOptions = () => ({ ca: world.double.ca });
const keys = (vault: string) =>
  new KeyClient(world.double.vaultUris[vault] ?? '', admin, {
    tlsOptions: tlsOptions(),
    disableChallengeResourceVerification: true,
  });
const vaults = () =>
  new KeyVaultManagementClient(admin, world.double.subscriptionId, {
    endpoint: world.double.armEndpoint,
    tlsOptions: tlsOptions(),
  });
const authorization = () =>
  new AuthorizationManagementClient(admin, world.double.subscriptionId, {
    endpoint: world.double.armEndpoint,
    tlsOptions: tlsOptions(),
    credentialScopes: [armScope],
  });
const context = (functionName: string) =>
  new InvocationContext({ invocationId: 'test', functionName, logHandler: () => undefined });
/** Every record Key Vault logged since the last delivery, in one Event Hub message, through the production function. */
const deliverAudit = () =>
  createAuditHandler(() => world.services)([{ records: records.splice(0) }], context('keyVaultAuditEvents'));
const deliverEvent = (event: unknown) =>
  createEventHandler(() => world.services)(event as EventGridEvent, context('resourceEvents'));
const principalOf = (policy: string) => world.double.state.policy(policy)?.principalId ?? '';
/** The environments behind a policy, by display name. */
const behind = (policy: string) =>
  environments
    .filter((e) => world.double.state.environment(e.id)?.policyName === policy)
    .map((e) => e.displayName)
    .sort();
const restoreGrant = (principalId: string, scope: string) =>
  authorization().roleAssignments.create(scope, randomUUID(), {
    principalId,
    roleDefinitionId: `/subscriptions/${world.double.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${cryptoServiceEncryptionUser}`,
    principalType: 'ServicePrincipal',
  });

/** The HR identity's key permissions on its access-policy vault, replaced through Resource Manager. */
const setHrKeys = (keyPermissions: string[]) =>
  vaults().vaults.updateAccessPolicy(
    world.double.state.requireVault('kv-contoso-hr-eu').resourceGroup,
    'kv-contoso-hr-eu',
    'replace',
    {
      properties: {
        accessPolicies: [
          {
            tenantId: world.double.tenantId,
            objectId: principalOf('cmk-europe-hr'),
            permissions: { keys: keyPermissions },
          },
        ],
      },
    },
  );

async function statuses() {
  const { statuses: store } = await world.services.stores();
  return new Map([...(await store.list())].map(([id, { value }]) => [id, value]));
}

async function answer(changes: Change[]): Promise<WhatIfAnswer> {
  const result = await world.services.whatIf(changes);
  if (!result.ok) throw new Error(`${result.path}: ${result.message}`);
  return result.answer;
}

const evaluated = (status: { status: string; findings: { rule: string; severity: string }[] } | undefined) =>
  status ? { status: status.status, findings: status.findings.map((f) => `${f.rule}:${f.severity}`) } : undefined;

describe('the picture holds what events and audit records re-read', () => {
  it('after an audit record of a disabled version: enabling it is predicted to bring the environments back', async () => {
    const version = world.double.state.versionIds('kv-contoso-hr-eu', 'pp-key-hr').at(-1) ?? '';
    await keys('kv-contoso-hr-eu').updateKeyProperties('pp-key-hr', version, { enabled: false });
    await deliverAudit();
    const hr = behind('cmk-europe-hr');
    expect(
      [...(await statuses()).values()].filter((s) => s.status === 'outage' && hr.includes(s.displayName)),
    ).toHaveLength(3);

    const predicted = await answer([
      { action: 'enableKeyVersion', vault: 'kv-contoso-hr-eu', key: 'pp-key-hr', version },
    ]);
    expect(predicted.environments.map((e) => [e.displayName, e.now.status, e.after.status]).sort()).toEqual(
      hr.map((name) => [name, 'outage', 'healthy']),
    );
    expect(predicted.picture).toMatchObject({ stale: false, staleReason: null });

    await keys('kv-contoso-hr-eu').updateKeyProperties('pp-key-hr', version, { enabled: true });
    await deliverAudit();
  });

  it('after an Event Grid event of a deleted role assignment: adding it back is predicted to bring the environments back', async () => {
    const principalId = principalOf('cmk-europe-prod');
    const grant = world.double.state.roleAssignments.find(
      (a) => a.principalId.toLowerCase() === principalId.toLowerCase(),
    );
    if (!grant) throw new Error('the demo tenant has no role assignment for cmk-europe-prod');
    await authorization().roleAssignments.deleteById(grant.id);
    await deliverEvent(roleAssignmentEvent(world.double, grant.id, 'delete'));

    const predicted = await answer([
      { action: 'addRoleAssignment', principalId, scope: grant.scope, roleDefinitionId: cryptoServiceEncryptionUser },
    ]);
    expect(predicted.environments.map((e) => [e.displayName, e.removed.map((f) => f.rule)]).sort()).toEqual(
      behind('cmk-europe-prod').map((name) => [name, ['access-revoked']]),
    );
    expect(predicted.picture.stale).toBe(false);

    const restored = await restoreGrant(principalId, grant.scope);
    await deliverEvent(roleAssignmentEvent(world.double, restored.id ?? '', 'write'));
  });
});

describe("a change that ends Power Platform's refused calls", () => {
  it('is predicted to clear key-access-failing at its next successful call, as the calls and the scan then show', async () => {
    await setHrKeys(['get']);
    world.double.callPolicyKeys();
    await deliverAudit();
    const hr = behind('cmk-europe-hr');
    for (const name of hr) {
      expect(
        [...(await statuses()).values()].find((s) => s.displayName === name)?.findings.map((f) => f.rule),
        name,
      ).toEqual(expect.arrayContaining(['key-access-failing', 'access-revoked']));
    }

    const predicted = await answer([
      {
        action: 'setAccessPolicy',
        vault: 'kv-contoso-hr-eu',
        principalId: principalOf('cmk-europe-hr'),
        keyPermissions: ['get', 'wrapKey', 'unwrapKey'],
      },
    ]);
    expect(
      predicted.environments
        .map((e) => [e.displayName, e.after.status, e.removed.map((f) => f.rule), e.conditions])
        .sort(),
    ).toEqual(
      hr.map((name) => [
        name,
        'healthy',
        ['key-access-failing', 'access-revoked'],
        [
          "key-access-failing clears only once Power Platform's next call with the key succeeds: the monitor drops it when no refused call has reached the audit hub for 30 minutes and it has read the chain back.",
        ],
      ]),
    );
    expect(predicted.summary).toBe(
      "3 environments would improve; key-access-failing would clear for 3 environments once Power Platform's next call with the key succeeds.",
    );

    await setHrKeys(['get', 'wrapKey', 'unwrapKey']);
    world.double.callPolicyKeys();
    await deliverAudit();
    // Power Platform's calls succeed again; the refusals are recent, so the finding holds until the quiet period ends.
    for (const name of hr)
      expect(
        [...(await statuses()).values()].find((s) => s.displayName === name)?.findings.map((f) => f.rule),
        name,
      ).toContain('key-access-failing');
    await world.services.scan(() => undefined, new Date(Date.now() + 31 * minute));
    const after = await statuses();
    for (const { environmentId, displayName, after: expected } of predicted.environments)
      expect(evaluated(after.get(environmentId)), displayName).toEqual(evaluated(expected));
  });
});
