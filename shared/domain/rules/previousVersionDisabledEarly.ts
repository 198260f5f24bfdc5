import type { Finding, Key, KeyVersion } from '../model.js';
import { addDays, currentOf, finding, iso } from './helpers.js';
import { defineRule, type RuleContext } from './rule.js';

/** The previous key version must stay enabled this long after a rotation. */
const ROTATION_OVERLAP_DAYS = 28;

export const previousVersionDisabledEarlyRule = defineRule({
  id: 'previous-version-disabled-early',
  kind: 'chain',
  severity: 'critical',
  check: previousVersionDisabledEarly,
  remedy: 'Re-enable the previous key version and keep it enabled for at least 28 days after the rotation.',
  duty: 'keyVaultSide',
  alerting: 'atOnceWhenCritical',
});

export function previousVersionDisabledEarly({ chain, now }: RuleContext): Finding | null {
  const current = currentOf(chain);
  const rotatedAt = current?.version.createdOn;
  if (!current || !rotatedAt) return null;
  const overlapEnds = addDays(rotatedAt, ROTATION_OVERLAP_DAYS);
  if (now.getTime() >= overlapEnds.getTime()) return null;
  const previous = previousVersionOf(current.key, rotatedAt);
  if (!previous || previous.enabled) return null;
  const { key, version } = current;
  return finding(
    previousVersionDisabledEarlyRule,
    `Key '${key.name}' in vault '${key.vaultName}' was rotated to version '${version.version}' on ${iso(rotatedAt)}, ` +
      `but previous version '${previous.version}' is disabled; it must stay enabled until ${iso(overlapEnds)}.`,
    overlapEnds,
  );
}

/** The newest version created before the rotation. */
export function previousVersionOf(key: Key, rotatedAt: Date): KeyVersion | undefined {
  return key.versions
    .filter((version) => version.createdOn !== null && version.createdOn.getTime() < rotatedAt.getTime())
    .reduce<KeyVersion | undefined>(
      (newest, version) => (!newest || createdMs(version) > createdMs(newest) ? version : newest),
      undefined,
    );
}

function createdMs(version: KeyVersion): number {
  return version.createdOn?.getTime() ?? Number.NEGATIVE_INFINITY;
}
