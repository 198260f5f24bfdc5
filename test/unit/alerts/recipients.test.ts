import { describe, expect, it } from 'vitest';
import { dutiesOf, recipientsFor } from '../../../shared/alerts/recipients.js';
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
  ] as const)('%s (%s) goes to %j', (rule, severity, duties) => {
    expect(dutiesOf(rule, severity)).toEqual(duties);
  });

  it('sends an outage to both lists once per address, whatever its case', () => {
    expect(recipientsFor(incident(), settings, new Map())).toEqual(['kv@contoso.com', 'pp@contoso.com']);
  });

  it("sends to the policy tag's addresses instead when a policy of the incident has one", () => {
    const policyId = incident().policies[0]?.id.toLowerCase() ?? '';
    expect(recipientsFor(incident(), settings, new Map([[policyId, ['team@contoso.com']]]))).toEqual(['team@contoso.com']);
  });
});
