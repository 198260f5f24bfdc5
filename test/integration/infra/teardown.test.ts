/**
 * `npm run infra:teardown` and the predown hook, run as azd runs them, against the Azure double: a tenant the monitor
 * was deployed into, with its roles, access policy and event subscriptions outside its resource group beside others'.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseScenario } from '../../../sandbox/scenario.js';
import {
  contoso,
  hasPwsh,
  monitor,
  contosoTopic,
  euVault,
  euVaultTopic,
  expectedVaults,
  keysUs,
  policiesUs,
  roles,
  scenario,
  startDeployTenant,
  usVault,
  type DeployTenant,
  type Run,
} from './tenant.js';

const securityTeam = 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e';
const mailSubscription = 'e5d4c3b2-a1f0-4e9d-8c7b-6a5f4e3d2c1b';
const mailVault = `/subscriptions/${mailSubscription}/resourceGroups/rg-mail/providers/Microsoft.KeyVault/vaults/kv-mail`;
const smtpSecret = `${mailVault}/secrets/smtp-password`;
const role = {
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  keyVaultReader: '21090545-7ca7-4776-b22c-e363652d74d2',
  secretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
};

const deployed = parseScenario({
  ...scenario,
  vaults: [
    ...scenario.vaults.map((vault) => {
      if (vault.name === 'kv-eu-prod') {
        return {
          ...vault,
          eventSubscriptions: ['cmk-monitor-cmk-prod', 'cmk-monitor-cmk-test', 'siem-export'],
          diagnosticSettings: ['cmk-monitor-cmk-prod', 'siem-archive'],
        };
      }
      if (vault.name === 'kv-us-hr') {
        return {
          ...vault,
          accessPolicies: [
            { objectId: securityTeam, keys: ['get', 'list'] },
            // As Azure may return them: not in the lower case the template sent.
            { objectId: monitor, keys: ['Get', 'List', 'GetRotationPolicy'] },
          ],
        };
      }
      return vault;
    }),
    {
      ...scenario.vaults[0],
      name: 'kv-mail',
      resourceGroup: 'rg-mail',
      subscriptionId: mailSubscription,
      systemTopic: undefined,
      keys: [],
    },
  ],
  subscriptionTopics: [
    { name: 'contoso-arm', resourceGroup: 'rg-events', eventSubscriptions: ['cmk-monitor-cmk-prod'] },
  ],
  roleAssignments: [
    ...[contoso, policiesUs, keysUs].map((subscriptionId) => ({
      principalId: monitor,
      roleDefinitionId: role.reader,
      scope: `/subscriptions/${subscriptionId}`,
    })),
    { principalId: monitor, roleDefinitionId: role.keyVaultReader, scope: euVault },
    { principalId: securityTeam, roleDefinitionId: role.reader, scope: `/subscriptions/${contoso}` },
    { principalId: securityTeam, roleDefinitionId: role.keyVaultReader, scope: euVault },
  ],
});

/** The azd environment after azd up. */
let azdEnvironment: Record<string, string>;

let tenant: DeployTenant;
beforeEach(async () => {
  tenant = await startDeployTenant(deployed);
  tenant.deployerHolds(roles.owner);
  tenant.double.state.putRoleAssignment({
    scope: smtpSecret,
    roleDefinitionId: role.secretsUser,
    principalId: monitor,
  });
  azdEnvironment = {
    AZURE_ENV_NAME: 'cmk-prod',
    AZURE_SUBSCRIPTION_ID: contoso,
    AZURE_TENANT_ID: tenant.double.tenantId,
    POLICY_SUBSCRIPTION_IDS: `${contoso},${policiesUs}`,
    MONITOR_PRINCIPAL_ID: monitor,
    MONITORED_VAULTS: JSON.stringify(expectedVaults.MONITORED_VAULTS),
    VAULT_SUBSCRIPTIONS: JSON.stringify(expectedVaults.VAULT_SUBSCRIPTIONS),
    MAIL_TRANSPORT: 'smtp',
    SMTP_VAULT_ID: mailVault,
  };
  await tenant.azdEnvironment(azdEnvironment);
}, 60_000);
afterEach(() => tenant?.stop());

const teardown = (env: Record<string, string> = azdEnvironment) => tenant.script('teardown', env);

const assignmentsOf = (principalId: string) =>
  tenant.double.state.roleAssignments
    .filter((assignment) => assignment.principalId === principalId)
    .map((assignment) => `${assignment.roleDefinitionId.split('/').pop()} at ${assignment.scope}`)
    .sort();
const eventSubscriptionsOn = (topicName: string) =>
  tenant.double.state.systemTopics.find((topic) => topic.name === topicName)?.eventSubscriptions;
const accessPolicyHolders = () => tenant.double.state.vault('kv-us-hr')?.accessPolicies.map((entry) => entry.objectId);
const monitorAssignments = [
  `${role.keyVaultReader} at ${euVault}`,
  `${role.reader} at /subscriptions/${contoso}`,
  `${role.reader} at /subscriptions/${keysUs}`,
  `${role.reader} at /subscriptions/${policiesUs}`,
  `${role.secretsUser} at ${smtpSecret}`,
].sort();
/** One per thing removed, without the closing count. */
const removedLines = (run: Run) =>
  run.stdout
    .split('\n')
    .filter(
      (line) => line.startsWith('infra:teardown: removed ') && !/^infra:teardown: removed \d+ things? /.test(line),
    );

describe('infra:teardown', () => {
  it("removes the monitor's role assignments, access policy, event subscriptions and diagnostic setting, and nothing of anyone else's", async () => {
    const othersBefore = tenant.double.state.roleAssignments
      .filter((assignment) => assignment.principalId !== monitor)
      .map((assignment) => assignment.id);
    expect(assignmentsOf(monitor)).toEqual(monitorAssignments);

    const run = await teardown();

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(removedLines(run).slice(0, 4)).toEqual([
      `infra:teardown: removed event subscription cmk-monitor-cmk-prod from system topic ${euVaultTopic}`,
      `infra:teardown: removed event subscription cmk-monitor-cmk-prod from system topic ${contosoTopic}`,
      `infra:teardown: removed the monitor's access policy (keys Get, List, GetRotationPolicy) from vault ${usVault}`,
      `infra:teardown: removed diagnostic setting cmk-monitor-cmk-prod from vault ${euVault}`,
    ]);
    expect(
      removedLines(run)
        .slice(4)
        .map((line) => line.replace(/role assignment [0-9a-f-]+ /, 'role assignment … ')),
    ).toEqual([
      `infra:teardown: removed role assignment … (Reader) of the monitor at /subscriptions/${contoso}`,
      `infra:teardown: removed role assignment … (Key Vault Reader) of the monitor at ${euVault}`,
      `infra:teardown: removed role assignment … (Reader) of the monitor at /subscriptions/${policiesUs}`,
      `infra:teardown: removed role assignment … (Reader) of the monitor at /subscriptions/${keysUs}`,
      `infra:teardown: removed role assignment … (Key Vault Secrets User) of the monitor at ${smtpSecret}`,
    ]);
    // Then what it leaves on purpose (infra/test/teardown.test.ts checks that list).
    expect(run.stdout).toContain(
      `\ninfra:teardown: removed 9 things the monitor (principal ${monitor}) left outside its resource group.\ninfra:teardown: left on purpose (not the monitor's to remove, or harmless)`,
    );

    expect(assignmentsOf(monitor)).toEqual([]);
    expect(tenant.double.state.roleAssignments.map((assignment) => assignment.id)).toEqual(othersBefore);
    expect(accessPolicyHolders()).toEqual([securityTeam]);
    expect(eventSubscriptionsOn('kv-eu-prod-events')).toEqual(['cmk-monitor-cmk-test', 'siem-export']);
    expect(eventSubscriptionsOn('contoso-arm')).toEqual([]);
    expect(tenant.double.state.systemTopics.map((topic) => topic.name)).toEqual(['kv-eu-prod-events', 'contoso-arm']);
    expect([...tenant.double.state.diagnosticSettings.values()].map((setting) => setting.name)).toEqual([
      'siem-archive',
    ]);
    // Event Grid accepts each deletion for later (202): each one was followed to its end.
    expect(tenant.double.requests()['arm.getEventGridOperationStatus']).toBe(2);
  }, 60_000);

  it('removes nothing, and succeeds, when run again', async () => {
    expect((await teardown()).code).toBe(0);
    tenant.double.resetRequests();

    const again = await teardown();

    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      new RegExp(
        `^infra:teardown: nothing of the monitor \\(principal ${monitor}\\) is left outside its resource group\\.\ninfra:teardown: left on purpose `,
      ),
    );
    expect(removedLines(again)).toEqual([]);
    const writes = Object.keys(tenant.double.requests()).filter((kind) => /delete|update|put|create/i.test(kind));
    expect(writes).toEqual(['arm.deleteEventSubscription', 'arm.deleteDiagnosticSetting']);
    expect(eventSubscriptionsOn('kv-eu-prod-events')).toEqual(['cmk-monitor-cmk-test', 'siem-export']);
  }, 60_000);

  it('lists everything left, with its scope, and fails when the deployer may remove nothing', async () => {
    tenant.double.fault('arm:roleAssignments:delete', { status: 403 });
    tenant.double.fault('arm:accessPolicies:kv-us-hr', { status: 403 });
    tenant.double.fault('arm:eventSubscriptions', { status: 403 });
    tenant.double.fault('arm:diagnosticSettings', { status: 403 });

    const run = await teardown();

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.split('\n');
    expect(lines[0]).toBe(
      'infra:teardown: 10 things the monitor left outside its resource group could not be removed or looked for:',
    );
    const left = lines
      .filter((line) => line.startsWith('  '))
      .map((line) => line.replace(/role assignment [0-9a-f-]+ /, 'role assignment … '));
    const forbidden = 'HTTP 403: AuthorizationFailed: The client does not have authorization to perform this action';
    expect(left.map((line) => line.slice(0, line.indexOf(' (HTTP 403')))).toEqual([
      `  ${euVaultTopic}: event subscription cmk-monitor-cmk-prod`,
      `  ${contosoTopic}: event subscription cmk-monitor-cmk-prod`,
      `  ${usVault}: the monitor's access policy`,
      `  ${euVault}: diagnostic setting cmk-monitor-cmk-prod`,
      `  ${usVault}: diagnostic setting cmk-monitor-cmk-prod`,
      `  /subscriptions/${contoso}: role assignment … (Reader) of the monitor`,
      `  ${euVault}: role assignment … (Key Vault Reader) of the monitor`,
      `  /subscriptions/${policiesUs}: role assignment … (Reader) of the monitor`,
      `  /subscriptions/${keysUs}: role assignment … (Reader) of the monitor`,
      `  ${smtpSecret}: role assignment … (Key Vault Secrets User) of the monitor`,
    ]);
    expect(left.slice(0, 2).every((line) => line.includes(forbidden))).toBe(true);
    expect(run.stderr).toContain('or remove them by hand; then run it\nagain (azd down runs it first).');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(assignmentsOf(monitor)).toEqual(monitorAssignments);
    expect(accessPolicyHolders()).toEqual([securityTeam, monitor]);
    expect(eventSubscriptionsOn('kv-eu-prod-events')).toEqual([
      'cmk-monitor-cmk-prod',
      'cmk-monitor-cmk-test',
      'siem-export',
    ]);

    tenant.double.clearFaults();
    const withRights = await teardown();
    expect(withRights.code, withRights.stderr).toBe(0);
    expect(removedLines(withRights)).toHaveLength(9);
  }, 60_000);

  it('removes what it may and lists only the rest when role assignments may not be deleted (a Contributor)', async () => {
    tenant.double.fault('arm:roleAssignments:delete', { status: 403 });

    const run = await teardown();

    expect(run.code).toBe(1);
    expect(removedLines(run)).toHaveLength(4);
    expect(run.stderr).toContain(
      'infra:teardown: 5 things the monitor left outside its resource group could not be removed or looked for (4 removed):',
    );
    expect(run.stderr.split('\n').filter((line) => line.startsWith('  /'))).toHaveLength(5);
    expect(run.stderr).toMatch(
      new RegExp(`\n  /subscriptions/${keysUs}: role assignment [0-9a-f-]+ \\(Reader\\) of the monitor \\(HTTP 403: `),
    );
    expect(assignmentsOf(monitor)).toEqual(monitorAssignments);
    expect(accessPolicyHolders()).toEqual([securityTeam]);
    expect(eventSubscriptionsOn('contoso-arm')).toEqual([]);
  }, 60_000);

  it('carries on with the vaults the environment deployed when the policies cannot be read, and fails naming them', async () => {
    tenant.double.fault('arm:enterprisePolicies', { status: 403 });

    const run = await teardown();

    expect(run.code).toBe(1);
    expect(removedLines(run)).toHaveLength(9);
    expect(run.stderr).toContain(
      '2 things the monitor left outside its resource group could not be removed or looked for (9 removed):',
    );
    for (const subscriptionId of [contoso, policiesUs]) {
      expect(run.stderr).toContain(
        `  /subscriptions/${subscriptionId}: the enterprise policies of subscription ${subscriptionId} could not be read (HTTP 403: `,
      );
    }
    expect(run.stderr).toContain('): the vaults its policies use were not looked at');
    expect(assignmentsOf(monitor)).toEqual([]);
  }, 60_000);

  it('does nothing, and succeeds, when the environment was never provisioned', async () => {
    const unprovisioned = { AZURE_SUBSCRIPTION_ID: contoso, POLICY_SUBSCRIPTION_IDS: contoso };
    tenant.double.resetRequests();

    const run = await teardown(unprovisioned);

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      'infra:teardown: MONITOR_PRINCIPAL_ID is not set: this environment was never provisioned',
    );
    expect(Object.keys(tenant.double.requests()).filter((kind) => kind.startsWith('arm.'))).toEqual([]);
    expect(assignmentsOf(monitor)).toEqual(monitorAssignments);
  }, 60_000);

  it('names the setting that is wrong, before touching anything', async () => {
    const notGuid = await teardown({ ...azdEnvironment, MONITOR_PRINCIPAL_ID: 'func-cmk-prod' });
    expect(notGuid.code).toBe(1);
    expect(notGuid.stderr).toBe(
      "infra:teardown: MONITOR_PRINCIPAL_ID: must be the principal id (GUID) of the monitor's identity\n",
    );

    const { AZURE_TENANT_ID: _, ...withoutTenant } = azdEnvironment;
    const noTenant = await teardown(withoutTenant);
    expect(noTenant.code).toBe(1);
    expect(noTenant.stderr).toBe(
      'infra:teardown: AZURE_TENANT_ID: is not set: the deployment writes it (azd env get-value AZURE_TENANT_ID)\n',
    );
    expect(assignmentsOf(monitor)).toEqual(monitorAssignments);
  }, 60_000);
});

describe.each([
  { shell: 'sh' as const, available: true },
  { shell: 'pwsh' as const, available: hasPwsh },
])('$shell predown hook', ({ shell, available }) => {
  it.skipIf(!available)(
    'removes what the monitor left, so azd down goes on',
    async () => {
      const run = await tenant.hook(shell, 'predown', azdEnvironment);

      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('infra:teardown: removed 9 things the monitor');
      expect(assignmentsOf(monitor)).toEqual([]);
    },
    60_000,
  );

  it.skipIf(!available)(
    'stops azd down, saying what to do, when something cannot be removed',
    async () => {
      tenant.double.fault('arm:roleAssignments:delete', { status: 403 });

      const run = await tenant.hook(shell, 'predown', azdEnvironment);

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(
          `\n  /subscriptions/${contoso}: role assignment [0-9a-f-]+ \\(Reader\\) of the monitor \\(HTTP 403: `,
        ),
      );
      expect(run.stderr).toContain(
        'predown: what the monitor left outside its resource group could not all be removed (see above); nothing was deleted. Get the rights at the scopes listed, or remove what is listed by hand, then run azd down again.',
      );
    },
    60_000,
  );
});
