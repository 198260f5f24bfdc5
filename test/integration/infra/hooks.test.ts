/**
 * The azd hooks, run as azd runs them (the azd environment's values as environment variables, `azd` on PATH, here
 * a stand-in), against the Azure double. The PowerShell ones run where pwsh is installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contoso, expectedVaults, hasPwsh, policiesUs, roles, startDeployTenant, type DeployTenant } from './tenant.js';

let tenant: DeployTenant;
beforeAll(async () => {
  tenant = await startDeployTenant();
});
afterAll(() => tenant?.stop());

const azdEnvironment = { AZURE_SUBSCRIPTION_ID: contoso, POLICY_SUBSCRIPTION_IDS: `${contoso},${policiesUs}` };

describe.each([
  { shell: 'sh' as const, available: true },
  { shell: 'pwsh' as const, available: hasPwsh },
])('$shell hooks', ({ shell, available }) => {
  describe.skipIf(!available)('preprovision', () => {
    it('stops before azd does anything when POLICY_SUBSCRIPTION_IDS is not set', async () => {
      await tenant.azdEnvironment({ AZURE_SUBSCRIPTION_ID: contoso });
      const run = await tenant.hook(shell, 'preprovision', { AZURE_SUBSCRIPTION_ID: contoso });

      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        'preprovision: POLICY_SUBSCRIPTION_IDS is not set: azd env set POLICY_SUBSCRIPTION_IDS',
      );
      expect(await tenant.azdValues()).toEqual({ AZURE_SUBSCRIPTION_ID: contoso });
    }, 60_000);

    it('stores the vaults in the azd environment and passes the rights check of an Owner', async () => {
      tenant.deployerHolds(roles.owner);
      await tenant.azdEnvironment(azdEnvironment);
      const run = await tenant.hook(shell, 'preprovision', azdEnvironment);

      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('infra:check-rights: the signed-in account has the');
      const values = await tenant.azdValues();
      expect(JSON.parse(values.MONITORED_VAULTS ?? '')).toEqual(expectedVaults.MONITORED_VAULTS);
      expect(JSON.parse(values.VAULT_SUBSCRIPTIONS ?? '')).toEqual(expectedVaults.VAULT_SUBSCRIPTIONS);
    }, 60_000);

    it('checks the vaults it has just listed, not those azd handed it, and stops when a right is missing', async () => {
      tenant.deployerHolds(roles.contributor);
      // With data-plane reads the vaults themselves need rights, so the check shows which vaults it looked at.
      const stale = {
        ...azdEnvironment,
        DATA_PLANE_KEY_READS: 'true',
        MONITORED_VAULTS: '[]',
        VAULT_SUBSCRIPTIONS: '[]',
      };
      await tenant.azdEnvironment(stale);
      const run = await tenant.hook(shell, 'preprovision', stale);

      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        'Microsoft.Authorization/roleAssignments/write: to grant the monitor Key Vault Reader on vault kv-eu-prod',
      );
      expect(run.stderr).toContain(
        'preprovision: the signed-in account lacks rights the deployment needs; nothing was deployed.',
      );
    }, 60_000);
  });

  describe.skipIf(!available)('postdeploy', () => {
    it('does nothing once the events are wired', async () => {
      await tenant.azdEnvironment({ ...azdEnvironment, WIRE_EVENTS: 'true' });
      const run = await tenant.hook(shell, 'postdeploy', { ...azdEnvironment, WIRE_EVENTS: 'true' });

      expect(run.code, run.stderr).toBe(0);
      expect(await tenant.azdValues()).toEqual({ ...azdEnvironment, WIRE_EVENTS: 'true' });
    }, 60_000);

    it('turns WIRE_EVENTS on and provisions again, which checks the rights the events need', async () => {
      tenant.deployerHolds(roles.owner);
      await tenant.azdEnvironment(azdEnvironment);
      const run = await tenant.hook(shell, 'postdeploy', azdEnvironment);

      expect(run.code, run.stderr).toBe(0);
      expect((await tenant.azdValues()).WIRE_EVENTS).toBe('true');
    }, 90_000);

    it('puts WIRE_EVENTS back to false and fails when that provision fails, so the next azd up tries again', async () => {
      tenant.deployerHolds(roles.withoutEventSubscriptions);
      await tenant.azdEnvironment({ ...azdEnvironment, WIRE_EVENTS: 'false' });
      const run = await tenant.hook(shell, 'postdeploy', { ...azdEnvironment, WIRE_EVENTS: 'false' });

      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        'Microsoft.EventGrid/systemTopics/eventSubscriptions/write: to subscribe keyVaultEvents',
      );
      expect(run.stderr).toContain(
        'postdeploy: subscribing the functions to Event Grid failed; WIRE_EVENTS is false again',
      );
      expect((await tenant.azdValues()).WIRE_EVENTS).toBe('false');
    }, 90_000);
  });
});
