import type { Key, Readout, Vault } from '../../../domain/model.js';

/** Where keys are read: Resource Manager first, the data plane where ARM refuses (auto), or one path only. */
export type KeyReadPath = 'auto' | 'arm' | 'dataPlane';

export type ReadKey = (vault: Vault, keyName: string, pinnedVersion: string | null) => Promise<Readout<Key>>;

/** A path to a vault's keys: ArmKeyReader or KeyReader. */
export interface KeySource {
  read: ReadKey;
}

/**
 * Resource Manager is not gated by the vault's firewall, so it reads the keys of vaults that admit only trusted
 * services; the data plane stays as the fallback for a vault where ARM refuses (403 and the like, not a failure that
 * may pass). A key neither path can read stays
 * blind, and the finding names both refusals.
 */
export function keyReads(path: KeyReadPath, arm: KeySource, dataPlane: KeySource): ReadKey {
  if (path === 'dataPlane') return (vault, keyName, version) => dataPlane.read(vault, keyName, version);
  if (path === 'arm') return (vault, keyName, version) => arm.read(vault, keyName, version);
  return async (vault, keyName, version) => {
    const viaArm = await arm.read(vault, keyName, version);
    // A failure that may pass (throttling, 5xx, network) is not a refusal: the next scan or the event's retry reads again.
    if (viaArm.kind !== 'blind' || viaArm.retryable) return viaArm;
    const viaDataPlane = await dataPlane.read(vault, keyName, version);
    if (viaDataPlane.kind !== 'blind') return viaDataPlane;
    return {
      kind: 'blind',
      detail: `through Resource Manager: ${viaArm.detail}; through the vault's data plane: ${viaDataPlane.detail}`,
      retryable: Boolean(viaArm.retryable) || Boolean(viaDataPlane.retryable),
    };
  };
}
