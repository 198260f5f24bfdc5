import { describe, expect, it } from 'vitest';
import { whatIf, type WhatIfDependencies } from '../../../shared/application/whatIf.js';
import type { Link } from '../../../shared/domain/links.js';
import type { Chain } from '../../../shared/domain/model.js';
import { defaultRuleOptions } from '../../../shared/domain/rules/rule.js';
import type { Change } from '../../../shared/domain/whatIf/changes.js';
import { chainOf, DAY, fromNow, HOUR, KEY_NAME, NOW, RESOURCE_GROUP } from '../domain/builders.js';

const contoso = chainOf();
const vault = contoso.vault.kind === 'found' ? contoso.vault.value.name : '';
const current = contoso.key.kind === 'found' ? contoso.key.value.currentVersion : '';
const otherPolicy = `${RESOURCE_GROUP}/providers/Microsoft.PowerPlatform/enterprisePolicies/ep-unused`;

function link(environmentId: string, sku: string, previous = false): Link {
  return {
    environmentId,
    environment: { displayName: `Env ${environmentId}`, location: 'europe', sku, managed: true, linkStatus: previous ? null : 'Linked' },
    policyId: previous ? null : contoso.policy.id,
    policy: previous ? null : contoso.policy,
    previous: previous ? { policy: contoso.policy, unlinkedAt: fromNow(-6 * DAY).toISOString() } : null,
    linkStatusSince: previous ? null : fromNow(-10 * DAY).toISOString(),
  };
}

function deps(links: Link[], chains: Chain[] = [contoso], scannedAt: string | null = fromNow(-HOUR).toISOString()): WhatIfDependencies {
  let etag = 0;
  const listOf = <T>(entries: [string, T][]) => ({ list: async () => new Map(entries) });
  return {
    links: listOf(links.map((value) => [value.environmentId, { link: value, etag: String(etag++) }])),
    chains: listOf(chains.map((chain) => [chain.policy.id.toLowerCase(), { chain, observedAt: fromNow(-2 * HOUR).toISOString(), etag: String(etag++) }])),
    statuses: listOf([]),
    refusals: { list: async () => [] },
    scans: { last: async () => (scannedAt ? { at: scannedAt, summary: {}, etag: '1' } : null) },
    eventCoverage: async () => [],
    ruleOptions: defaultRuleOptions,
    scanIntervalMs: HOUR,
  };
}

async function answer(changes: Change[], dependencies: WhatIfDependencies) {
  const result = await whatIf(dependencies, changes, NOW);
  if (!result.ok) throw new Error(`${result.path}: ${result.message}`);
  return result.answer;
}

describe('what-if', () => {
  it('names every environment a disabled version takes down, with its deletion date, and says how many', async () => {
    const result = await answer([{ action: 'disableKeyVersion', vault, key: KEY_NAME, version: current }], deps([link('prod', 'Production'), link('sandbox', 'Sandbox')]));
    expect(result.environments.map((e) => [e.environmentId, e.now.status, e.after.status, e.added.map((f) => f.rule), e.removed])).toEqual([
      ['prod', 'healthy', 'outage', ['key-disabled'], []],
      ['sandbox', 'healthy', 'outage', ['key-disabled'], []],
    ]);
    const deletions = result.environments.map((e) => e.after.deletionAt?.slice(0, 10));
    expect(deletions).toEqual([new Date(NOW.getTime() + 30 * DAY).toISOString().slice(0, 10), new Date(NOW.getTime() + 7 * DAY).toISOString().slice(0, 10)]);
    expect(result.summary).toBe(`2 environments (1 production) down at once, deleted on ${deletions[1]} unless restored.`);
    expect(result.changes).toEqual([{ action: 'disableKeyVersion', touched: true }]);
  });

  it("counts the restores an environment that left the chain would lose, and for how long", async () => {
    const result = await answer([{ action: 'deleteKey', vault, key: KEY_NAME }], deps([link('left', 'Production', true)]));
    expect(result.environments.map((e) => [e.environmentId, e.after.status, e.added.map((f) => f.rule)])).toEqual([['left', 'critical', ['unlinked-chain-broken']]]);
    expect(result.summary).toBe('1 restore would fail for 24 days; 1 environment would become critical.');
  });

  it('says a change is safe when no judgement moves, and says when it touches nothing watched', async () => {
    const dependencies = deps([link('prod', 'Production')]);
    const safe = await answer([{ action: 'setKeyVersionDates', vault, key: KEY_NAME, version: current, expiresOn: fromNow(300 * DAY) }], dependencies);
    expect(safe).toMatchObject({ environments: [], summary: "Safe: no environment's status or findings would change." });
    const elsewhere = `${RESOURCE_GROUP}/providers/Microsoft.KeyVault/vaults/kv-elsewhere`;
    const nothing = await answer([{ action: 'removeRoleAssignment', principalId: contoso.policy.principalId, scope: elsewhere }], dependencies);
    expect(nothing).toMatchObject({ changes: [{ action: 'removeRoleAssignment', touched: false }], environments: [] });
    expect(nothing.summary).toBe('Nothing the monitor watches: no environment depends on what these changes touch.');
  });

  it('refuses a change naming what the picture does not know, with its path', async () => {
    const result = await whatIf(deps([link('prod', 'Production')]), [{ action: 'linkEnvironment', environmentId: 'prod', policyId: otherPolicy }], NOW);
    expect(result).toMatchObject({ ok: false, path: 'changes[0].policyId' });
  });

  it('tells when its picture was read, and warns past twice the scan interval or with no scan at all', async () => {
    const change: Change[] = [{ action: 'enableKeyVersion', vault, key: KEY_NAME, version: current }];
    expect((await answer(change, deps([link('prod', 'Production')]))).picture).toEqual({
      scannedAt: fromNow(-HOUR).toISOString(),
      oldestChainReadAt: fromNow(-2 * HOUR).toISOString(),
      stale: false,
    });
    expect((await answer(change, deps([link('prod', 'Production')], [contoso], fromNow(-3 * HOUR).toISOString()))).picture.stale).toBe(true);
    expect((await answer(change, deps([link('prod', 'Production')], [contoso], null))).picture.stale).toBe(true);
  });
});
