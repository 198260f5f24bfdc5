import { describe, expect, it } from 'vitest';
import type { Key, Readout, Vault } from '../../../shared/domain/model.js';
import { keyReads, type KeySource } from '../../../shared/adapters/azure/truth/keyReads.js';

const vault = { name: 'kv', id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv' } as Vault;
const key = (kty: string): Readout<Key> => ({
  kind: 'found',
  value: { vaultName: 'kv', name: 'k', kty, size: 2048, versions: [], currentVersion: 'v', hasRotationPolicy: false },
});

/** A path that answers `answer` and counts its reads. */
function source(answer: Readout<Key>): KeySource & { reads: number } {
  const path = { reads: 0, read: async () => (path.reads++, answer) };
  return path;
}

describe('keyReads', () => {
  it('reads through Resource Manager and leaves the data plane alone when ARM answers', async () => {
    const [arm, dataPlane] = [source(key('RSA')), source(key('RSA-HSM'))];
    expect(await keyReads('auto', arm, dataPlane)(vault, 'k', null)).toEqual(key('RSA'));
    expect(dataPlane.reads).toBe(0);
  });

  it('takes a missing key from ARM as proof: no second read', async () => {
    const [arm, dataPlane] = [source({ kind: 'missing', detail: 'Key k not found' }), source(key('RSA'))];
    expect((await keyReads('auto', arm, dataPlane)(vault, 'k', null)).kind).toBe('missing');
    expect(dataPlane.reads).toBe(0);
  });

  it('falls back to the data plane where ARM refuses, and names both refusals when both do', async () => {
    const refused = source({ kind: 'blind', detail: 'ARM said 403', retryable: false });
    expect(await keyReads('auto', refused, source(key('RSA')))(vault, 'k', null)).toEqual(key('RSA'));
    const both = await keyReads(
      'auto',
      refused,
      source({ kind: 'blind', detail: 'firewall said 403', retryable: true }),
    )(vault, 'k', null);
    expect(both).toEqual({
      kind: 'blind',
      detail: "through Resource Manager: ARM said 403; through the vault's data plane: firewall said 403",
      retryable: true,
    });
  });

  it('returns a failure that may pass as it is, without trying the data plane', async () => {
    const throttled: Readout<Key> = { kind: 'blind', detail: 'ARM said 429', retryable: true };
    const dataPlane = source(key('RSA'));
    expect(await keyReads('auto', source(throttled), dataPlane)(vault, 'k', null)).toEqual(throttled);
    expect(dataPlane.reads).toBe(0);
  });

  it('reads one path only when told to', async () => {
    const [arm, dataPlane] = [source(key('RSA')), source(key('RSA-HSM'))];
    expect(await keyReads('dataPlane', arm, dataPlane)(vault, 'k', null)).toEqual(key('RSA-HSM'));
    const blind: Readout<Key> = { kind: 'blind', detail: 'ARM said 403' };
    expect(await keyReads('arm', source(blind), dataPlane)(vault, 'k', null)).toEqual(blind);
    expect(arm.reads).toBe(0);
    expect(dataPlane.reads).toBe(1);
  });
});
