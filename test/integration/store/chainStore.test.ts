import { describe, expect, it } from 'vitest';
import type { Chain, KeyVersion } from '../../../shared/domain/model.js';
import { ChainStore } from '../../../shared/adapters/tables/chainStore.js';
import { openTestTables } from '../../support/tables.js';

const t0 = new Date('2026-11-22T12:00:00Z');
const principal = '11111111-2222-3333-4444-555555555555';
const policyId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.PowerPlatform/enterprisePolicies/Policy-A';

function version(index: number): KeyVersion {
  const day = (n: number) => new Date(t0.getTime() + n * 86_400_000);
  return {
    version: `v${String(index).padStart(31, '0')}`,
    enabled: index % 2 === 0,
    createdOn: day(-index),
    updatedOn: day(-index),
    expiresOn: day(365 - index),
    notBefore: null,
  };
}

function chain(versions: number): Chain {
  return {
    policy: {
      id: policyId,
      name: 'Policy-A',
      location: 'europe',
      vaultId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv',
      keyName: 'k',
      keyVersion: null,
      principalId: principal,
    },
    vault: {
      kind: 'found',
      value: {
        id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv',
        name: 'kv',
        type: 'vault',
        uri: 'https://kv.vault.azure.net/',
        softDelete: true,
        purgeProtection: true,
        rbac: false,
        publicNetworkAccess: 'Enabled',
        networkDefaultAction: 'Allow',
        trustedServicesBypass: true,
        accessPolicies: [
          { objectId: principal.toUpperCase(), keys: ['get', 'wrapKey', 'unwrapKey'] },
          { objectId: '99999999-2222-3333-4444-555555555555', keys: ['all'] },
        ],
      },
    },
    key: {
      kind: 'found',
      value: {
        vaultName: 'kv',
        name: 'k',
        kty: 'RSA',
        size: 2048,
        versions: Array.from({ length: versions }, (_, i) => version(i)),
        currentVersion: version(0).version,
        hasRotationPolicy: true,
      },
    },
    grants: { kind: 'found', value: [] },
    events: 'covered',
    refusals: [],
  };
}

async function freshStore(): Promise<ChainStore> {
  return new ChainStore(await openTestTables().get('Chains'));
}

describe('chain store', () => {
  it("keeps each policy's chain as read, with only the policy identity's access policies, and writes nothing the second time", async () => {
    const store = await freshStore();
    expect(await store.save(new Map(), [chain(3)], t0)).toMatchObject({ written: 1 });
    const stored = await store.list();
    const kept = stored.get(policyId.toLowerCase());
    const { events: _events, refusals: _refusals, ...read } = chain(3);
    expect(kept?.chain).toEqual({
      ...read,
      vault: {
        kind: 'found',
        value: {
          ...(read.vault.kind === 'found' && read.vault.value),
          accessPolicies: [{ objectId: principal.toUpperCase(), keys: ['get', 'wrapKey', 'unwrapKey'] }],
        },
      },
    });
    expect(kept?.observedAt).toBe(t0.toISOString());
    expect(await store.save(stored, [chain(3)], t0)).toMatchObject({ written: 0 });
  });

  it("keeps a long-lived key's hundreds of versions, beyond one property's 64 KiB", async () => {
    const store = await freshStore();
    await store.save(new Map(), [chain(600)], t0);
    const kept = (await store.list()).get(policyId.toLowerCase())?.chain.key;
    expect(kept?.kind === 'found' && kept.value.versions).toHaveLength(600);
    expect(kept?.kind === 'found' && kept.value.versions.find((v) => v.version === version(599).version)).toEqual(
      version(599),
    );
  });

  it('keeps what was last seen of a part the next read could not see', async () => {
    const store = await freshStore();
    await store.save(new Map(), [chain(2)], t0);
    const blind = {
      ...chain(2),
      key: { kind: 'blind', detail: 'Key Vault answered 403' } as const,
      vault: { kind: 'missing', detail: 'Vault kv is gone' } as const,
    };
    await store.save(await store.list(), [blind], new Date(t0.getTime() + 60_000));
    const kept = (await store.list()).get(policyId.toLowerCase())?.chain;
    expect(kept?.key.kind).toBe('found');
    expect(kept?.vault).toEqual({ kind: 'missing', detail: 'Vault kv is gone' });
  });

  it('keeps the key last read before it went missing, what recovering it brings back, until the key is read again', async () => {
    const store = await freshStore();
    await store.save(new Map(), [chain(2)], t0);
    const gone = { ...chain(2), key: { kind: 'missing', detail: 'Key k not found' } as const };
    await store.save(await store.list(), [gone], new Date(t0.getTime() + 60_000));
    const kept = (await store.list()).get(policyId.toLowerCase());
    const { key: lastRead } = chain(2);
    expect(kept?.chain.key).toEqual({ kind: 'missing', detail: 'Key k not found' });
    expect(kept?.chain.deletedKey).toEqual(lastRead.kind === 'found' && lastRead.value);
    expect(await store.save(await store.list(), [gone], new Date(t0.getTime() + 120_000))).toMatchObject({
      written: 0,
    });
    await store.save(await store.list(), [chain(2)], new Date(t0.getTime() + 180_000));
    expect((await store.list()).get(policyId.toLowerCase())?.chain.deletedKey).toBeUndefined();
  });

  it('reads the chains of the policies asked for, whatever their case, and leaves out those it has none of', async () => {
    const store = await freshStore();
    await store.save(new Map(), [chain(1)], t0);
    const found = await store.get([policyId.toUpperCase(), `${policyId}-other`]);
    expect([...found.keys()]).toEqual([policyId.toLowerCase()]);
    expect(found.get(policyId.toLowerCase())).toEqual((await store.list()).get(policyId.toLowerCase()));
  });
});
