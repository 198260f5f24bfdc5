import { z } from 'zod';
import { firstIssue } from '../../text/issues.js';

/**
 * One event, whichever schema it came in, with its data keys trimmed and lower-cased: real payloads mix PascalCase
 * and camelCase, and Microsoft's own Key Vault example prints `"ObjectName "` with a trailing space
 * (MicrosoftDocs/azure-docs, articles/event-grid/event-schema-key-vault.md).
 */
export interface Envelope {
  schema: 'EventGridSchema' | 'CloudEventSchemaV1_0';
  id: string;
  type: string;
  /** The publishing resource: `topic` in the Event Grid schema, `source` in CloudEvents. */
  source: string;
  subject: string;
  data: Record<string, unknown>;
}

/** Bounded text: an id, a type, a subject or a topic longer than any Azure sends is not an Azure event. */
const text = (max: number) => z.string().trim().min(1).max(max, `expected at most ${max} characters`);
const optionalText = (max: number) => z.string().max(max, `expected at most ${max} characters`);
const data = z.record(z.string(), z.unknown(), { error: 'expected an object' });

const eventGridEvent = z.object({
  id: text(512),
  eventType: text(256),
  subject: optionalText(2048),
  eventTime: text(64),
  topic: optionalText(2048).optional(),
  data,
  dataVersion: optionalText(64),
});

const cloudEvent = z.object({
  specversion: z.literal('1.0'),
  id: text(512),
  type: text(256),
  source: text(2048),
  subject: optionalText(2048).optional(),
  data,
});

export type EnvelopeReading = { kind: 'envelope'; envelope: Envelope } | { kind: 'rejected'; reason: string };

export function readEnvelope(raw: unknown): EnvelopeReading {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      kind: 'rejected',
      reason: `event: expected an object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`,
    };
  }
  if ('specversion' in raw) {
    const parsed = cloudEvent.safeParse(raw);
    if (!parsed.success) return { kind: 'rejected', reason: firstIssue(parsed.error, 'event') };
    const e = parsed.data;
    return envelope({
      schema: 'CloudEventSchemaV1_0',
      id: e.id,
      type: e.type,
      source: e.source,
      subject: e.subject ?? '',
      data: e.data,
    });
  }
  const parsed = eventGridEvent.safeParse(raw);
  if (!parsed.success) return { kind: 'rejected', reason: firstIssue(parsed.error, 'event') };
  const e = parsed.data;
  return envelope({
    schema: 'EventGridSchema',
    id: e.id,
    type: e.eventType,
    source: e.topic ?? '',
    subject: e.subject,
    data: e.data,
  });
}

function envelope(event: Envelope): EnvelopeReading {
  return { kind: 'envelope', envelope: { ...event, data: foldKeys(event.data) } };
}

function foldKeys(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key.trim().toLowerCase(), value]));
}
