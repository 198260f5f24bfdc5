import { daysUntil } from '../../domain/days.js';

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Dec 2", in UTC as every date on the page. */
export function shortDate(iso: string): string {
  const date = new Date(iso);
  return `${months[date.getUTCMonth()] ?? ''} ${date.getUTCDate()}`;
}

/** "2026-12-02, in 10 days", "2026-11-20, 2 days ago", "2026-11-22, today". */
export function dateAndDays(iso: string, now: Date): string {
  const days = daysUntil(iso, now);
  const plural = (count: number) => `${count} day${count === 1 ? '' : 's'}`;
  return `${iso.slice(0, 10)}, ${days === 0 ? 'today' : days > 0 ? `in ${plural(days)}` : `${plural(-days)} ago`}`;
}
