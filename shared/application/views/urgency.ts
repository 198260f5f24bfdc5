import { statusRank } from '../../domain/model.js';
import type { EnvironmentView } from './environmentView.js';

const names = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

/**
 * Most urgent first: environments in outage, then by when the (actual or predicted) outage is — earliest first,
 * none last — then by status, then by display name; the id breaks remaining ties so the order is stable.
 */
export function compareUrgency(a: EnvironmentView, b: EnvironmentView): number {
  return (
    Number(b.status === 'outage') - Number(a.status === 'outage') ||
    compareOutageAt(a.outageAt, b.outageAt) ||
    statusRank[b.status] - statusRank[a.status] ||
    names.compare(a.displayName, b.displayName) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

export function sortByUrgency<T extends EnvironmentView>(environments: readonly T[]): T[] {
  return [...environments].sort(compareUrgency);
}

function compareOutageAt(a: string | null, b: string | null): number {
  const at = timeOf(a);
  const bt = timeOf(b);
  if (at === bt) return 0;
  if (at === null) return 1;
  if (bt === null) return -1;
  return at - bt;
}

/** An unparseable time sorts with the unknown ones rather than breaking the order. */
function timeOf(value: string | null): number | null {
  if (value === null) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : time;
}
