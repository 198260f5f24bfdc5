import type { Chain, Finding, Key, KeyVersion, Readout, RuleId, Severity, Vault } from '../model.js';
import { dayMs } from '../days.js';

/** A finding of the rule `of` names, at the severity it gives. */
export function finding(of: { id: RuleId; severity: Severity }, message: string, dueAt: Date | null = null): Finding {
  return { rule: of.id, severity: of.severity, message, dueAt: dueAt ? iso(dueAt) : null };
}

interface Current {
  key: Key;
  version: KeyVersion;
}

/** The key with its current version, when both were read. */
export function currentOf(chain: Chain): Current | null {
  const key = valueOf(chain.key);
  const version = key && currentVersionOf(key);
  return key && version ? { key, version } : null;
}

export function currentVersionOf(key: Key): KeyVersion | undefined {
  return key.versions.find((version) => version.version === key.currentVersion);
}

export function labelOf({ key, version }: Current): string {
  return `Key '${key.name}' version '${version.version}' in vault '${key.vaultName}'`;
}

/** "Vault 'kv-x'" or "Managed HSM 'hsm-x'". */
export function vaultLabel(vault: Vault): string {
  return `${vault.type === 'managedHsm' ? 'Managed HSM' : 'Vault'} '${vault.name}'`;
}

export function valueOf<T>(readout: Readout<T>): T | null {
  return readout.kind === 'found' ? readout.value : null;
}

export type LinkState = 'linked' | 'pending' | 'failed' | 'unrecognized';

const PENDING_LINK_STATUSES = ['linking', 'linkingonline', 'unlinking', 'unlinkingonline'];

/** A link without a reported status counts as Linked. */
export function linkStateOf(linkStatus: string | null): LinkState {
  if (linkStatus === null || /^linked$/i.test(linkStatus)) return 'linked';
  if (PENDING_LINK_STATUSES.includes(linkStatus.toLowerCase())) return 'pending';
  return /^failed$/i.test(linkStatus) ? 'failed' : 'unrecognized';
}

export function sameText(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function days(count: number): number {
  return count * dayMs;
}

export function addDays(date: Date, count: number): Date {
  return new Date(date.getTime() + days(count));
}

export function iso(date: Date): string {
  return date.toISOString();
}
