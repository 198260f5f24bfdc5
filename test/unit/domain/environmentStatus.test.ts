import { describe, expect, it } from 'vitest';
import {
  advance,
  type EnvironmentEvaluation,
  type EnvironmentStatus,
} from '../../../shared/domain/environmentStatus.js';
import type { Evaluation, Finding } from '../../../shared/domain/model.js';

const t0 = new Date('2026-11-22T12:00:00Z');
const t1 = new Date('2026-11-22T13:00:00Z');
const expiring: Finding = {
  rule: 'key-expiring',
  severity: 'warning',
  message: 'Key k expires on 2026-12-12',
  dueAt: '2026-12-12T00:00:00.000Z',
};
const disabled: Finding = {
  rule: 'key-disabled',
  severity: 'outage',
  message: 'Key k version 1 is disabled',
  dueAt: null,
};

function environmentEvaluation(evaluation: Evaluation, observedAt = t0.toISOString()): EnvironmentEvaluation {
  return {
    environmentId: 'e',
    displayName: 'Sales',
    policyId: 'p',
    policyName: 'cmk',
    vault: 'v',
    key: 'k',
    keyVersion: '1',
    sku: 'Sandbox',
    evaluation,
    observedAt,
  };
}
const healthy = environmentEvaluation({ status: 'healthy', findings: [], outageAt: null });
const warning = environmentEvaluation({ status: 'warning', findings: [expiring], outageAt: expiring.dueAt });
const outage = environmentEvaluation({ status: 'outage', findings: [disabled], outageAt: null });

function first(a: EnvironmentEvaluation): EnvironmentStatus {
  const next = advance(null, a, t0, 'scan')?.next;
  if (!next) throw new Error('expected a status');
  return next;
}

describe('advance', () => {
  it('never lets an older read replace a newer one', () => {
    const later = first(
      environmentEvaluation({ status: 'outage', findings: [disabled], outageAt: null }, t1.toISOString()),
    );
    expect(advance(later, healthy, t1, 'Microsoft.KeyVault.KeyNearExpiry')).toBeNull();
    expect(
      advance(
        later,
        environmentEvaluation({ status: 'healthy', findings: [], outageAt: null }, t1.toISOString()),
        t1,
        'scan',
      )?.next?.status,
    ).toBe('healthy');
  });

  it('records the first environmentEvaluation with a history entry', () => {
    const transition = advance(null, warning, t0, 'scan');
    expect(transition?.next).toMatchObject({ status: 'warning', since: t0.toISOString(), outageAt: expiring.dueAt });
    expect(transition?.change).toEqual({
      environmentId: 'e',
      at: t0.toISOString(),
      from: null,
      to: 'warning',
      added: ['key-expiring'],
      removed: [],
      source: 'scan',
    });
  });

  it('writes nothing when nothing changed', () => {
    expect(advance(first(warning), warning, t1, 'scan')).toBeNull();
  });

  it("writes a finding's new date alone, with no history entry; a date stored absent is the same as none", () => {
    const later = { ...expiring, dueAt: '2026-12-13T00:00:00.000Z' };
    const moved = advance(
      first(warning),
      environmentEvaluation({ status: 'warning', findings: [later], outageAt: expiring.dueAt }, t1.toISOString()),
      t1,
      'scan',
    );
    expect(moved?.next?.findings).toEqual([later]);
    expect(moved?.change).toBeNull();
    const stored = first(outage);
    const { dueAt: _dueAt, ...withoutDate } = disabled;
    expect(advance({ ...stored, findings: [withoutDate as Finding] }, outage, t1, 'scan')).toBeNull();
  });

  it('writes nothing when the stored findings carry their fields in another order', () => {
    const stored = first(warning);
    const reordered = {
      ...stored,
      findings: stored.findings.map(({ dueAt, message, severity, rule }) => ({ dueAt, message, severity, rule })),
    };
    expect(advance(reordered, warning, t1, 'scan')).toBeNull();
  });

  it('records a status change with what caused it and when', () => {
    const transition = advance(first(warning), outage, t1, 'Microsoft.KeyVault.KeyNewVersionCreated');
    expect(transition?.next).toMatchObject({ status: 'outage', since: t1.toISOString() });
    expect(transition?.change).toMatchObject({
      from: 'warning',
      to: 'outage',
      added: ['key-disabled'],
      removed: ['key-expiring'],
      source: 'Microsoft.KeyVault.KeyNewVersionCreated',
    });
  });

  it('starts the deletion clock when the outage is first seen and keeps it while the environment stays down', () => {
    const down = advance(first(healthy), outage, t0, 'scan')?.next ?? null;
    expect(down).toMatchObject({ lockedSince: t0.toISOString(), deletionAt: '2026-11-29T12:00:00.000Z' });
    expect(advance(down, outage, t1, 'AuditEvent.KeyUpdate')).toBeNull();
    const expired = {
      rule: 'key-expired' as const,
      severity: 'outage' as const,
      message: 'Key k expired',
      dueAt: '2026-12-01T00:00:00.000Z',
    };
    const still = advance(
      down,
      environmentEvaluation({ status: 'outage', findings: [expired], outageAt: expired.dueAt }, t1.toISOString()),
      t1,
      'scan',
    )?.next;
    expect(still).toMatchObject({ since: t0.toISOString(), lockedSince: t0.toISOString() });
    expect(advance(down, healthy, t1, 'scan')?.next).toMatchObject({ lockedSince: null, deletionAt: null });
  });

  it('dates an outage without a known time from when it was first seen, and keeps that date', () => {
    const down = advance(first(healthy), outage, t0, 'scan')?.next;
    expect(down?.outageAt).toBe(t0.toISOString());
    expect(advance(down ?? null, outage, t1, 'scan')).toBeNull();
  });

  it('updates a changed message without a history entry when status and rules stay', () => {
    const later = environmentEvaluation({
      status: 'warning',
      findings: [{ ...expiring, message: 'Key k expires on 2026-12-13' }],
      outageAt: expiring.dueAt,
    });
    const transition = advance(first(warning), later, t1, 'scan');
    expect(transition?.next?.findings[0]?.message).toBe('Key k expires on 2026-12-13');
    expect(transition?.next?.since).toBe(t0.toISOString());
    expect(transition?.change).toBeNull();
  });

  it.each(['displayName', 'policyId', 'policyName', 'vault', 'key', 'keyVersion'] as const)(
    'writes the status again when its %s changes, without a history entry',
    (field) => {
      const transition = advance(first(warning), { ...warning, [field]: 'changed' }, t1, 'scan');
      expect(transition?.next?.[field]).toBe('changed');
      expect(transition?.change).toBeNull();
    },
  );

  it('removes an environment that is no longer watched, with a history entry', () => {
    const transition = advance(first(warning), null, t1, 'scan');
    expect(transition).toEqual({
      next: null,
      change: expect.objectContaining({ from: 'warning', to: null, removed: ['key-expiring'] }) as unknown,
    });
  });

  it('does nothing for an environment neither stored nor watched', () => {
    expect(advance(null, null, t1, 'scan')).toBeNull();
  });
});
