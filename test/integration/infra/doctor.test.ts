/**
 * `npm run doctor` against the double: what it sees, and each blind spot named (the right with its scope and the
 * command that grants it, or the field a response lacked), with ids and names hashed in the capture.
 */
import { DefaultAzureCredential } from '@azure/identity';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anonymize, capturePolicy, hashOf, type CapturedResponse } from '../../../infra/scripts/capture.js';
import { diagnose, type DiagnoseOptions } from '../../../infra/scripts/diagnose.js';
import { startAzureDouble, type AzureDouble } from '../../../sandbox/double/index.js';
import { adminIdentity, monitorIdentity } from '../../../sandbox/double/identity.js';
import { parseScenario } from '../../../sandbox/scenario.js';
import { scanScenario } from '../scan/scenario.js';

let double: AzureDouble;
let options: DiagnoseOptions;
const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

beforeAll(async () => {
  double = await startAzureDouble({ scenario: parseScenario(scanScenario()) });
  process.env.IDENTITY_ENDPOINT = double.identityEndpoint;
  process.env.IDENTITY_HEADER = double.identityHeader;
  options = {
    credential: new DefaultAzureCredential({ managedIdentityClientId: adminIdentity.clientId }),
    pipeline: { tlsOptions: { ca: double.ca } },
    armEndpoint: double.armEndpoint,
    powerPlatformEndpoint: double.powerPlatformEndpoint,
    subscriptionIds: [double.subscriptionId],
  };
});
afterEach(() => {
  double.clearFaults();
  double.state.omitted.clear();
});
afterAll(async () => {
  await double.stop();
  for (const [name, value] of [
    ['IDENTITY_ENDPOINT', saved.endpoint],
    ['IDENTITY_HEADER', saved.header],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('doctor', () => {
  it('lists the policies, linked environments, vaults and keys an admin sees, and finds nothing missing', async () => {
    const diagnosis = await diagnose(options);
    expect(diagnosis.principalId).toBe(adminIdentity.principalId);
    expect(diagnosis.problems).toEqual([]);
    expect(diagnosis.lines[0]).toBe(`Subscription ${double.subscriptionId}: 6 encryption policies`);
    expect(diagnosis.lines).toContain(
      'Power Platform admin API: 12 environments, 11 linked to a listed encryption policy',
    );
    expect(
      diagnosis.lines.some((line) =>
        /^Vault \S+: Azure RBAC, key \S+ \(\d+ versions?\), role assignments read$/.test(line),
      ),
    ).toBe(true);
  });

  it('reports a deleted key as gone, which the scan evaluates, not as something the monitor cannot see', async () => {
    double.state.deleteKey('kv-legacy', 'k-legacy');
    const diagnosis = await diagnose(options);
    expect(diagnosis.problems).toEqual([]);
    expect(diagnosis.lines).toContain(
      'Vault kv-legacy: access policies, key k-legacy not found (the scan reports key-missing)',
    );
  });

  it("names the vault reads the monitor's own identity is refused, with the role, scope and command", async () => {
    const diagnosis = await diagnose({ ...options, credential: new DefaultAzureCredential() });
    expect(diagnosis.principalId).toBe(monitorIdentity.principalId);
    expect(diagnosis.problems).toHaveLength(1);
    expect(diagnosis.problems[0]).toMatchObject({ kind: 'right' });
    expect(diagnosis.problems[0]?.text).toMatch(
      new RegExp(
        `/keys/\\S+: .*\\(HTTP 403\\).*: missing Reader on /subscriptions/.*/vaults/\\S+\\. Grant it: az role assignment create --assignee-object-id ${monitorIdentity.principalId} --assignee-principal-type ServicePrincipal --role "Reader" --scope /subscriptions/`,
      ),
    );
  });

  it('names the missing right when ARM refuses the policy list, and the registration when the admin API refuses the environments', async () => {
    double.fault('arm:enterprisePolicies', { status: 403 });
    double.fault('powerPlatform', { status: 403 });
    const { problems } = await diagnose(options);
    expect(problems.map((problem) => problem.kind)).toEqual(['right', 'right']);
    expect(problems[0]?.text).toContain(
      `enterprisePolicies answered 403: missing Reader on /subscriptions/${double.subscriptionId}. Grant it: az role assignment create`,
    );
    expect(problems[1]?.text).toMatch(
      /scopes\/admin\/environments\?api-version=2023-06-01&\$expand=properties\.enterprisePolicies answered 403: missing registration as a Power Platform management application .* New-PowerAppManagementApp/,
    );
  });

  it('names the field a response lacked: the links of every environment, the identity of every policy', async () => {
    double.state.omitted.add('environment.properties.enterprisePolicies');
    expect((await diagnose(options)).problems).toEqual([
      {
        kind: 'field',
        text: expect.stringMatching(
          /environments\?api-version=2023-06-01&\$expand=properties\.enterprisePolicies: no environment carries properties\.enterprisePolicies\.customerManagedKeys for any of the 6 encryption policies/,
        ) as unknown,
      },
    ]);
    double.state.omitted.clear();
    double.state.omitted.add('enterprisePolicy.identity');
    const { problems } = await diagnose(options);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.text).toMatch(
      /^GET \/subscriptions\/.*\/enterprisePolicies: enterprise policy \/subscriptions\/.*: identity: /,
    );
  });

  it('captures every response with ids and names hashed, names kept only when asked', async () => {
    const captured: CapturedResponse[] = [];
    await diagnose({
      ...options,
      pipeline: {
        ...options.pipeline,
        additionalPolicies: [{ policy: capturePolicy(captured, false), position: 'perCall' }],
      },
    });
    const text = JSON.stringify(captured);
    expect(captured.length).toBeGreaterThan(5);
    expect(text).not.toContain(double.subscriptionId);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
    expect(text).toContain(hashOf(double.subscriptionId));
    expect(text).toContain('customerManagedKeys');
    expect(
      anonymize(
        { name: 'kv-contoso', id: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-contoso' },
        true,
      ),
    ).toEqual({
      name: 'kv-contoso',
      id: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-contoso',
    });
    expect(
      anonymize({ vaultUri: 'https://kv-contoso.vault.azure.net/', endpoint: 'https://management.azure.com/' }, false),
    ).toEqual({
      vaultUri: `https://${hashOf('kv-contoso')}.vault.azure.net/`,
      endpoint: 'https://management.azure.com/',
    });
    expect(
      anonymize(
        { name: 'kv-contoso', id: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-contoso' },
        false,
      ),
    ).toEqual({
      name: hashOf('kv-contoso'),
      id: `/subscriptions/${hashOf('x')}/resourceGroups/${hashOf('rg')}/providers/Microsoft.KeyVault/vaults/${hashOf('kv-contoso')}`,
    });
  });
});
