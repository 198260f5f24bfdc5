/**
 * What `npm run infra:teardown` says it leaves on purpose, and the predown hook's WIRE_EVENTS, run as azd runs them
 * against the Azure double (the tenant of test/integration/infra/tenant.ts): a vault whose system topic existed before
 * the monitor, one whose topic the monitor created, and the same for the two vault subscriptions' ARM topics.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseScenario } from '../../../sandbox/scenario.js';
import {
  contoso,
  hasPwsh,
  monitor,
  contosoTopic,
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

const monitorClientId = '7d6c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
const reader = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
/** The topics infra/main.bicep creates for a vault, and for a subscription, that had none. */
const createdVaultTopic = `/subscriptions/${keysUs}/resourceGroups/rg-cmk-us/providers/Microsoft.EventGrid/systemTopics/cmk-kv-us-hr`;
const createdArmTopic = `/subscriptions/${keysUs}/resourceGroups/rg-cmk-us/providers/Microsoft.EventGrid/systemTopics/cmk-arm-${keysUs}`;

const deployed = parseScenario({
  ...scenario,
  vaults: scenario.vaults.map((vault) => {
    if (vault.name === 'kv-eu-prod') return { ...vault, eventSubscriptions: ['cmk-monitor-cmk-prod', 'siem-export'] };
    if (vault.name === 'kv-us-hr')
      return {
        ...vault,
        systemTopic: 'cmk-kv-us-hr',
        eventSubscriptions: ['cmk-monitor-cmk-prod', 'cmk-monitor-cmk-test'],
      };
    return vault;
  }),
  subscriptionTopics: [
    { name: 'contoso-arm', resourceGroup: 'rg-events', eventSubscriptions: ['cmk-monitor-cmk-prod'] },
    {
      name: `cmk-arm-${keysUs}`,
      subscriptionId: keysUs,
      resourceGroup: 'rg-cmk-us',
      eventSubscriptions: ['cmk-monitor-cmk-prod'],
    },
  ],
  roleAssignments: [contoso, policiesUs, keysUs].map((subscriptionId) => ({
    principalId: monitor,
    roleDefinitionId: reader,
    scope: `/subscriptions/${subscriptionId}`,
  })),
});

let azdEnvironment: Record<string, string>;
let tenant: DeployTenant;
beforeEach(async () => {
  tenant = await startDeployTenant(deployed);
  tenant.deployerHolds(roles.owner);
  azdEnvironment = {
    AZURE_ENV_NAME: 'cmk-prod',
    AZURE_SUBSCRIPTION_ID: contoso,
    AZURE_TENANT_ID: tenant.double.tenantId,
    AZURE_LOCATION: 'westeurope',
    AZURE_RESOURCE_GROUP: 'rg-cmk-prod',
    POLICY_SUBSCRIPTION_IDS: `${contoso},${policiesUs}`,
    MONITOR_PRINCIPAL_ID: monitor,
    MONITOR_CLIENT_ID: monitorClientId,
    MONITORED_VAULTS: JSON.stringify(expectedVaults.MONITORED_VAULTS),
    VAULT_SUBSCRIPTIONS: JSON.stringify(expectedVaults.VAULT_SUBSCRIPTIONS),
    WIRE_EVENTS: 'true',
  };
  await tenant.azdEnvironment(azdEnvironment);
}, 60_000);
afterEach(() => tenant?.stop());

/** The lines after the closing count: what the teardown leaves on purpose. */
function keptLines(run: Run): string[] {
  const lines = run.stdout.split('\n');
  const header = lines.indexOf(
    "infra:teardown: left on purpose (not the monitor's to remove, or harmless); an administrator may keep or remove them:",
  );
  expect(header, run.stdout).toBeGreaterThan(0);
  expect(lines[header - 1]).toMatch(/^infra:teardown: (removed \d+ things?|nothing of) the monitor/);
  return lines.slice(header + 1).filter(Boolean);
}

describe('infra:teardown, once everything is removed, lists what it leaves on purpose', () => {
  it('each system topic, told apart by whether the monitor created it, the Power Platform registration with the command that removes it, the mail role and the vaults', async () => {
    const run = await tenant.script('teardown', azdEnvironment);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `infra:teardown: removed 7 things the monitor (principal ${monitor}) left outside its resource group.\n`,
    );
    const kept = keptLines(run);
    expect(kept).toEqual([
      `  ${euVaultTopic}: Event Grid system topic that existed before the monitor: left as it is; the teardown took out only the monitor's event subscription cmk-monitor-cmk-prod, and the topic's identity, tags and other subscriptions stay`,
      `  ${contosoTopic}: Event Grid system topic that existed before the monitor: left as it is; the teardown took out only the monitor's event subscription cmk-monitor-cmk-prod, and the topic's identity, tags and other subscriptions stay`,
      `  ${createdVaultTopic}: Event Grid system topic the monitor created for ${usVault}: left, since Azure allows one per source and other event subscriptions (another monitor environment's among them) may use it; empty, it costs nothing. Once nothing uses it: az eventgrid system-topic delete --ids ${createdVaultTopic}`,
      `  ${createdArmTopic}: Event Grid system topic the monitor created for /subscriptions/${keysUs}: left, since Azure allows one per source and other event subscriptions (another monitor environment's among them) may use it; empty, it costs nothing. Once nothing uses it: az eventgrid system-topic delete --ids ${createdArmTopic}`,
      `  Power Platform: the registration of the monitor's identity (client id ${monitorClientId}) as a management application, if an administrator made it: a Power Platform administrator removes it with Remove-PowerAppManagementApp -ApplicationId ${monitorClientId} (module Microsoft.PowerApps.Administration.PowerShell, after Add-PowerAppsAccount)`,
      `  /subscriptions/${contoso}: the custom role definition 'CMK monitor email sender (rg-cmk-prod)': assignable only in rg-cmk-prod, which azd down deletes, it grants nothing; the next azd up of this environment reuses it`,
      `  the vaults: their keys, key versions and settings, and everyone else's role assignments, access policies, event subscriptions and diagnostic settings: the monitor only read them, and removed only its own. Its diagnostic setting cmk-monitor-cmk-prod (AUDIT_LOGS) was only ever on vaults in westeurope: vaults elsewhere never streamed to the monitor's Event Hub, which azd down deletes with the resource group`,
    ]);
    // It said so, and did so: every topic stays, with everyone else's subscriptions on it.
    const topics = tenant.double.state.systemTopics.map(
      (topic) => `${topic.name}: ${topic.eventSubscriptions.join(', ')}`,
    );
    expect(topics).toEqual([
      'kv-eu-prod-events: siem-export',
      'cmk-kv-us-hr: cmk-monitor-cmk-test',
      'contoso-arm: ',
      `cmk-arm-${keysUs}: `,
    ]);
  }, 60_000);

  it('says the same when run again, though nothing is left to remove', async () => {
    const first = await tenant.script('teardown', azdEnvironment);
    const again = await tenant.script('teardown', azdEnvironment);

    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.split('\n')[0]).toBe(
      `infra:teardown: nothing of the monitor (principal ${monitor}) is left outside its resource group.`,
    );
    expect(keptLines(again)).toEqual(keptLines(first));
  }, 60_000);

  it('names the client id to look up when the environment does not hold it, and no mail role without ACS', async () => {
    const { MONITOR_CLIENT_ID: _, ...withoutClientId } = azdEnvironment;
    const run = await tenant.script('teardown', { ...withoutClientId, MAIL_TRANSPORT: 'smtp' });

    expect(run.code, run.stderr).toBe(0);
    const kept = keptLines(run);
    expect(kept.filter((line) => line.startsWith('  Power Platform: '))).toEqual([
      "  Power Platform: the registration of the monitor's identity (client id <MONITOR_CLIENT_ID>) as a management application, if an administrator made it: a Power Platform administrator removes it with Remove-PowerAppManagementApp -ApplicationId <MONITOR_CLIENT_ID> (module Microsoft.PowerApps.Administration.PowerShell, after Add-PowerAppsAccount)",
    ]);
    expect(kept.some((line) => line.includes('CMK monitor email sender'))).toBe(false);
  }, 60_000);

  it('lists nothing kept while something could not be removed: only what is left, and it fails', async () => {
    tenant.double.fault('arm:roleAssignments:delete', { status: 403 });

    const run = await tenant.script('teardown', azdEnvironment);

    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('left on purpose');
    expect(run.stderr).toContain('could not be removed or looked for (4 removed):');
  }, 60_000);
});

describe.each([
  { shell: 'sh' as const, available: true },
  { shell: 'pwsh' as const, available: hasPwsh },
])('$shell predown hook and WIRE_EVENTS', ({ shell, available }) => {
  it.skipIf(!available)(
    'sets WIRE_EVENTS back to false once the teardown succeeded, so the next azd up deploys the functions before wiring them',
    async () => {
      const run = await tenant.hook(shell, 'predown', azdEnvironment);

      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('infra:teardown: removed 7 things the monitor');
      expect(run.stdout).toContain('left on purpose');
      expect((await tenant.azdValues()).WIRE_EVENTS).toBe('false');
    },
    60_000,
  );

  it.skipIf(!available)(
    'leaves WIRE_EVENTS as it was when the teardown fails, and azd down stops',
    async () => {
      tenant.double.fault('arm:roleAssignments:delete', { status: 403 });

      const run = await tenant.hook(shell, 'predown', azdEnvironment);

      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        'predown: what the monitor left outside its resource group could not all be removed (see above); nothing was deleted.',
      );
      expect((await tenant.azdValues()).WIRE_EVENTS).toBe('true');
    },
    60_000,
  );

  it.skipIf(!available)(
    'sets WIRE_EVENTS to false in an environment never provisioned, where there was nothing to remove',
    async () => {
      const unprovisioned = { AZURE_SUBSCRIPTION_ID: contoso, POLICY_SUBSCRIPTION_IDS: contoso };
      await tenant.azdEnvironment(unprovisioned);

      const run = await tenant.hook(shell, 'predown', unprovisioned);

      expect(run.code, run.stderr).toBe(0);
      expect(await tenant.azdValues()).toEqual({ ...unprovisioned, WIRE_EVENTS: 'false' });
    },
    60_000,
  );

  it.skipIf(!available)(
    'stops azd down, saying what to do, when WIRE_EVENTS cannot be set after the teardown',
    async () => {
      // The azd stand-in keeps each value in a file of AZD_ENV_DIR: one that does not exist makes `azd env set` fail.
      const run = await tenant.hook(shell, 'predown', { ...azdEnvironment, AZD_ENV_DIR: '/nonexistent/azd-env' });

      expect(run.code).toBe(1);
      expect(run.stdout).toContain('infra:teardown: removed 7 things the monitor');
      expect(run.stderr).toContain(
        'predown: the teardown is done, but WIRE_EVENTS could not be set back to false, so nothing was deleted:',
      );
      expect((await tenant.azdValues()).WIRE_EVENTS).toBe('true');
    },
    60_000,
  );
});
