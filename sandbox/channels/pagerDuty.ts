/**
 * PagerDuty Events API v2, `POST /v2/enqueue`, and the alerts its events open and resolve.
 *
 * Sources:
 * - Fields and limits (routing_key 32 characters, event_action trigger|acknowledge|resolve, dedup_key ≤ 255,
 *   payload.summary ≤ 1024, payload.source, payload.severity critical|error|warning|info, optional timestamp,
 *   component, group, class, custom_details; links need href, images need an https src), de-duplication (a trigger
 *   joins the open alert with its dedup_key; once resolved, a trigger opens a new one and acknowledge/resolve are
 *   dropped; follow-ups through another routing_key are dropped):
 *   https://developer.pagerduty.com/docs/send-alert-event (github.com/PagerDuty/developer-docs, docs/events-API-v2/02-Trigger-Events.md)
 * - 202 `{"status":"success","message":"Event processed","dedup_key":…}`; 400; payloads limited to 512 KB:
 *   https://developer.pagerduty.com/docs/events-API-v2/overview (01-Overview.md) and
 *   https://github.com/PagerDuty/api-schema/blob/main/reference/events-v2/openapiv3.json (dedup_key required unless trigger)
 * - Error bodies as PagerDuty sends them: `{"status":"invalid event","message":"Event object is invalid","errors":[…]}`
 *   with "Length of 'routing_key' is incorrect (should be 32 characters)" (many clients' fixtures),
 *   "'payload.severity' is missing or blank" (https://github.com/SigNoz/signoz/issues/9536) and "'payload.severity' is
 *   invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')"
 *   (https://github.com/robusta-dev/robusta/issues/1153); unparsable JSON: `{"status":"Unrecognized object","message":
 *   "Event object format is unrecognized","errors":["JSON parse error"]}` (the api-schema example). Other messages
 *   follow the same wording but were not seen verbatim.
 */
import { randomBytes } from 'node:crypto';
import type { Answer, ChannelRequest, PagerDutyOutcome } from './receiver.js';

const severities = ['critical', 'warning', 'error', 'info'];
const actions = ['trigger', 'acknowledge', 'resolve'];
const maxEventBytes = 512 * 1024;
const dedupKeyMax = 255;
const summaryMax = 1_024;

type Event = Record<string, unknown>;
interface Alert {
  routingKey: string;
  state: 'triggered' | 'resolved';
}

export function pagerDutyReceiver(): {
  receive(request: ChannelRequest): Answer;
  incidents(): Map<string, 'triggered' | 'resolved'>;
  clear(): void;
} {
  const alerts = new Map<string, Alert>();
  return {
    receive(request) {
      if (request.body.length > maxEventBytes)
        return json(413, {
          status: 'invalid event',
          message: 'Event object is invalid',
          errors: ['Event is larger than 512 KB'],
        });
      const event = parse(request);
      if (!event)
        return json(400, {
          status: 'Unrecognized object',
          message: 'Event object format is unrecognized',
          errors: ['JSON parse error'],
        });
      const errors = eventErrors(event);
      if (errors.length) return json(400, { status: 'invalid event', message: 'Event object is invalid', errors });
      const dedupKey = typeof event['dedup_key'] === 'string' ? event['dedup_key'] : randomBytes(16).toString('hex');
      const outcome = apply(alerts, event['routing_key'] as string, event['event_action'] as string, dedupKey);
      return {
        ...json(202, { status: 'success', message: 'Event processed', dedup_key: dedupKey }),
        accepted: { body: event, outcome },
      };
    },
    incidents: () => new Map([...alerts].map(([key, alert]) => [key, alert.state])),
    clear: () => alerts.clear(),
  };
}

function parse(request: ChannelRequest): Event | null {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') return null;
  try {
    const event: unknown = JSON.parse(request.body.toString('utf8'));
    return typeof event === 'object' && event !== null && !Array.isArray(event) ? (event as Event) : null;
  } catch {
    return null;
  }
}

/** Every reason PagerDuty would give for refusing the event. */
export function eventErrors(event: Event): string[] {
  const errors: string[] = [];
  const routingKey = event['routing_key'];
  if (!nonBlank(routingKey)) errors.push("'routing_key' is missing or blank");
  else if (routingKey.length !== 32) errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  const action = event['event_action'];
  if (!nonBlank(action)) errors.push("'event_action' is missing or blank");
  else if (!actions.includes(action))
    errors.push("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')");
  errors.push(...dedupKeyErrors(event['dedup_key'], action));
  if (action === 'trigger') errors.push(...payloadErrors(event['payload']), ...contextErrors(event));
  return errors;
}

function dedupKeyErrors(dedupKey: unknown, action: unknown): string[] {
  if (dedupKey === undefined || dedupKey === null)
    return action === 'acknowledge' || action === 'resolve' ? ["'dedup_key' is missing or blank"] : [];
  if (!nonBlank(dedupKey)) return ["'dedup_key' is missing or blank"];
  return dedupKey.length > dedupKeyMax ? [`'dedup_key' is too long (maximum is ${dedupKeyMax} characters)`] : [];
}

function payloadErrors(payload: unknown): string[] {
  if (!isObject(payload)) return ["'payload' is missing or blank"];
  const errors: string[] = [];
  const summary = payload['summary'];
  if (!nonBlank(summary)) errors.push("'payload.summary' is missing or blank");
  else if (summary.length > summaryMax)
    errors.push(`'payload.summary' is too long (maximum is ${summaryMax} characters)`);
  if (!nonBlank(payload['source'])) errors.push("'payload.source' is missing or blank");
  const severity = payload['severity'];
  if (!nonBlank(severity)) errors.push("'payload.severity' is missing or blank");
  else if (!severities.includes(severity))
    errors.push(
      "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
    );
  const timestamp = payload['timestamp'];
  if (timestamp !== undefined && (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))))
    errors.push("'payload.timestamp' is invalid");
  for (const name of ['component', 'group', 'class'])
    if (payload[name] !== undefined && typeof payload[name] !== 'string')
      errors.push(`'payload.${name}' must be a string`);
  if (payload['custom_details'] !== undefined && !isObject(payload['custom_details']))
    errors.push("'payload.custom_details' must be an object");
  return errors;
}

function contextErrors(event: Event): string[] {
  const errors: string[] = [];
  for (const name of ['client', 'client_url'])
    if (event[name] !== undefined && typeof event[name] !== 'string') errors.push(`'${name}' must be a string`);
  errors.push(...listErrors(event['links'], 'links', (link) => nonBlank(link['href'])));
  errors.push(
    ...listErrors(
      event['images'],
      'images',
      (image) => typeof image['src'] === 'string' && image['src'].startsWith('https://'),
    ),
  );
  return errors;
}

function listErrors(list: unknown, name: string, valid: (item: Event) => boolean): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) return [`'${name}' must be an array`];
  return list.some((item) => !isObject(item) || !valid(item)) ? [`'${name}' contains an invalid entry`] : [];
}

/** What the event does to the alert its dedup_key names. */
function apply(alerts: Map<string, Alert>, routingKey: string, action: string, dedupKey: string): PagerDutyOutcome {
  const alert = alerts.get(dedupKey);
  const open = alert?.state === 'triggered';
  if (action === 'trigger') {
    if (open && alert.routingKey === routingKey) return 'deduplicated';
    alerts.set(dedupKey, { routingKey, state: 'triggered' });
    return 'opened';
  }
  if (!open || alert.routingKey !== routingKey) return 'dropped';
  if (action === 'acknowledge') return 'acknowledged';
  alert.state = 'resolved';
  return 'resolved';
}

function nonBlank(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

function isObject(value: unknown): value is Event {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function json(status: number, body: object): Answer {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
