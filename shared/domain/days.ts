export const dayMs = 86_400_000;

/** Days until `dueAt`, rounded up (0 on the day, negative after). */
export function daysUntil(dueAt: string, now: Date): number {
  return Math.ceil((Date.parse(dueAt) - now.getTime()) / dayMs);
}
