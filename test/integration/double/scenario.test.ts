/** The scenario format of the sandbox: validation that names the bad field, and relative days made absolute. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { materialize, parseScenario, type ScenarioError } from '../../../sandbox/scenario.js';

/** A JSON object as these tests edit it: any field may be set to anything, to see what parseScenario makes of it. */
type Fields = Record<string, unknown>;

/** The demo scenario as JSON, as far as these tests edit it: the first items of its lists, by index. */
interface Demo extends Fields {
  subscriptionId: string;
  vaults: [
    Fields & {
      keys: [Fields & { versions: [Fields, Fields, ...Fields[]]; rotationPolicy: Fields }, ...Fields[]];
      roleAssignments: [Fields, ...Fields[]];
    },
    Fields & { keys: [Fields & { versions: [Fields, ...Fields[]] }, ...Fields[]] },
    ...Fields[],
  ];
  policies: [Fields, ...Fields[]];
  environments: [Fields, Fields, ...Fields[]];
  roleAssignments?: [Fields, ...Fields[]];
}

const demo = async (): Promise<Demo> =>
  JSON.parse(await readFile(new URL('../../../sandbox/scenarios/demo.json', import.meta.url), 'utf8')) as Demo;

describe('parseScenario', () => {
  it('accepts the shipped demo scenario', async () => {
    expect(parseScenario(await demo()).vaults[0]?.keys[0]?.name).toBe('pp-key');
  });

  it('names the path of every malformed field', async () => {
    const scenario = await demo();
    scenario.vaults[0].keys[0].versions[1].expiresInDays = 'soon';
    scenario.vaults[0].keys[0].rotationPolicy.expiresAfter = '1 year';
    scenario.vaults[0].typo = true;
    expect(() => parseScenario(scenario)).toThrow(
      /vaults\[0\]\.keys\[0\]\.versions\[1\]\.expiresInDays[\s\S]*vaults\[0\]\.keys\[0\]\.rotationPolicy\.expiresAfter[\s\S]*vaults\[0\]: Unrecognized key: "typo"/,
    );
  });

  it('names the path of a reference to something the scenario does not define', async () => {
    const scenario = await demo();
    scenario.policies[0].pinnedVersion = 2;
    scenario.environments[1].policy = 'cmk-eu';
    expect(() => parseScenario(scenario)).toThrow(
      /policies\[0\]\.pinnedVersion[\s\S]*environments\[1\]\.policy: no policy named 'cmk-eu'/,
    );
  });

  it('wants a previous policy that exists, with the days since the unlink', async () => {
    const scenario = await demo();
    scenario.environments[0].previousPolicy = 'cmk-gone';
    scenario.environments[1].previousPolicy = 'cmk-europe-prod';
    delete scenario.environments[1].unlinkedDaysAgo;
    expect(() => parseScenario(scenario)).toThrow(
      /environments\[0\]\.previousPolicy: no policy named 'cmk-gone'[\s\S]*environments\[1\]\.unlinkedDaysAgo: previousPolicy and unlinkedDaysAgo go together/,
    );
  });

  it('takes the deployment fields as optional, and names their mistakes', async () => {
    const scenario = await demo();
    expect(parseScenario(scenario)).toMatchObject({ roleAssignments: [], subscriptionTopics: [], otherPolicies: [] });
    scenario.vaults[0].systemTopic = 'kv events';
    scenario.subscriptionTopics = [
      { name: 'arm-events', resourceGroup: 'rg-events' },
      { name: 'arm-events-2', resourceGroup: 'rg-events', subscriptionId: scenario.subscriptionId },
    ];
    scenario.roleAssignments = [
      { principalId: scenario.policies[0].principalId, roleDefinitionId: 'Owner', scope: 'rg-events' },
    ];
    scenario.otherPolicies = [
      { name: scenario.policies[0].name, resourceGroup: 'rg-pp', location: 'europe', kind: 'NetworkInjection' },
    ];
    expect(() => parseScenario(scenario)).toThrow(
      /vaults\[0\]\.systemTopic: expected a 3-128 character system topic name[\s\S]*roleAssignments\[0\]\.scope: expected an ARM scope/,
    );
    delete scenario.vaults[0].systemTopic;
    scenario.roleAssignments[0].scope = `/subscriptions/${scenario.subscriptionId}/resourceGroups/rg-events`;
    expect(() => parseScenario(scenario)).toThrow(
      /otherPolicies\[0\]\.name: a policy of policies has this name[\s\S]*subscriptionTopics\[1\]\.subscriptionId: Azure allows one system topic per source/,
    );
  });
});

describe('parseScenario: what Azure allows and refuses', () => {
  it('accepts a policy naming a key that does not exist (a purged key), but not a pinned version of it', async () => {
    const scenario = await demo();
    scenario.policies[0].key = 'pp-key-purged';
    delete scenario.policies[0].pinnedVersion;
    expect(parseScenario(scenario).policies[0]?.key).toBe('pp-key-purged');
    scenario.policies[0].pinnedVersion = 0;
    expect(() => parseScenario(scenario)).toThrow(/policies\[0\]\.pinnedVersion: no key 'pp-key-purged' in vault/);
  });

  it('accepts a vault with its optional ARM properties absent', async () => {
    const scenario = await demo();
    for (const property of [
      'softDelete',
      'purgeProtection',
      'rbac',
      'publicNetworkAccess',
      'networkDefaultAction',
      'trustedServicesBypass',
    ]) {
      delete scenario.vaults[0][property];
    }
    expect(parseScenario(scenario).vaults[0]).not.toHaveProperty('rbac');
  });

  it('refuses an unknown field, naming it', async () => {
    const scenario = await demo();
    scenario.vaults[1].keys[0].versions[0].expires = 3;
    scenario.policies[0].healthstatus = 'Healthy';
    scenario.extra = {};
    const problems = (() => {
      try {
        parseScenario(scenario);
        return [];
      } catch (error) {
        return (error as ScenarioError).problems;
      }
    })();
    expect(problems).toEqual(
      expect.arrayContaining([
        '(root): Unrecognized key: "extra"',
        'vaults[1].keys[0].versions[0]: Unrecognized key: "expires"',
        'policies[0]: Unrecognized key: "healthstatus"',
      ]),
    );
  });

  it.each([
    [
      'purge protection without soft delete',
      (s: Demo) => Object.assign(s.vaults[0], { softDelete: false, purgeProtection: true }),
      /vaults\[0\]\.purgeProtection: purge protection needs soft delete/,
    ],
    [
      'a retention outside 7 to 90 days',
      (s: Demo) => Object.assign(s.vaults[0], { softDeleteRetentionDays: 120 }),
      /vaults\[0\]\.softDeleteRetentionDays: /,
    ],
    [
      'a retention without soft delete',
      (s: Demo) =>
        Object.assign(s.vaults[0], { softDelete: false, purgeProtection: false, softDeleteRetentionDays: 7 }),
      /vaults\[0\]\.softDeleteRetentionDays: a retention needs soft delete/,
    ],
    [
      'a role that does not exist',
      (s: Demo) =>
        Object.assign(s.vaults[0].roleAssignments[0], { roleDefinitionId: '99999999-9999-4999-8999-999999999999' }),
      /vaults\[0\]\.roleAssignments\[0\]\.roleDefinitionId: no role definition '99999999/,
    ],
    [
      'a link status without a policy',
      (s: Demo) => Object.assign(s.environments[0], { policy: null, linkStatus: 'Failed' }),
      /environments\[0\]\.linkStatus: a link status needs a policy/,
    ],
    [
      'a role id in no form ARM uses',
      (s: Demo) =>
        Object.assign(s.vaults[0].roleAssignments[0], { roleDefinitionId: 'Key Vault Crypto Service Encryption User' }),
      /vaults\[0\]\.roleAssignments\[0\]\.roleDefinitionId: expected a role definition GUID/,
    ],
  ])('refuses %s, naming the field', async (_, edit, message) => {
    const scenario = await demo();
    edit(scenario);
    expect(() => parseScenario(scenario)).toThrow(message);
  });

  it('takes a role definition id in the tenant form or the subscription form', async () => {
    const scenario = await demo();
    const guid = scenario.vaults[0].roleAssignments[0].roleDefinitionId as string;
    scenario.vaults[0].roleAssignments[0].roleDefinitionId = `/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
    scenario.vaults[0].roleAssignments[1] = {
      ...scenario.vaults[0].roleAssignments[0],
      roleDefinitionId: `/subscriptions/${scenario.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
    };
    expect(
      parseScenario(scenario)
        .vaults[0]?.roleAssignments.slice(0, 2)
        .map((assignment) => assignment.roleDefinitionId),
    ).toEqual([
      `/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
      `/subscriptions/${scenario.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
    ]);
  });
});

describe('parseScenario: a Managed HSM', () => {
  const problemsOf = (scenario: unknown): string[] => {
    try {
      parseScenario(scenario);
      return [];
    } catch (error) {
      return (error as ScenarioError).problems;
    }
  };

  it('refuses what an HSM has not got through Resource Manager, naming each field', async () => {
    const scenario = await demo();
    // The demo's first vault has Azure RBAC, role assignments and a system topic with an event subscription.
    scenario.vaults[0].type = 'managedHsm';
    expect(problemsOf(scenario)).toEqual([
      'vaults[0].rbac: a Managed HSM has no Azure RBAC setting: access to its keys is its local RBAC, which Resource Manager does not serve',
      'vaults[0].roleAssignments: Azure role assignments grant no Managed HSM key: access to its keys is its local RBAC, which Resource Manager does not serve',
      'vaults[0].systemTopic: a Managed HSM publishes no Event Grid events: it has no system topic',
      'vaults[0].eventSubscriptions: a Managed HSM publishes no Event Grid events: it has no event subscriptions',
    ]);
    for (const field of ['rbac', 'roleAssignments', 'systemTopic', 'eventSubscriptions'])
      delete scenario.vaults[0][field];
    scenario.vaults[0].accessPolicies = [
      { objectId: scenario.policies[0].principalId, keys: ['get', 'wrapKey', 'unwrapKey'] },
    ];
    scenario.vaults[0].softDelete = false;
    scenario.vaults[0].purgeProtection = false;
    expect(problemsOf(scenario)).toEqual([
      'vaults[0].accessPolicies: a Managed HSM has no access policies: access to its keys is its local RBAC, which Resource Manager does not serve',
      'vaults[0].softDelete: soft delete is always on in a Managed HSM',
    ]);
  });

  it('takes an HSM with keys that policies name as they name a vault, and a vault without a type is a vault', async () => {
    const scenario = await demo();
    for (const field of ['rbac', 'roleAssignments', 'systemTopic', 'eventSubscriptions'])
      delete scenario.vaults[0][field];
    scenario.vaults[0].type = 'managedHsm';
    const parsed = parseScenario(scenario);
    expect(parsed.vaults[0]).toMatchObject({ name: 'kv-contoso-cmk-eu', type: 'managedHsm' });
    expect(parsed.policies.some((policy) => policy.vault === 'kv-contoso-cmk-eu')).toBe(true);
    expect(parsed.vaults[1]?.type).toBe('vault');
    scenario.vaults[0].type = 'hsm';
    expect(problemsOf(scenario)).toEqual([expect.stringMatching(/^vaults\[0\]\.type: /)]);
  });
});

describe('materialize', () => {
  it('turns relative days into dates seen from now', async () => {
    const now = new Date('2030-06-01T12:00:00Z');
    const [old, current] = materialize(parseScenario(await demo()), now).vaults[0]?.keys[0]?.versions ?? [];
    expect(old).toEqual({
      enabled: true,
      createdOn: new Date('2029-04-27T12:00:00Z'),
      expiresOn: new Date('2030-06-21T12:00:00Z'),
      notBefore: null,
    });
    expect(current?.createdOn).toEqual(new Date('2030-05-29T12:00:00Z'));
  });
});
