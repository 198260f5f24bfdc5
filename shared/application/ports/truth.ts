import type { Key, Readout, RoleGrant, Vault } from '../../domain/model.js';

/** The live state of the chain, read from Azure. */
export interface Truth {
  vault(vaultId: string): Promise<Readout<Vault>>;
  key(vault: Vault, keyName: string, pinnedVersion: string | null): Promise<Readout<Key>>;
  grants(vault: Vault, principalId: string): Promise<Readout<RoleGrant[]>>;
}
