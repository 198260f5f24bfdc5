import { describe, it, expect } from 'vitest';
import { evaluate } from '../../../shared/domain/evaluate.js';
import type { Chain, Unlink } from '../../../shared/domain/model.js';
import { blind, chainOf, DAY, environmentOf, fromNow, missing, NOW, unlinkOf } from './builders.js';

const judge = (chain: Chain | null, unlink: Unlink | null = null, environment = environmentOf()) =>
  evaluate({ environment, chain, unlink }, NOW);
const rulesOf = (chain: Chain | null, unlink: Unlink | null = null) => judge(chain, unlink).findings.map((f) => f.rule);
const brokenUnlink = (ago: number) => unlinkOf(chainOf({ key: missing(), policy: { name: 'ep-old' } }), fromNow(-ago));

describe('evaluate', () => {
  it('is healthy for a sound chain', () => {
    expect(judge(chainOf())).toEqual({ status: 'healthy', findings: [], outageAt: null });
  });

  it('is healthy with only info findings', () => {
    const evaluation = judge(chainOf({ current: { expiresOn: null } }));
    expect(evaluation.status).toBe('healthy');
    expect(evaluation.findings.map((f) => f.rule)).toEqual(['key-no-expiry']);
  });

  it('is healthy with no findings for an unlinked environment without a recent unlink', () => {
    expect(judge(null, null, environmentOf({ sku: 'Trial', policyId: null }))).toEqual({
      status: 'healthy',
      findings: [],
      outageAt: null,
    });
  });

  it('evaluates only the unlink when the environment is no longer linked', () => {
    const evaluation = judge(null, brokenUnlink(29 * DAY), environmentOf({ sku: 'Trial', policyId: null }));
    expect(evaluation.status).toBe('critical');
    expect(evaluation.findings.map((f) => f.rule)).toEqual(['unlinked-chain-broken']);
    expect(evaluation.outageAt).toBeNull();
  });

  it('drops the unlink finding 30 days after the unlink', () => {
    expect(judge(null, brokenUnlink(30 * DAY)).findings).toEqual([]);
  });

  it('adds the unlink finding to a linked chain', () => {
    expect(rulesOf(chainOf(), brokenUnlink(DAY))).toEqual(['unlinked-chain-broken']);
  });

  it('is outage when blind and in outage', () => {
    const evaluation = judge(
      chainOf({ key: blind(), vault: { publicNetworkAccess: 'Disabled', trustedServicesBypass: false } }),
    );
    expect(evaluation.status).toBe('outage');
    expect(evaluation.findings.map((f) => f.rule)).toEqual(['vault-network-blocked', 'monitor-blind']);
  });

  it('is unknown when blind with a critical finding', () => {
    const evaluation = judge(chainOf({ grants: blind(), vault: { softDelete: false } }));
    expect(evaluation.status).toBe('unknown');
    expect(evaluation.findings.map((f) => f.rule)).toEqual(['vault-recovery-off', 'monitor-blind']);
  });

  it('takes the worst of warning and critical', () => {
    expect(judge(chainOf({ policy: { location: 'uk' } })).status).toBe('warning');
    expect(judge(chainOf({ policy: { location: 'uk' }, vault: { purgeProtection: false } })).status).toBe('critical');
  });

  it('sorts by severity, then by rule order, one finding per rule', () => {
    const chain = chainOf({
      current: { enabled: false, expiresOn: null },
      grants: [],
      vault: { softDelete: false },
      policy: { location: 'uk' },
      key: { kty: 'EC', size: null },
    });
    expect(rulesOf(chain)).toEqual([
      'key-disabled',
      'access-revoked',
      'key-type-unsupported',
      'vault-recovery-off',
      'region-mismatch',
      'key-no-expiry',
    ]);
  });

  it('picks the earliest known outage date', () => {
    const updatedOn = fromNow(-3 * DAY);
    const evaluation = judge(chainOf({ current: { enabled: false, updatedOn, expiresOn: fromNow(5 * DAY) } }));
    expect(evaluation.status).toBe('outage');
    expect(evaluation.outageAt).toBe(updatedOn.toISOString());
  });

  it('predicts the outage at the expiry of an expiring key, ignoring other deadlines', () => {
    const expiresOn = fromNow(10 * DAY);
    const evaluation = judge(chainOf({ current: { expiresOn } }), brokenUnlink(29 * DAY));
    expect(evaluation.findings.map((f) => [f.rule, f.dueAt])).toEqual([
      ['unlinked-chain-broken', fromNow(DAY).toISOString()],
      ['key-expiring', expiresOn.toISOString()],
    ]);
    expect(evaluation.outageAt).toBe(expiresOn.toISOString());
  });

  it('dates an outage whose start Key Vault does not give from now: it is in force', () => {
    const evaluation = judge(chainOf({ grants: [] }));
    expect(evaluation).toMatchObject({ status: 'outage', outageAt: NOW.toISOString() });
  });

  // Down now beside down later: the outage is now (or when Key Vault dates its start), never the later expiry.
  const expiresOn = fromNow(20 * DAY);
  it.each([
    ['access-revoked', chainOf({ grants: [], current: { expiresOn } }), NOW],
    ['key-not-yet-valid', chainOf({ current: { expiresOn, notBefore: fromNow(2 * DAY) } }), NOW],
    [
      'vault-network-blocked',
      chainOf({ current: { expiresOn }, vault: { networkDefaultAction: 'Deny', trustedServicesBypass: false } }),
      NOW,
    ],
    [
      'key-disabled',
      chainOf({ current: { expiresOn, enabled: false, updatedOn: fromNow(-3 * DAY) } }),
      fromNow(-3 * DAY),
    ],
  ])('dates %s beside a key expiring later from when it took effect', (rule, chain, outageAt) => {
    const evaluation = judge(chain);
    expect(evaluation.findings.map((f) => f.rule)).toContain(rule);
    expect(evaluation).toMatchObject({ status: 'outage', outageAt: outageAt.toISOString() });
  });

  it('dates a key expired in the past from its expiry, and predicts an expiring key at its expiry', () => {
    expect(judge(chainOf({ current: { expiresOn: fromNow(-2 * DAY) } })).outageAt).toBe(
      fromNow(-2 * DAY).toISOString(),
    );
    expect(judge(chainOf({ current: { expiresOn } }))).toMatchObject({
      status: 'warning',
      outageAt: expiresOn.toISOString(),
    });
  });

  it('applies the default thresholds unless given others', () => {
    const chain = chainOf({ current: { expiresOn: fromNow(45 * DAY) } });
    expect(evaluate({ environment: environmentOf(), chain, unlink: null }, NOW).findings).toEqual([]);
    const custom = evaluate({ environment: environmentOf(), chain, unlink: null }, NOW, {
      expiringWithinDays: 60,
      criticalWithinDays: 7,
      refusalQuietMinutes: 30,
    });
    expect(custom).toMatchObject({ status: 'warning', outageAt: fromNow(45 * DAY).toISOString() });
  });

  it('writes the same messages whenever it runs', () => {
    const chain = chainOf({
      current: { expiresOn: fromNow(20 * DAY) },
      grants: [],
      vault: { softDelete: false, networkDefaultAction: 'Deny', trustedServicesBypass: false },
      policy: { location: 'uk' },
    });
    const at = (now: Date) =>
      evaluate({ environment: environmentOf(), chain, unlink: brokenUnlink(DAY) }, now).findings;
    expect(at(fromNow(3_600_000))).toEqual(at(NOW));
  });

  describe('the link', () => {
    const withLink = (linkStatus: string | null, chain: Chain, linkStatusSince: Date | null = null) =>
      evaluate({ environment: environmentOf({ linkStatus }), chain, unlink: null, linkStatusSince }, NOW);

    it('is critical when the link failed, whatever the chain would predict', () => {
      const evaluation = withLink('Failed', chainOf({ grants: [], current: { expiresOn: fromNow(2 * DAY) } }));
      expect(evaluation).toMatchObject({ status: 'critical', outageAt: null });
      expect(evaluation.findings.map((f) => f.rule)).toEqual(['link-failed']);
    });

    it('is critical, not unknown, when the link failed and the chain is unreadable', () => {
      expect(withLink('Failed', chainOf({ key: blind() })).status).toBe('critical');
    });

    it('keeps the unlink finding of a failed link', () => {
      const evaluation = evaluate(
        { environment: environmentOf({ linkStatus: 'Failed' }), chain: chainOf(), unlink: brokenUnlink(DAY) },
        NOW,
      );
      expect(evaluation.findings.map((f) => f.rule)).toEqual(['unlinked-chain-broken', 'link-failed']);
    });

    it('is healthy while a link is pending, and a warning once it has lasted four days', () => {
      expect(withLink('Linking', chainOf(), fromNow(-DAY))).toMatchObject({
        status: 'healthy',
        findings: [{ rule: 'link-pending', severity: 'info' }],
      });
      expect(withLink('Linking', chainOf(), fromNow(-4 * DAY))).toMatchObject({
        status: 'warning',
        findings: [{ rule: 'link-pending' }],
      });
    });

    it('is an outage when Microsoft reports the policy Unhealthy, even when the monitor is blind', () => {
      const evaluation = withLink('Linked', chainOf({ policy: { healthStatus: 'Unhealthy' }, key: blind() }));
      expect(evaluation.status).toBe('outage');
      expect(evaluation.findings.map((f) => f.rule)).toEqual(['policy-unhealthy', 'monitor-blind']);
    });
  });
});
