import { KeyClient, type KeyClientOptions, type KeyProperties } from '@azure/keyvault-keys';
import type { TokenCredential } from '@azure/core-auth';
import type { Key, KeyVersion, Readout, Vault } from '../../../domain/model.js';
import { memoize } from '../../../memoize.js';
import { readout } from './readout.js';

/** A key's current version (type, size), every version's attributes and its rotation policy, from the data plane. */
export class KeyReader {
  private readonly client: (vaultUri: string) => KeyClient;

  constructor(credential: TokenCredential, options: KeyClientOptions) {
    this.client = memoize(
      (vaultUri) =>
        new KeyClient(vaultUri, credential, {
          ...options,
          // The challenge check needs a *.vault.azure.net-style host; a loopback double has none.
          disableChallengeResourceVerification: isLoopback(vaultUri),
        }),
    );
  }

  async read(vault: Vault, keyName: string, pinnedVersion: string | null): Promise<Readout<Key>> {
    const client = this.client(vault.uri);
    return readout(`Key ${keyName} in vault ${vault.name}`, async () => {
      const [current, versions, hasRotationPolicy] = await Promise.all([
        client.getKey(keyName, pinnedVersion ? { version: pinnedVersion } : {}).catch((error: unknown) => {
          // A pinned version that is gone leaves the key readable; the rules report the missing version.
          if (pinnedVersion && (error as { statusCode?: number }).statusCode === 404) return client.getKey(keyName);
          throw error;
        }),
        listVersions(client, keyName),
        client.getKeyRotationPolicy(keyName).then(
          // A key without a policy answers 200 `{"lifetimeActions":null,"attributes":null}` (azure-sdk-for-js live recording
          // recording_getkeyrotationpolicy_returns_undefined_if_there_is_no_rotation_policy.js), which the SDK reads as
          // no expiry and no actions; a policy set with only the Notify action Key Vault adds by default rotates nothing.
          // Only an expiry or a Rotate action counts.
          (policy) =>
            Boolean(policy.expiresIn) ||
            (policy.lifetimeActions ?? []).some((a) => a.action.toLowerCase() === 'rotate'),
          (error: unknown) => {
            if ((error as { statusCode?: number }).statusCode === 404) return false;
            throw error;
          },
        ),
      ]);
      return {
        vaultName: vault.name,
        name: keyName,
        kty: current.keyType ?? 'unknown',
        size: current.key?.n ? modulusBits(current.key.n) : null,
        versions,
        currentVersion: pinnedVersion ?? current.properties.version ?? '',
        hasRotationPolicy,
      } satisfies Key;
    });
  }
}

async function listVersions(client: KeyClient, keyName: string): Promise<KeyVersion[]> {
  const versions: KeyVersion[] = [];
  for await (const properties of client.listPropertiesOfKeyVersions(keyName)) versions.push(toVersion(properties));
  return versions;
}

function toVersion(p: KeyProperties): KeyVersion {
  return {
    version: p.version ?? '',
    enabled: p.enabled !== false,
    createdOn: p.createdOn ?? null,
    updatedOn: p.updatedOn ?? null,
    expiresOn: p.expiresOn ?? null,
    notBefore: p.notBefore ?? null,
  };
}

function isLoopback(uri: string): boolean {
  const host = new URL(uri).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

/** RSA key size from the JWK modulus, ignoring a leading zero byte. */
function modulusBits(n: Uint8Array): number {
  const leadingZeros = n.findIndex((byte) => byte !== 0);
  return (n.length - Math.max(leadingZeros, 0)) * 8;
}
