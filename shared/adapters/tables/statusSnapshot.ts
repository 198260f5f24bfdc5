import { odata, type TableEntity } from '@azure/data-tables';
import type { EnvironmentStatus, StatusChange } from '../../domain/environmentStatus.js';
import type { Versioned } from '../../application/ports/stores.js';
import type { StoredRow } from './rowQuery.js';

/** A partition of the Status table as one reader found it at a stamp: its statuses, and its latest changes first. */
export interface PartitionView {
  stamp: string;
  statuses: ReadonlyMap<string, Versioned<EnvironmentStatus>>;
  recent: readonly StatusChange[];
}

/** A view keeps this many of its partition's latest changes: enough for the dashboard (15) and health. */
export const recentKept = 20;

/**
 * The snapshot rows (`snapshot|000`, …) and the stamp, which sort next to each other ('snapshot|' < 'stamp', and no
 * other row key falls between): one range query in the partition, read in key order, so the stamp is read last.
 */
export const snapshotAndStamp = odata`RowKey ge 'snapshot|' and RowKey le 'stamp'`;

const format = 1;
/** Table Storage holds a string property of up to 64 KiB of UTF-16 and an entity of up to 1 MiB ("Understanding the Table service data model"). */
const charsPerProperty = 32_000;
const propertiesPerRow = 15;
const charsPerRow = charsPerProperty * propertiesPerRow;

/**
 * A view as the rows that save it beside its partition, so that a new instance reads one range instead of every
 * status row. Each row carries the stamp: rows written at different stamps (two writers, or a write between them)
 * do not make a snapshot, and a snapshot whose stamp is not the partition's current one is not used.
 */
export function snapshotRows(partitionKey: string, view: PartitionView): TableEntity[] {
  const text = JSON.stringify({ statuses: [...view.statuses.values()], recent: view.recent });
  const parts = Math.max(1, Math.ceil(text.length / charsPerRow));
  return Array.from({ length: parts }, (_, part) => {
    const slice = text.slice(part * charsPerRow, (part + 1) * charsPerRow);
    const chunks = Object.fromEntries(
      Array.from({ length: Math.ceil(slice.length / charsPerProperty) }, (_, i) => [
        `d${String(i).padStart(2, '0')}`,
        slice.slice(i * charsPerProperty, (i + 1) * charsPerProperty),
      ]),
    );
    return { partitionKey, rowKey: snapshotKey(part), format, stamp: view.stamp, part, parts, ...chunks };
  });
}

/**
 * The view a snapshot saved, when its rows are whole and were taken at `stamp`; null otherwise (none yet, written at
 * another stamp, cut short, or unreadable), and the caller reads the partition itself.
 */
export function viewOfSnapshot(rows: StoredRow[], stamp: string): PartitionView | null {
  const byKey = new Map(rows.map((row) => [row.rowKey, row.properties]));
  const parts = byKey.get(snapshotKey(0))?.parts;
  if (typeof parts !== 'number' || parts < 1) return null;
  let text = '';
  for (let part = 0; part < parts; part++) {
    const row = byKey.get(snapshotKey(part));
    if (row?.format !== format || row.stamp !== stamp || row.parts !== parts) return null;
    for (let i = 0; typeof row[`d${String(i).padStart(2, '0')}`] === 'string'; i++)
      text += row[`d${String(i).padStart(2, '0')}`] as string;
  }
  try {
    const saved = JSON.parse(text) as { statuses?: unknown; recent?: unknown };
    if (!Array.isArray(saved.statuses) || !Array.isArray(saved.recent)) return null;
    const statuses = (saved.statuses as Versioned<EnvironmentStatus>[]).map(frozen);
    return {
      stamp,
      statuses: new Map(statuses.map((status) => [status.value.environmentId, status])),
      recent: Object.freeze(saved.recent as StatusChange[]),
    };
  } catch {
    return null;
  }
}

/** Views are shared by every caller of the store: what they hand out cannot be changed under another. */
export function frozen(status: Versioned<EnvironmentStatus>): Versioned<EnvironmentStatus> {
  for (const finding of status.value.findings) Object.freeze(finding);
  Object.freeze(status.value.findings);
  Object.freeze(status.value);
  return Object.freeze(status);
}

function snapshotKey(part: number): string {
  return `snapshot|${String(part).padStart(3, '0')}`;
}
