/** `npm run infra:vaults` and `npm run infra:check-rights`, run as the deployer runs them, against the Azure double. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  contoso,
  euVault,
  expectedVaults,
  keysUs,
  policiesUs,
  printedValues,
  roles,
  startDeployTenant,
  unknownSubscription,
  usVault,
  type DeployTenant,
} from './tenant.js';

let tenant: DeployTenant;
beforeAll(async () => {
  tenant = await startDeployTenant();
});
afterAll(() => tenant?.stop());
afterEach(() => tenant.double.clearFaults());

const policySubscriptions = `${contoso}, ${policiesUs}`;
const deployment = (overrides: Record<string, string> = {}) => ({
  POLICY_SUBSCRIPTION_IDS: policySubscriptions,
  AZURE_SUBSCRIPTION_ID: contoso,
  MONITORED_VAULTS: JSON.stringify(expectedVaults.MONITORED_VAULTS),
  VAULT_SUBSCRIPTIONS: JSON.stringify(expectedVaults.VAULT_SUBSCRIPTIONS),
  ...overrides,
});
const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at /);

describe('infra:vaults', () => {
  it('lists each vault the encryption policies use once, reusing the system topics that exist, and leaves other policies alone', async () => {
    const run = await tenant.script('policyVaults', { POLICY_SUBSCRIPTION_IDS: policySubscriptions });

    expect(run.stderr).toContain('3 encryption policies use 2 vaults in 2 subscriptions');
    expect(run.stderr).not.toMatch(/vnet-eu|skipped/);
    expect(run.code).toBe(0);
    expect(printedValues(run.stdout)).toEqual(expectedVaults);
  }, 60_000);

  it('stores both values in the azd environment with --set', async () => {
    await tenant.azdEnvironment({});
    const run = await tenant.script('policyVaults', { POLICY_SUBSCRIPTION_IDS: policySubscriptions }, ['--set']);

    expect(run.code, run.stderr).toBe(0);
    const values = await tenant.azdValues();
    expect(JSON.parse(values.MONITORED_VAULTS ?? '')).toEqual(expectedVaults.MONITORED_VAULTS);
    expect(JSON.parse(values.VAULT_SUBSCRIPTIONS ?? '')).toEqual(expectedVaults.VAULT_SUBSCRIPTIONS);
  }, 60_000);

  it('stops, naming the subscription and the status, when a subscription cannot be read, and prints nothing', async () => {
    const run = await tenant.script('policyVaults', { POLICY_SUBSCRIPTION_IDS: `${contoso},${unknownSubscription}` });

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      `the enterprise policies of subscription ${unknownSubscription} could not be read (HTTP 404`,
    );
    expect(run.stderr).toContain('SubscriptionNotFound');
    noStackTrace(run.stderr);
  }, 60_000);

  it('stops, naming the vault, when a vault cannot be read', async () => {
    tenant.double.fault('arm:vault:kv-us-hr', { status: 403 });
    const run = await tenant.script('policyVaults', { POLICY_SUBSCRIPTION_IDS: policySubscriptions });

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`vault ${usVault} could not be read (HTTP 403`);
  }, 60_000);

  it('stops, naming the subscription, when its system topics cannot be read', async () => {
    tenant.double.fault('arm:systemTopics', { status: 403 });
    const run = await tenant.script('policyVaults', { POLICY_SUBSCRIPTION_IDS: policySubscriptions });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(`the Event Grid system topics of subscription (${keysUs}|${contoso}) could not be read \\(HTTP 403`),
    );
  }, 60_000);

  it('names the setting when POLICY_SUBSCRIPTION_IDS is not a list of subscription ids', async () => {
    const run = await tenant.script('policyVaults', { POLICY_SUBSCRIPTION_IDS: `${contoso},contoso-prod` });

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "infra:vaults: POLICY_SUBSCRIPTION_IDS[1]: 'contoso-prod' is not a subscription id (GUID)\n",
    );
  }, 60_000);
});

describe('infra:check-rights', () => {
  it('passes for an Owner of every subscription, events included', async () => {
    tenant.deployerHolds(roles.owner);
    const run = await tenant.script('checkRights', deployment({ WIRE_EVENTS: 'true' }));

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/the signed-in account has the \d+ rights the deployment needs at \d+ scopes/);
  }, 60_000);

  it('lists every role assignment a Contributor cannot make, with its scope and use, in one message', async () => {
    tenant.deployerHolds(roles.contributor);
    const run = await tenant.script('checkRights', deployment());

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'infra:check-rights: the signed-in account lacks 4 rights the deployment needs; nothing was deployed.',
    );
    const missing = (scope: string, use: string) =>
      `  ${scope}\n    Microsoft.Authorization/roleAssignments/write: to ${use}`;
    expect(run.stderr).toContain(
      missing(
        `/subscriptions/${contoso}`,
        "grant the monitor's identity its roles on its storage and mail; grant the monitor Reader (enterprise policies); grant the monitor Reader (vault properties, role assignments)",
      ),
    );
    expect(run.stderr).toContain(
      '    Microsoft.Authorization/roleDefinitions/write: to create the custom role that lets the monitor send mail and nothing more',
    );
    expect(run.stderr).toContain(
      missing(`/subscriptions/${policiesUs}`, 'grant the monitor Reader (enterprise policies)'),
    );
    expect(run.stderr).toContain(
      missing(`/subscriptions/${keysUs}`, 'grant the monitor Reader (vault properties, role assignments)'),
    );
    // Keys are read through Resource Manager with Reader: nothing is granted on the vaults themselves.
    expect(run.stderr).not.toContain(euVault);
    expect(run.stderr).not.toContain(usVault);
    noStackTrace(run.stderr);

    const withDataPlane = await tenant.script('checkRights', deployment({ DATA_PLANE_KEY_READS: 'true' }));
    expect(withDataPlane.stderr).toContain('lacks 5 rights');
    expect(withDataPlane.stderr).toContain(missing(euVault, 'grant the monitor Key Vault Reader on vault kv-eu-prod'));
    expect(withDataPlane.stderr).not.toContain(usVault);
  }, 60_000);

  it('with WIRE_EVENTS=true, lists every resource group where the deployer cannot subscribe to a system topic', async () => {
    tenant.deployerHolds(roles.withoutEventSubscriptions);
    const run = await tenant.script('checkRights', deployment({ WIRE_EVENTS: 'true' }));

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('lacks 3 rights');
    const missing = (resourceGroup: string, uses: string[]) =>
      `  ${resourceGroup}\n    Microsoft.EventGrid/systemTopics/eventSubscriptions/write: to ${uses.join('; ')}`;
    expect(run.stderr).toContain(
      missing(`/subscriptions/${keysUs}/resourceGroups/rg-cmk-us`, [
        'subscribe keyVaultEvents to the Event Grid system topic of vault kv-us-hr',
        `subscribe resourceEvents to the Event Grid system topic of subscription ${keysUs}`,
      ]),
    );
    expect(run.stderr).toContain(
      missing(`/subscriptions/${contoso}/resourceGroups/rg-cmk-eu`, [
        'subscribe keyVaultEvents to the Event Grid system topic of vault kv-eu-prod',
      ]),
    );
    expect(run.stderr).toContain(
      missing(`/subscriptions/${contoso}/resourceGroups/rg-events`, [
        `subscribe resourceEvents to the Event Grid system topic of subscription ${contoso}`,
      ]),
    );

    const withoutEvents = await tenant.script('checkRights', deployment());
    expect(withoutEvents.code, withoutEvents.stderr).toBe(0);
  }, 60_000);

  it('reports a scope whose permissions cannot be read, with what was needed there', async () => {
    tenant.deployerHolds(roles.owner);
    tenant.double.fault('arm:permissions', { status: 403 });
    const run = await tenant.script(
      'checkRights',
      deployment({ MONITORED_VAULTS: '[]', VAULT_SUBSCRIPTIONS: '[]', POLICY_SUBSCRIPTION_IDS: contoso }),
    );

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the signed-in account lacks, or ARM would not confirm, 4 rights');
    expect(run.stderr).toContain(`  /subscriptions/${contoso}: your permissions there could not be read (HTTP 403`);
    expect(run.stderr).toContain(
      "    Microsoft.Resources/subscriptions/resourceGroups/write: to create the monitor's resource group",
    );
  }, 60_000);

  it('says which field of MONITORED_VAULTS is wrong, not a stack trace', async () => {
    const notJson = await tenant.script('checkRights', deployment({ MONITORED_VAULTS: '[{"id": ' }));
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(
      /^infra:check-rights: MONITORED_VAULTS: is not JSON \(.+\): run npm run infra:vaults -- --set\n$/,
    );

    const badField = await tenant.script(
      'checkRights',
      deployment({ MONITORED_VAULTS: JSON.stringify([{ ...expectedVaults.MONITORED_VAULTS[0], rbac: 'yes' }]) }),
    );
    expect(badField.code).toBe(1);
    expect(badField.stderr).toContain('MONITORED_VAULTS[0].rbac: Invalid input: expected boolean, received string');
    noStackTrace(badField.stderr);
  }, 60_000);

  it('refuses vaults and subscriptions that do not go together', async () => {
    const run = await tenant.script(
      'checkRights',
      deployment({ VAULT_SUBSCRIPTIONS: JSON.stringify([expectedVaults.VAULT_SUBSCRIPTIONS[1]]) }),
    );

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'infra:check-rights: MONITORED_VAULTS[0].id: its subscription is missing from VAULT_SUBSCRIPTIONS\n',
    );
  }, 60_000);
});
