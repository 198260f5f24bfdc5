/**
 * When Event Hubs enqueued each message of a batch (`cardinality: 'many'`): the trigger metadata's
 * `enqueuedTimeUtcArray`, one entry per message (learn.microsoft.com/azure/azure-functions/functions-bindings-event-hubs-trigger,
 * the TypeScript example). Event Hubs stamps it as it takes the event in
 * (learn.microsoft.com/dotnet/api/azure.messaging.eventhubs.eventdata.enqueuedtime), so no sender can choose it.
 * Null for a message the trigger gave no readable time for.
 */
export function enqueuedTimes(triggerMetadata: Record<string, unknown> | undefined, count: number): (Date | null)[] {
  const times = triggerMetadata?.enqueuedTimeUtcArray;
  return Array.from({ length: count }, (_, i) => utc(Array.isArray(times) ? times[i] : undefined));
}

/** An ISO 8601 UTC time; one without an offset is UTC too, as the metadata's name says, not this machine's local time. */
function utc(value: unknown): Date | null {
  if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?(Z|[+-]\d\d:\d\d)?$/i.test(value))
    return null;
  const at = new Date(/(Z|[+-]\d\d:\d\d)$/i.test(value) ? value : `${value}Z`);
  return Number.isNaN(at.getTime()) ? null : at;
}
