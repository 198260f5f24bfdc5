import { describe, expect, it } from 'vitest';
import { dutiesOf, recipientsFor } from '../../../shared/domain/alerts/recipients.js';
import { incident } from './builders.js';

const settings = { keyvaultAdmins: ['kv@contoso.com'], powerplatformAdmins: ['pp@contoso.com', 'KV@contoso.com'] };

describe('recipients by duty', () => {
  it.each([
    ['key-disabled', 'outage', ['keyvault', 'powerplatform']],
    ['key-expiring', 'warning', ['keyvault']],
    ['vault-recovery-off', 'critical', ['keyvault']],
    ['monitor-blind', 'warning', ['keyvault']],
    ['environment-not-eligible', 'warning', ['powerplatform']],
    ['region-mismatch', 'warning', ['powerplatform']],
    ['unlinked-chain-broken', 'critical', ['keyvault', 'powerplatform']],
    ['access-revoked', 'outage', ['keyvault', 'powerplatform']],
    ['key-expiring', 'critical', ['keyvault']],
    ['previous-version-disabled-early', 'critical', ['keyvault']],
    ['link-failed', 'critical', ['powerplatform']],
    ['link-pending', 'warning', ['powerplatform']],
    ['policy-unhealthy', 'outage', ['keyvault', 'powerplatform']],
    ['policy-unhealthy', 'warning', ['keyvault', 'powerplatform']],
  ] as const)('%s (%s) goes to %j', (rule, severity, duties) => {
    expect(dutiesOf(rule, severity)).toEqual(duties);
  });

  it('sends an outage to both lists once per address, whatever its case', () => {
    expect(recipientsFor(incident(), settings, new Map())).toEqual(['kv@contoso.com', 'pp@contoso.com']);
  });

  it("sends to the policy tag's addresses instead when a policy of the incident has one", () => {
    const policyId = incident().policies[0]?.id.toLowerCase() ?? '';
    expect(recipientsFor(incident(), settings, new Map([[policyId, ['team@contoso.com']]]))).toEqual([
      'team@contoso.com',
    ]);
  });

  it('sends key-side problems to key vault admins and environment-side ones to Power Platform admins', () => {
    expect(recipientsFor(incident({ rule: 'vault-recovery-off', severity: 'critical' }), settings, new Map())).toEqual([
      'kv@contoso.com',
    ]);
    expect(
      recipientsFor(incident({ rule: 'environment-not-eligible', severity: 'critical' }), settings, new Map()),
    ).toEqual(['KV@contoso.com', 'pp@contoso.com']);
  });

  it('joins the tags of every tagged policy of the incident, and ignores tags of other policies', () => {
    const policies = [
      { id: '/P/One', name: 'one' },
      { id: '/p/two', name: 'two' },
      { id: '/p/three', name: 'three' },
    ];
    const overrides = new Map([
      ['/p/one', ['b@contoso.com', 'a@contoso.com']],
      ['/p/two', ['A@contoso.com']],
      ['/p/other', ['x@contoso.com']],
    ]);
    expect(recipientsFor(incident({ policies }), settings, overrides)).toEqual(['a@contoso.com', 'b@contoso.com']);
    expect(recipientsFor(incident({ policies: [{ id: '/p/three', name: 'three' }] }), settings, overrides)).toEqual([
      'kv@contoso.com',
      'pp@contoso.com',
    ]);
  });

  it('gives no one when nothing is configured', () => {
    expect(recipientsFor(incident(), { keyvaultAdmins: [], powerplatformAdmins: [] }, new Map())).toEqual([]);
  });
});
