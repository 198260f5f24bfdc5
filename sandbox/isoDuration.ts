/** ISO 8601 durations as Key Vault rotation policies use them (P1Y, P90D, P2M, P1W, PT12H …). */

const pattern = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?!$)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

export function isIsoDuration(text: string): boolean {
  return pattern.test(text);
}

/** `date` plus `duration`, calendar-aware for years and months (UTC). */
export function addIsoDuration(date: Date, duration: string): Date {
  const match = pattern.exec(duration);
  if (!match) throw new Error(`Not an ISO 8601 duration: ${duration}`);
  const [years, months, weeks, days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const result = new Date(date.getTime());
  result.setUTCFullYear(result.getUTCFullYear() + years, result.getUTCMonth() + months);
  const milliseconds = ((((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
  return new Date(result.getTime() + milliseconds);
}
