import { describe, expect, it } from 'vitest';
import { toEnvironmentDetailView, toEnvironmentView } from '../../../shared/application/views/environmentView.js';
import type { StatusChange } from '../../../shared/domain/environmentStatus.js';
import { remedies } from '../../../shared/domain/rules/index.js';
import { chainFactsOf } from '../../../shared/domain/runbooks.js';
import { chainOf } from '../domain/builders.js';
import { disabled, expiring, statusOf } from './builders.js';

describe('toEnvironmentView', () => {
  it('maps a stored status to the API shape, with the policy by name', () => {
    const status = statusOf({ status: 'warning', findings: [expiring], outageAt: expiring.dueAt });
    expect(toEnvironmentView(status)).toEqual({
      id: status.environmentId,
      displayName: 'Sales',
      status: 'warning',
      since: '2026-11-22T12:00:00.000Z',
      policy: 'cmk-sales',
      policyId: status.policyId,
      vault: 'kv-main',
      key: 'k',
      keyVersion: '1',
      outageAt: '2026-12-12T00:00:00.000Z',
      lockedSince: null,
      deletionAt: null,
      findings: [{ ...expiring, remedy: remedies['key-expiring'] }],
    });
  });

  it('shows the start and deletion date of an outage', () => {
    const clock = { lockedSince: '2026-11-22T12:00:00.000Z', deletionAt: '2026-11-29T12:00:00.000Z' };
    expect(toEnvironmentView(statusOf({ status: 'outage', findings: [disabled], ...clock }))).toMatchObject(clock);
  });

  it('gives every finding the remedy of its rule', () => {
    const view = toEnvironmentView(statusOf({ status: 'outage', findings: [disabled, expiring] }));
    expect(view.findings.map((f) => [f.rule, f.remedy])).toEqual([
      ['key-disabled', remedies['key-disabled']],
      ['key-expiring', remedies['key-expiring']],
    ]);
  });

  it('keeps the nulls of an environment left without a policy', () => {
    const view = toEnvironmentView(
      statusOf({ policyId: null, policyName: null, vault: null, key: null, keyVersion: null }),
    );
    expect(view).toMatchObject({
      policy: null,
      policyId: null,
      vault: null,
      key: null,
      keyVersion: null,
      outageAt: null,
    });
  });

  it('has the fields the HTTP interface promises, in every view', () => {
    const view = toEnvironmentView(statusOf({ findings: [expiring] }));
    for (const field of [
      'id',
      'displayName',
      'status',
      'policy',
      'vault',
      'key',
      'outageAt',
      'lockedSince',
      'deletionAt',
      'findings',
    ])
      expect(view).toHaveProperty(field);
    for (const field of ['rule', 'severity', 'message', 'dueAt']) expect(view.findings[0]).toHaveProperty(field);
  });
});

describe('toEnvironmentDetailView', () => {
  const change = (at: string, from: StatusChange['from'], to: StatusChange['to']): StatusChange => ({
    environmentId: 'e',
    at,
    from,
    to,
    added: [],
    removed: [],
    source: 'scan',
  });

  it('adds the history, newest first, without the environment id on each entry', () => {
    const older = change('2026-11-22T12:00:00.000Z', null, 'warning');
    const newer = { ...change('2026-11-23T12:00:00.000Z', 'warning', 'outage'), added: ['key-disabled' as const] };
    const view = toEnvironmentDetailView(statusOf(), [older, newer], null);
    expect(view.history).toEqual([
      { at: newer.at, from: 'warning', to: 'outage', added: ['key-disabled'], removed: [], source: 'scan' },
      { at: older.at, from: null, to: 'warning', added: [], removed: [], source: 'scan' },
    ]);
    expect(view.id).toBe(statusOf().environmentId);
  });

  it('keeps the store order of entries made at the same instant', () => {
    const a = { ...change('2026-11-22T12:00:00.000Z', 'healthy', 'warning'), source: 'a' };
    const b = { ...change('2026-11-22T12:00:00.000Z', 'warning', 'outage'), source: 'b' };
    expect(toEnvironmentDetailView(statusOf(), [a, b], null).history.map((h) => h.source)).toEqual(['a', 'b']);
  });

  it("gives each finding its runbook on the environment's chain, ending an outage with re-enabling the environment", () => {
    const status = statusOf({ status: 'outage', findings: [disabled, expiring] });
    const view = toEnvironmentDetailView(status, [], chainFactsOf(chainOf()));
    const [down, soon] = view.findings;
    expect(down).toMatchObject({ ...disabled, remedy: remedies['key-disabled'] });
    expect(down?.runbook.steps[0]?.link?.url).toMatch(
      /^https:\/\/portal\.azure\.com\/#resource\/subscriptions\/.+\/vaults\/kv-contoso\/keys$/,
    );
    expect(down?.runbook.steps.at(-1)?.link?.url).toBe(
      `https://admin.powerplatform.microsoft.com/environments/environment/${status.environmentId}/hub`,
    );
    expect(soon?.runbook.steps.map((step) => step.link?.url)).not.toContain(down?.runbook.steps.at(-1)?.link?.url);
  });

  it('still gives the runbooks, without Azure links, when the monitor holds no chain', () => {
    const view = toEnvironmentDetailView(statusOf({ status: 'outage', findings: [disabled] }), [], null);
    expect(view.findings[0]?.runbook.steps.map((step) => step.link?.url)).toEqual([
      undefined,
      `https://admin.powerplatform.microsoft.com/environments/environment/${statusOf().environmentId}/hub`,
    ]);
  });

  it('keeps runbooks out of the list view', () => {
    expect(toEnvironmentView(statusOf({ findings: [disabled] })).findings[0]).not.toHaveProperty('runbook');
  });
});
