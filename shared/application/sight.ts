import type { Status } from '../domain/model.js';
import { oneLine } from '../text/oneLine.js';
import type { InventoryListed } from './ports/inventory.js';

/**
 * Something the monitor could not see, which makes it `degraded`: a tenant it cannot read must never look healthy.
 * - `links-not-seen`: ARM lists encryption policies, but no environment links to any of them;
 * - `not-understood`: items of a response lacked a field the readers need, so they were left out, or were evaluated
 *   without it (a linked environment without its runtime state);
 * - `policies-unreadable`: a subscription's enterprise policies could not be listed (a missing right, most often);
 * - `chains-unreadable`: environments whose key chain the monitor could not read (status unknown);
 * - `scan-failed`: the last scan could not read the inventory at all.
 */
export const blindSpotCodes = [
  'links-not-seen',
  'not-understood',
  'policies-unreadable',
  'chains-unreadable',
  'scan-failed',
] as const;

export interface BlindSpot {
  code: (typeof blindSpotCodes)[number];
  reason: string;
}

/** Whether the monitor must not evaluate through these: with the links unseen, the statuses it knows are kept as they are. */
export function keepsStatuses(spots: BlindSpot[]): boolean {
  return spots.some((spot) => spot.code === 'links-not-seen');
}

/** A scan that could not read the inventory at all, as health and the monitor's admins are told it. */
export function scanFailed(error: unknown): BlindSpot {
  return {
    code: 'scan-failed',
    reason: `The inventory could not be read: ${outside(error instanceof Error ? error.message : String(error))}`,
  };
}

const listedReasons = 3;
const maxOutside = 500;

/** What a scan could not see, from what the inventory listed, how many environments linked to a listed policy, and the statuses it evaluated. */
export function blindSpotsOf(
  inventory: InventoryListed,
  linked: number,
  byStatus: Record<Status, number>,
): BlindSpot[] {
  const spots: BlindSpot[] = [];
  if (inventory.policies.length > 0 && linked === 0) {
    spots.push({
      code: 'links-not-seen',
      reason:
        `ARM lists ${inventory.policies.length} encryption ${plural(inventory.policies.length, 'policy', 'policies')}, but none of the ` +
        `${inventory.environments} environments the Power Platform admin API listed links to any ` +
        '(properties.enterprisePolicies.customerManagedKeys absent); the statuses known before are kept',
    });
  }
  if (inventory.unreported.length > 0) {
    spots.push({
      code: 'not-understood',
      reason:
        `${inventory.unreported.length} linked ${plural(inventory.unreported.length, 'environment', 'environments')} came without a runtime state ` +
        `(properties.states.runtime.id), so whether Power Platform still keeps ${plural(inventory.unreported.length, 'it', 'them')} disabled ` +
        `after key access is back (environment-still-disabled) cannot be told: ${firstOf(inventory.unreported.map((item) => item.source))}`,
    });
  }
  if (inventory.skipped.length > 0) {
    spots.push({
      code: 'not-understood',
      reason: `${inventory.skipped.length} ${plural(inventory.skipped.length, 'item', 'items')} left out, in a shape the readers do not understand: ${firstOf(inventory.skipped.map((item) => `${item.source}: ${item.reason}`))}`,
    });
  }
  for (const { subscriptionId, detail } of inventory.unreadable.slice(0, listedReasons)) {
    spots.push({
      code: 'policies-unreadable',
      reason: `Enterprise policies of subscription ${outside(subscriptionId)} could not be listed: ${outside(detail)}`,
    });
  }
  if (byStatus.unknown > 0) {
    spots.push({
      code: 'chains-unreadable',
      reason: `${byStatus.unknown} ${plural(byStatus.unknown, 'environment is', 'environments are')} unknown: the monitor cannot read part of ${byStatus.unknown === 1 ? 'its' : 'their'} key chain (see the monitor-blind findings)`,
    });
  }
  return spots;
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

/** The first few texts from outside, and how many more there are. */
function firstOf(texts: string[]): string {
  const more = texts.length > listedReasons ? `; and ${texts.length - listedReasons} more` : '';
  return `${texts.slice(0, listedReasons).map(outside).join('; ')}${more}`;
}

/** Text from a response or an error, as a reason may carry it: one line, no invisible characters, at most 500 characters. */
function outside(text: string): string {
  const line = oneLine(text);
  return line.length > maxOutside ? `${line.slice(0, maxOutside)}…` : line;
}
