import { describe, expect, it } from 'vitest';
import { evaluateLink } from '../../../shared/application/evaluateEnvironment.js';
import { withRefusals } from '../../../shared/application/chains.js';
import { whatIf, type WhatIfDependencies } from '../../../shared/application/whatIf.js';
import { advance, type EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import type { Link } from '../../../shared/domain/links.js';
import type { Chain } from '../../../shared/domain/model.js';
import type { RefusalStreak } from '../../../shared/domain/refusals.js';
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
    environment: {
      displayName: `Env ${environmentId}`,
      location: 'europe',
      sku,
      managed: true,
      linkStatus: previous ? null : 'Linked',
    },
    policyId: previous ? null : contoso.policy.id,
    policy: previous ? null : contoso.policy,
    previous: previous ? { policy: contoso.policy, unlinkedAt: fromNow(-6 * DAY).toISOString() } : null,
    linkStatusSince: previous ? null : fromNow(-10 * DAY).toISOString(),
  };
}

function deps(
  links: Link[],
  chains: Chain[] = [contoso],
  scannedAt: string | null = fromNow(-HOUR).toISOString(),
  held: EnvironmentStatus[] = [],
  refusals: RefusalStreak[] = [],
): WhatIfDependencies {
  let etag = 0;
  const listOf = <T>(entries: [string, T][]) => ({ list: async () => new Map(entries) });
  return {
    links: async () => links,
    chains: listOf(
      chains.map((chain) => [
        chain.policy.id.toLowerCase(),
        { chain, observedAt: fromNow(-2 * HOUR).toISOString(), etag: String(etag++) },
      ]),
    ),
    statuses: {
      getMany: async (environmentIds) =>
        new Map(
          held
            .filter((status) => environmentIds.includes(status.environmentId))
            .map((status) => [status.environmentId, { value: status, etag: String(etag++) }]),
        ),
    },
    refusals: { list: async () => refusals },
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
    const result = await answer(
      [{ action: 'disableKeyVersion', vault, key: KEY_NAME, version: current }],
      deps([link('prod', 'Production'), link('sandbox', 'Sandbox')]),
    );
    expect(
      result.environments.map((e) => [
        e.environmentId,
        e.now.status,
        e.after.status,
        e.added.map((f) => f.rule),
        e.removed,
      ]),
    ).toEqual([
      ['prod', 'healthy', 'outage', ['key-disabled'], []],
      ['sandbox', 'healthy', 'outage', ['key-disabled'], []],
    ]);
    const deletions = result.environments.map((e) => e.after.deletionAt?.slice(0, 10));
    expect(deletions).toEqual([
      new Date(NOW.getTime() + 30 * DAY).toISOString().slice(0, 10),
      new Date(NOW.getTime() + 7 * DAY).toISOString().slice(0, 10),
    ]);
    expect(result.summary).toBe(
      `2 environments (1 production) down at once, deleted on ${deletions[1]} unless restored.`,
    );
    expect(result.changes).toEqual([{ action: 'disableKeyVersion', touched: true }]);
  });

  it('counts the restores an environment that left the chain would lose, and for how long', async () => {
    const result = await answer(
      [{ action: 'deleteKey', vault, key: KEY_NAME }],
      deps([link('left', 'Production', true)]),
    );
    expect(result.environments.map((e) => [e.environmentId, e.after.status, e.added.map((f) => f.rule)])).toEqual([
      ['left', 'critical', ['unlinked-chain-broken']],
    ]);
    expect(result.summary).toBe('1 restore would fail for 24 days; 1 environment would become critical.');
  });

  it('says a change is safe when no evaluation moves, and says when it touches nothing watched', async () => {
    const dependencies = deps([link('prod', 'Production')]);
    const safe = await answer(
      [{ action: 'setKeyVersionDates', vault, key: KEY_NAME, version: current, expiresOn: fromNow(300 * DAY) }],
      dependencies,
    );
    expect(safe).toMatchObject({
      environments: [],
      summary: "Safe: no environment's status or findings would change.",
    });
    const elsewhere = `${RESOURCE_GROUP}/providers/Microsoft.KeyVault/vaults/kv-elsewhere`;
    const nothing = await answer(
      [{ action: 'removeRoleAssignment', principalId: contoso.policy.principalId, scope: elsewhere }],
      dependencies,
    );
    expect(nothing).toMatchObject({ changes: [{ action: 'removeRoleAssignment', touched: false }], environments: [] });
    expect(nothing.summary).toBe('Nothing the monitor watches: no environment depends on what these changes touch.');
  });

  it('reads and evaluates only the environments a change reaches: those on its chain, not the rest of the tenant', async () => {
    const fabrikam = chainOf({
      policy: { id: otherPolicy, name: 'ep-unused', keyName: 'fabrikam-key' },
      key: { name: 'fabrikam-key' },
    });
    const onFabrikam = (environmentId: string): Link => ({
      ...link(environmentId, 'Production'),
      policyId: fabrikam.policy.id,
      policy: fabrikam.policy,
    });
    const elsewhere = onFabrikam('elsewhere');
    // A status the picture does not explain, on a key the change leaves alone: not this answer's concern.
    const unexplained = heldStatus(elsewhere, chainOf({ current: { enabled: false } }), fromNow(-30 * 60_000));
    const dependencies = deps(
      [link('prod', 'Production'), elsewhere, onFabrikam('also-elsewhere')],
      [contoso, fabrikam],
      fromNow(-HOUR).toISOString(),
      [unexplained],
    );
    const read: string[][] = [];
    const getMany = dependencies.statuses.getMany.bind(dependencies.statuses);
    dependencies.statuses = { getMany: (ids) => (read.push([...ids]), getMany(ids)) };
    const result = await answer(
      [{ action: 'disableKeyVersion', vault, key: KEY_NAME, version: current }],
      dependencies,
    );
    expect(result.environments.map((e) => e.environmentId)).toEqual(['prod']);
    expect(read).toEqual([['prod']]);
    expect(result.picture).toMatchObject({ stale: false, staleReason: null });
  });

  it('refuses a change naming what the picture does not know, with its path', async () => {
    const result = await whatIf(
      deps([link('prod', 'Production')]),
      [{ action: 'linkEnvironment', environmentId: 'prod', policyId: otherPolicy }],
      NOW,
    );
    expect(result).toMatchObject({ ok: false, path: 'changes[0].policyId' });
  });

  it('tells when its picture was read, and warns past twice the scan interval or with no scan at all', async () => {
    const change: Change[] = [{ action: 'enableKeyVersion', vault, key: KEY_NAME, version: current }];
    expect((await answer(change, deps([link('prod', 'Production')]))).picture).toEqual({
      scannedAt: fromNow(-HOUR).toISOString(),
      oldestChainReadAt: fromNow(-2 * HOUR).toISOString(),
      stale: false,
      staleReason: null,
    });
    expect(
      (await answer(change, deps([link('prod', 'Production')], [contoso], fromNow(-3 * HOUR).toISOString()))).picture,
    ).toMatchObject({
      stale: true,
      staleReason: 'the last scan is older than twice the scan interval',
    });
    expect((await answer(change, deps([link('prod', 'Production')], [contoso], null))).picture).toMatchObject({
      stale: true,
      staleReason: 'no scan has run yet',
    });
  });

  it('warns when a status was evaluated on a read the picture does not hold, and not for one it does', async () => {
    const prod = link('prod', 'Production');
    const change: Change[] = [{ action: 'enableKeyVersion', vault, key: KEY_NAME, version: current }];
    const heldOn = heldStatus(prod, chainOf({ current: { enabled: false } }), fromNow(-30 * 60_000));
    expect(heldOn.status).toBe('outage');
    expect(
      (await answer(change, deps([prod], [contoso], fromNow(-HOUR).toISOString(), [heldOn]))).picture,
    ).toMatchObject({
      stale: true,
      staleReason: '1 environment was evaluated on reads the picture does not hold',
    });
    const heldAsPictured = heldStatus(prod, contoso, fromNow(-30 * 60_000));
    expect(
      (await answer(change, deps([prod], [contoso], fromNow(-HOUR).toISOString(), [heldAsPictured]))).picture,
    ).toMatchObject({ stale: false, staleReason: null });
  });

  it('predicts that key-access-failing clears once a change gives the identity its access back, saying on what it depends', async () => {
    const prod = link('prod', 'Production');
    const disabled = chainOf({ current: { enabled: false } });
    const refused = streak(fromNow(-5 * 60_000));
    const heldOn = heldStatus(prod, disabled, fromNow(-5 * 60_000), [refused]);
    expect(heldOn.findings.map((f) => f.rule)).toEqual(['key-access-failing', 'key-disabled']);
    const result = await answer(
      [{ action: 'enableKeyVersion', vault, key: KEY_NAME, version: current }],
      deps([prod], [disabled], fromNow(-HOUR).toISOString(), [heldOn], [refused]),
    );
    expect(result.environments.map((e) => [e.after.status, e.removed.map((f) => f.rule), e.conditions])).toEqual([
      [
        'healthy',
        ['key-access-failing', 'key-disabled'],
        [
          "key-access-failing clears only once Power Platform's next call with the key succeeds: the monitor drops it when no refused call has reached the audit hub for 30 minutes and it has read the chain back.",
        ],
      ],
    ]);
    expect(result.summary).toBe(
      "1 environment would improve; key-access-failing would clear for 1 environment once Power Platform's next call with the key succeeds.",
    );
  });

  it('keeps key-access-failing when the picture does not show why the calls are refused, or the change does not end it', async () => {
    const prod = link('prod', 'Production');
    const refused = streak(fromNow(-5 * 60_000));
    const unexplained = await answer(
      [{ action: 'setKeyVersionDates', vault, key: KEY_NAME, version: current, expiresOn: fromNow(20 * DAY) }],
      deps([prod], [contoso], fromNow(-HOUR).toISOString(), [], [refused]),
    );
    expect(unexplained.environments.map((e) => [e.after.findings.map((f) => f.rule), e.conditions])).toEqual([
      [['key-access-failing', 'key-expiring'], undefined],
    ]);
    const stillRevoked = chainOf({ current: { enabled: false }, grants: [] });
    const partly = await answer(
      [{ action: 'enableKeyVersion', vault, key: KEY_NAME, version: current }],
      deps([prod], [stillRevoked], fromNow(-HOUR).toISOString(), [], [refused]),
    );
    expect(partly.environments.map((e) => [e.after.findings.map((f) => f.rule), e.conditions])).toEqual([
      [['key-access-failing', 'access-revoked'], undefined],
    ]);
  });

  it('says beside the evaluation what Azure cannot undo', async () => {
    const result = await answer([{ action: 'enablePurgeProtection', vault }], deps([link('prod', 'Production')]));
    expect(result.changes).toEqual([
      {
        action: 'enablePurgeProtection',
        touched: true,
        note: "Azure cannot turn purge protection off again: vault 'kv-contoso' keeps it for good.",
      },
    ]);
  });
});

/** A refused wrap of the policy identity on its key, last at `at`. */
function streak(at: Date): RefusalStreak {
  const { policy } = contoso;
  return {
    vaultId: policy.vaultId,
    vaultName: vault,
    keyName: KEY_NAME,
    principalId: policy.principalId,
    operation: 'KeyWrap',
    status: 403,
    firstAt: at.toISOString(),
    lastAt: at.toISOString(),
    arrivedAt: at.toISOString(),
  };
}

/** The status a read of `chain` at `at` left, as the scan evaluates it. */
function heldStatus(link: Link, chain: Chain, at: Date, refusals: RefusalStreak[] = []): EnvironmentStatus {
  const chains = new Map([[chain.policy.id.toLowerCase(), { ...chain }]]);
  withRefusals(chains, refusals);
  const next = advance(
    null,
    { ...evaluateLink(link, chains, at, defaultRuleOptions), observedAt: at.toISOString() },
    at,
    'event',
  )?.next;
  if (!next) throw new Error('nothing evaluated');
  return next;
}
