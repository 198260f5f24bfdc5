import { describe, expect, it } from 'vitest';
import { reconcileLink, type Link } from '../../../shared/domain/links.js';
import type { Environment, Policy } from '../../../shared/domain/model.js';

const now = new Date('2026-11-22T12:00:00Z');
const day = 86_400_000;
const policy = (name: string): Policy => ({
  id: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.PowerPlatform/enterprisePolicies/${name}`,
  name,
  location: 'europe',
  vaultId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v',
  keyName: 'k',
  keyVersion: null,
  principalId: 'p',
});
const a = policy('a');
const b = policy('b');
const environment: Environment = {
  id: 'e',
  displayName: 'Sales',
  location: 'europe',
  sku: 'Production',
  managed: true,
  policyId: null,
  linkStatus: null,
};
const facts = { displayName: 'Sales', location: 'europe', sku: 'Production', managed: true, linkStatus: null };
const linked = (p: Policy, previous: Link['previous'] = null): Link => ({
  environmentId: 'e',
  environment: facts,
  policyId: p.id,
  policy: p,
  previous,
  linkStatusSince: null,
});

describe('reconcileLink', () => {
  it('remembers nothing for an environment that never had a policy', () => {
    expect(reconcileLink(null, environment, { policyId: null, policy: null }, now)).toBeNull();
  });

  it('keeps a link that did not change, whatever the case of the policy id', () => {
    const stored = linked(a);
    expect(reconcileLink(stored, environment, { policyId: a.id.toUpperCase(), policy: a }, now)).toEqual(stored);
  });

  it('records when an environment leaves its policy', () => {
    expect(reconcileLink(linked(a), environment, { policyId: null, policy: null }, now)).toEqual({
      environmentId: 'e',
      environment: facts,
      policyId: null,
      policy: null,
      previous: { policy: a, unlinkedAt: now.toISOString() },
      linkStatusSince: null,
    });
  });

  it('keeps the unlink time on later scans', () => {
    const unlinkedAt = new Date(now.getTime() - 3 * day).toISOString();
    const stored: Link = {
      environmentId: 'e',
      environment: facts,
      policyId: null,
      policy: null,
      previous: { policy: a, unlinkedAt },
      linkStatusSince: null,
    };
    expect(reconcileLink(stored, environment, { policyId: null, policy: null }, now)?.previous?.unlinkedAt).toBe(
      unlinkedAt,
    );
  });

  it('remembers the old policy when an environment moves to another one', () => {
    const next = reconcileLink(linked(a), environment, { policyId: b.id, policy: b }, now);
    expect(next).toMatchObject({ policyId: b.id, policy: b, previous: { policy: a } });
  });

  it('forgets an unlink once 30 days have passed', () => {
    const unlinkedAt = new Date(now.getTime() - 30 * day).toISOString();
    const stored: Link = {
      environmentId: 'e',
      environment: facts,
      policyId: null,
      policy: null,
      previous: { policy: a, unlinkedAt },
      linkStatusSince: null,
    };
    expect(reconcileLink(stored, environment, { policyId: null, policy: null }, now)).toBeNull();
  });

  it('keeps an unlink 29 days old', () => {
    const unlinkedAt = new Date(now.getTime() - 29 * day).toISOString();
    const stored: Link = {
      environmentId: 'e',
      environment: facts,
      policyId: null,
      policy: null,
      previous: { policy: a, unlinkedAt },
      linkStatusSince: null,
    };
    expect(reconcileLink(stored, environment, { policyId: null, policy: null }, now)?.previous?.policy).toEqual(a);
  });

  it('drops the unlink when the environment returns to the same policy', () => {
    const stored: Link = {
      environmentId: 'e',
      environment: facts,
      policyId: null,
      policy: null,
      previous: { policy: a, unlinkedAt: now.toISOString() },
      linkStatusSince: null,
    };
    expect(reconcileLink(stored, environment, { policyId: a.id, policy: a }, now)).toEqual(linked(a));
  });

  it('records what the inventory says of the environment now', () => {
    const renamed = { ...environment, displayName: 'Sales EU', managed: false };
    expect(reconcileLink(linked(a), renamed, { policyId: a.id, policy: a }, now)?.environment).toEqual({
      ...facts,
      displayName: 'Sales EU',
      managed: false,
    });
  });

  it('keeps a link to a policy the monitor cannot see, by id', () => {
    const stored = linked(a);
    expect(reconcileLink(stored, environment, { policyId: a.id, policy: null }, now)).toEqual(stored);
  });

  describe('the link status and when the monitor first saw it', () => {
    const linking = { ...environment, linkStatus: 'Linking' };
    const earlier = new Date(now.getTime() - 2 * day).toISOString();
    const stored = (linkStatus: string | null, linkStatusSince: string | null, p: Policy = a): Link => ({
      ...linked(p),
      environment: { ...facts, linkStatus },
      linkStatusSince,
    });

    it('dates a status the monitor sees for the first time from now', () => {
      expect(reconcileLink(null, linking, { policyId: a.id, policy: a }, now)).toMatchObject({
        environment: { linkStatus: 'Linking' },
        linkStatusSince: now.toISOString(),
      });
    });

    it('keeps the date while the status stays the same, whatever its case', () => {
      const next = reconcileLink(stored('LINKING', earlier), linking, { policyId: a.id, policy: a }, now);
      expect(next?.linkStatusSince).toBe(earlier);
    });

    it('dates a new status from now', () => {
      const next = reconcileLink(
        stored('Linking', earlier),
        { ...environment, linkStatus: 'Linked' },
        { policyId: a.id, policy: a },
        now,
      );
      expect(next?.linkStatusSince).toBe(now.toISOString());
    });

    it('dates the same status on another policy from now', () => {
      const next = reconcileLink(stored('Linking', earlier, b), linking, { policyId: a.id, policy: a }, now);
      expect(next?.linkStatusSince).toBe(now.toISOString());
    });

    it('dates a status stored before statuses were dated from now', () => {
      expect(reconcileLink(stored('Linking', null), linking, { policyId: a.id, policy: a }, now)?.linkStatusSince).toBe(
        now.toISOString(),
      );
    });

    it('has no date without a status', () => {
      expect(
        reconcileLink(stored('Linking', earlier), environment, { policyId: a.id, policy: a }, now)?.linkStatusSince,
      ).toBeNull();
    });
  });
});
