import type { RuleId, Severity } from '../model.js';
import { sides } from '../rules/index.js';
import type { Duty } from '../rules/rule.js';
import type { Incident } from './model.js';

/** Who can act: key-side problems reach key vault admins, environment-side ones Power Platform admins, outages both. */
export function dutiesOf(rule: RuleId, severity: Severity): Duty[] {
  const side = sides[rule];
  if (severity === 'outage' || side === 'bothSides') return ['keyvault', 'powerplatform'];
  return side === 'environmentSide' ? ['powerplatform'] : ['keyvault'];
}

export interface Recipients {
  keyvaultAdmins: string[];
  powerplatformAdmins: string[];
}

/**
 * The addresses for an incident: those its policies name in their tag, when any does (the team that owns those
 * policies wants them instead), otherwise the admins by duty.
 */
export function recipientsFor(incident: Incident, settings: Recipients, overrides: Map<string, string[]>): string[] {
  const tagged = incident.policies.flatMap((policy) => overrides.get(policy.id.toLowerCase()) ?? []);
  const addresses = tagged.length
    ? tagged
    : dutiesOf(incident.rule, incident.severity).flatMap((duty) =>
        duty === 'keyvault' ? settings.keyvaultAdmins : settings.powerplatformAdmins,
      );
  return uniqueAddresses(addresses);
}

/** Each address once, whatever its case, sorted. */
export function uniqueAddresses(addresses: string[]): string[] {
  const unique = new Map<string, string>();
  for (const address of addresses) if (!unique.has(address.toLowerCase())) unique.set(address.toLowerCase(), address);
  return [...unique.values()].sort((a, b) => a.localeCompare(b));
}
