import { describe, it, expect } from 'vitest';
import { remedies, ruleIds } from '../../../shared/domain/rules/index.js';

describe('remedies', () => {
  it('has one instruction per rule id', () => {
    expect(Object.keys(remedies).sort()).toEqual([...ruleIds].sort());
    for (const id of ruleIds) expect(remedies[id].length).toBeGreaterThan(20);
  });

  it('tells to keep the previous version for 28 days when rotating', () => {
    expect(remedies['key-expiring']).toContain('28 days');
  });

  it('names the role and the access policy permissions for revoked access', () => {
    expect(remedies['access-revoked']).toContain('Key Vault Crypto Service Encryption User');
    expect(remedies['access-revoked']).toMatch(/Get, Wrap Key and Unwrap Key/);
  });
});
