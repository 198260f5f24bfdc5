import { describe, expect, expectTypeOf, it } from 'vitest';
import { alertable } from '../../../shared/domain/alerts/incidents.js';
import { levelOf } from '../../../shared/domain/alerts/ladder.js';
import { dutiesOf } from '../../../shared/domain/alerts/recipients.js';
import type { RuleId } from '../../../shared/domain/model.js';
import {
  afterChainRuleDefinitions,
  alertings,
  chainRuleDefinitions,
  linkRuleDefinitions,
  remedies,
  restoreBreakers,
  ruleDefinitions,
  ruleIds,
  sides,
} from '../../../shared/domain/rules/index.js';
import { chainRules } from '../../../shared/domain/rules/findings.js';
import type { RuleDefinition } from '../../../shared/domain/rules/rule.js';
import { finding, incident } from '../alerts/builders.js';

const definitions: readonly RuleDefinition[] = ruleDefinitions;
const idsWhere = (holds: (rule: RuleDefinition) => boolean) => definitions.filter(holds).map((rule) => rule.id);

/** The ids in the order the monitor has always listed them: findings of one severity sort by it. */
const everyId = [
  'key-access-failing',
  'key-expired',
  'key-expiring',
  'key-disabled',
  'key-missing',
  'key-not-yet-valid',
  'key-type-unsupported',
  'vault-recovery-off',
  'access-revoked',
  'previous-version-disabled-early',
  'unlinked-chain-broken',
  'vault-network-blocked',
  'region-mismatch',
  'environment-not-eligible',
  'key-no-expiry',
  'monitor-blind',
  'link-failed',
  'link-pending',
  'policy-unhealthy',
  'environment-still-disabled',
  'events-not-wired',
] as const;

describe('the rule list', () => {
  it('keeps RuleId a union of the ids as written', () => {
    expectTypeOf<RuleId>().toEqualTypeOf<(typeof everyId)[number]>();
  });

  it('holds each id once, in the order the monitor has always listed them', () => {
    expect(new Set(ruleIds).size).toBe(ruleIds.length);
    expect(ruleIds).toEqual(everyId);
  });

  it('gives every rule a remedy', () => {
    for (const rule of definitions) expect(rule.remedy.trim(), rule.id).not.toBe('');
  });
});

describe('the tables derived from the list', () => {
  it('take every value from the definitions', () => {
    for (const rule of definitions) {
      const id = rule.id;
      expect(remedies[id]).toBe(rule.remedy);
      expect(sides[id]).toBe(rule.duty);
      expect(alertings[id]).toBe(rule.alerting);
    }
    expect(Object.keys(remedies)).toEqual(ruleIds);
    expect(Object.keys(sides)).toEqual(ruleIds);
    expect(Object.keys(alertings)).toEqual(ruleIds);
  });

  it('hold exactly the rules whose definitions say so', () => {
    expect([...restoreBreakers]).toEqual(idsWhere((rule) => rule.kind === 'chain' && rule.breaksRestores === true));
    expect(chainRuleDefinitions.map((rule) => rule.id)).toEqual(idsWhere((rule) => rule.kind === 'chain'));
    expect(linkRuleDefinitions.map((rule) => rule.id)).toEqual(idsWhere((rule) => rule.kind === 'link'));
    expect(afterChainRuleDefinitions.map((rule) => rule.id)).toEqual(idsWhere((rule) => rule.kind === 'afterChain'));
    expect(chainRules).toEqual(chainRuleDefinitions.map((rule) => rule.check));
  });

  it('are what the monitor decided before each rule had a module of its own', () => {
    expect([...restoreBreakers].sort()).toEqual(['access-revoked', 'key-disabled', 'key-expired', 'key-missing']);
    expect(idsWhere((rule) => rule.duty === 'environmentSide')).toEqual([
      'region-mismatch',
      'environment-not-eligible',
      'link-failed',
      'link-pending',
      'environment-still-disabled',
    ]);
    expect(idsWhere((rule) => rule.duty === 'bothSides')).toEqual(['unlinked-chain-broken', 'policy-unhealthy']);
    expect(idsWhere((rule) => rule.alerting === 'ladder')).toEqual(['key-expiring']);
    expect(idsWhere((rule) => rule.alerting === 'atOnce')).toEqual(['monitor-blind']);
    expect(idsWhere((rule) => rule.kind === 'failedLink')).toEqual(['link-failed']);
    expect(idsWhere((rule) => rule.kind === 'unlink')).toEqual(['unlinked-chain-broken']);
    expect(idsWhere((rule) => rule.kind === 'link')).toEqual(['link-pending']);
    expect(idsWhere((rule) => rule.kind === 'afterChain')).toEqual(['environment-still-disabled']);
  });
});

describe('alerting, read from each definition', () => {
  it('tells whom its duty names; an outage reaches both sides', () => {
    const told = {
      keyVaultSide: ['keyvault'],
      environmentSide: ['powerplatform'],
      bothSides: ['keyvault', 'powerplatform'],
    };
    for (const rule of definitions) {
      const id = rule.id;
      expect(dutiesOf(id, 'warning'), id).toEqual(told[rule.duty]);
      expect(dutiesOf(id, 'outage'), id).toEqual(['keyvault', 'powerplatform']);
    }
  });

  it('alerts a warning only for rules that alert at once or on the ladder, critical and worse always', () => {
    for (const rule of definitions) {
      const id = rule.id;
      expect(alertable(finding(id, 'warning')), id).toBe(rule.alerting !== 'atOnceWhenCritical');
      expect(alertable(finding(id, 'critical')), id).toBe(true);
      expect(alertable(finding(id, 'outage')), id).toBe(true);
    }
  });

  it('puts only ladder rules on the ladder of days before their due date', () => {
    const now = new Date('2025-06-01T00:00:00.000Z');
    for (const rule of definitions) {
      const ruled = incident({ rule: rule.id, dueAt: '2025-06-03T00:00:00.000Z' });
      expect(levelOf(ruled, now, [30, 7, 1]), rule.id).toBe(rule.alerting === 'ladder' ? 7 : 0);
    }
  });
});
