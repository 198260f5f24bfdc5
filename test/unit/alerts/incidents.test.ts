import { describe, expect, it } from 'vitest';
import { digestIncidentsOf, incidentsOf } from '../../../shared/domain/alerts/incidents.js';
import { finding, status } from './builders.js';

const otherPolicy = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.PowerPlatform/enterprisePolicies/cmk-us';

describe('incidentsOf', () => {
  it('makes one incident of environments sharing a key chain, listing every one of them, policies once', () => {
    const incidents = incidentsOf([
      status('e2', [finding('key-disabled', 'outage', '2026-11-20T00:00:00.000Z', 'Key pp-key is disabled.')], {
        displayName: 'Sales',
      }),
      status('e1', [finding('key-disabled', 'outage', '2026-11-19T00:00:00.000Z')], {
        displayName: 'Finance',
        vault: 'KV-Main',
        key: 'PP-Key',
      }),
      status('e3', [finding('key-disabled', 'outage')], {
        displayName: 'HR',
        policyId: otherPolicy,
        policyName: 'cmk-us',
      }),
    ]);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      id: 'key-disabled|kv-main|pp-key',
      rule: 'key-disabled',
      severity: 'outage',
      dueAt: '2026-11-19T00:00:00.000Z',
      policies: [{ name: 'cmk-eu' }, { name: 'cmk-us' }],
    });
    expect(incidents[0]?.environments.map((e) => [e.displayName, e.environmentId])).toEqual([
      ['Finance', 'e1'],
      ['HR', 'e3'],
      ['Sales', 'e2'],
    ]);
    expect(incidents[0]?.environments[2]).toEqual({
      environmentId: 'e2',
      displayName: 'Sales',
      status: 'outage',
      policyId: status('e2', []).policyId,
      policyName: 'cmk-eu',
      message: 'Key pp-key is disabled.',
      deletionAt: null,
    });
  });

  it('dates the deletion of an outage incident by its first environment to go, and of no other incident', () => {
    const locked = { lockedSince: '2026-11-20T00:00:00.000Z' };
    const [critical, outage] = incidentsOf([
      status('e1', [finding('key-disabled', 'outage'), finding('vault-recovery-off', 'critical')], {
        ...locked,
        deletionAt: '2026-12-20T00:00:00.000Z',
      }),
      status('e2', [finding('key-disabled', 'outage')], { ...locked, deletionAt: '2026-11-27T00:00:00.000Z' }),
    ]).sort((a, b) => a.severity.localeCompare(b.severity));
    expect(outage).toMatchObject({ rule: 'key-disabled', deletionAt: '2026-11-27T00:00:00.000Z' });
    expect(outage?.environments.map((e) => e.deletionAt)).toEqual([
      '2026-12-20T00:00:00.000Z',
      '2026-11-27T00:00:00.000Z',
    ]);
    expect(critical).toMatchObject({ rule: 'vault-recovery-off', deletionAt: null });
    expect(critical?.environments.map((e) => e.deletionAt)).toEqual([null]);
  });

  it('makes one incident per key and per rule', () => {
    const incidents = incidentsOf([
      status('e1', [finding('key-disabled', 'outage'), finding('vault-recovery-off', 'critical')]),
      status('e2', [finding('key-disabled', 'outage')], { key: 'other-key' }),
    ]);
    expect(incidents.map((incident) => incident.id)).toEqual([
      'key-disabled|kv-main|other-key',
      'key-disabled|kv-main|pp-key',
      'vault-recovery-off|kv-main|pp-key',
    ]);
  });

  it('takes the worst severity and the earliest due date', () => {
    const [incident] = incidentsOf([
      status('e1', [finding('key-expiring', 'warning', '2026-12-20T00:00:00.000Z')]),
      status('e2', [finding('key-expiring', 'critical', '2026-11-25T00:00:00.000Z')]),
      status('e3', [finding('key-expiring', 'warning', null)]),
    ]);
    expect(incident).toMatchObject({ severity: 'critical', dueAt: '2026-11-25T00:00:00.000Z' });
  });

  it('keeps the chain without vault or key in the id', () => {
    const [incident] = incidentsOf([
      status('e1', [finding('monitor-blind', 'warning')], { vault: null, key: null, policyId: null }),
    ]);
    expect(incident).toMatchObject({ id: 'monitor-blind||', vault: null, key: null, policies: [] });
  });

  it('alerts only outages, criticals, key-expiring and a blind monitor; the digest has every finding but info', () => {
    const statuses = [
      status('e1', [
        finding('key-expired', 'outage'),
        finding('vault-recovery-off', 'critical'),
        finding('key-expiring', 'warning', '2026-12-20T00:00:00.000Z'),
        finding('monitor-blind', 'warning'),
        finding('region-mismatch', 'warning'),
        finding('environment-not-eligible', 'warning'),
        finding('key-no-expiry', 'info'),
      ]),
    ];
    expect(incidentsOf(statuses).map((incident) => incident.rule)).toEqual([
      'key-expired',
      'key-expiring',
      'monitor-blind',
      'vault-recovery-off',
    ]);
    expect(digestIncidentsOf(statuses).map((incident) => incident.rule)).toEqual([
      'environment-not-eligible',
      'key-expired',
      'key-expiring',
      'monitor-blind',
      'region-mismatch',
      'vault-recovery-off',
    ]);
  });

  it('gives the same incidents whatever the order of the statuses', () => {
    const statuses = ['e1', 'e2', 'e3'].map((id, i) =>
      status(id, [finding('access-revoked', 'outage')], {
        displayName: `Env ${3 - i}`,
        policyId: `${otherPolicy}${i}`,
      }),
    );
    expect(incidentsOf([...statuses].reverse())).toEqual(incidentsOf(statuses));
  });
});
