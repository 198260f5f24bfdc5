/** The scenario format of the sandbox: validation that names the bad field, and relative days made absolute. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { materialize, parseScenario } from '../../../sandbox/scenario.js';

const demo = async (): Promise<Record<string, any>> =>
  JSON.parse(await readFile(new URL('../../../sandbox/scenarios/demo.json', import.meta.url), 'utf8')) as Record<string, any>;

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
    expect(() => parseScenario(scenario)).toThrow(/policies\[0\]\.pinnedVersion[\s\S]*environments\[1\]\.policy: no policy named 'cmk-eu'/);
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
    scenario.roleAssignments = [{ principalId: scenario.policies[0].principalId, roleDefinitionId: 'Owner', scope: 'rg-events' }];
    scenario.otherPolicies = [{ name: scenario.policies[0].name, resourceGroup: 'rg-pp', location: 'europe', kind: 'NetworkInjection' }];
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

describe('materialize', () => {
  it('turns relative days into dates seen from now', async () => {
    const now = new Date('2030-06-01T12:00:00Z');
    const [old, current] = materialize(parseScenario(await demo()), now).vaults[0]?.keys[0]?.versions ?? [];
    expect(old).toEqual({ enabled: true, createdOn: new Date('2029-04-27T12:00:00Z'), expiresOn: new Date('2030-06-21T12:00:00Z'), notBefore: null });
    expect(current?.createdOn).toEqual(new Date('2030-05-29T12:00:00Z'));
  });
});
