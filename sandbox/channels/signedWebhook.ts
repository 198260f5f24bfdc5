/**
 * The verifier side of our generic webhook: a CloudEvents 1.0 event in structured JSON mode, signed as Standard
 * Webhooks sign.
 *
 * - Standard Webhooks 1.0.0 (https://www.standardwebhooks.com, spec/standard-webhooks.md in
 *   github.com/standard-webhooks/standard-webhooks): headers `webhook-id`, `webhook-timestamp` (integer Unix seconds),
 *   `webhook-signature` (space-delimited list of `v1,<base64 HMAC-SHA256>` over `{id}.{timestamp}.{payload}`); a
 *   `whsec_` secret is base64 after its prefix; compare in constant time; check the timestamp against a tolerance
 *   (the reference libraries' WEBHOOK_TOLERANCE_IN_SECONDS = 5 * 60); dedupe by `webhook-id`.
 * - CloudEvents JSON format 1.0.2 (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md):
 *   media type `application/cloudevents+json`; `specversion`, `id`, `source` and `type` are REQUIRED non-empty
 *   strings (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md#required-attributes).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Answer, ChannelRequest } from './receiver.js';

export const toleranceSeconds = 5 * 60;
const digestBytes = 32;

export type Verification = { ok: true; id: string; timestamp: number } | { ok: false; reason: string };

/** The HMAC key a secret stands for: the base64 after `whsec_`, or else the secret's own UTF-8 bytes. */
export function webhookKey(secret: string): Buffer {
  return secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

/** Checks a request's Standard Webhooks signature against `secret`, at `now`. Never throws. */
export function verifyStandardWebhook(
  secret: string,
  headers: IncomingHttpHeaders,
  body: string | Buffer,
  now: Date,
): Verification {
  const id = single(headers['webhook-id']);
  const stamp = single(headers['webhook-timestamp']);
  const signatures = single(headers['webhook-signature']);
  if (!id || !stamp || !signatures)
    return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' };
  if (!/^\d{1,12}$/.test(stamp)) return { ok: false, reason: 'webhook-timestamp is not Unix seconds' };
  const timestamp = Number(stamp);
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds)
    return { ok: false, reason: 'webhook-timestamp is outside the 5-minute tolerance' };
  const expected = createHmac('sha256', webhookKey(secret)).update(`${id}.${stamp}.`).update(body).digest();
  const matches = signatures.split(' ').some((entry) => matchesV1(entry, expected));
  return matches ? { ok: true, id, timestamp } : { ok: false, reason: 'no v1 signature matches' };
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function matchesV1(entry: string, expected: Buffer): boolean {
  const [version, encoded, ...rest] = entry.split(',');
  if (version !== 'v1' || encoded === undefined || rest.length) return false;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return false;
  const given = Buffer.from(encoded, 'base64');
  return given.length === digestBytes && timingSafeEqual(given, expected);
}

/** The receiving end: 415 for another media type, 401 for a bad signature, 400 for a non-event, else 204. */
export function signedWebhookReceiver(secret: string): {
  receive(request: ChannelRequest): Answer;
  distinctIds(): number;
  clear(): void;
} {
  if (webhookKey(secret).length === 0) throw new Error('webhookSecret must not be empty');
  const seen = new Set<string>();
  return {
    receive(request) {
      if (!isCloudEventsJson(request.headers['content-type']))
        return problem(415, 'Content-Type must be application/cloudevents+json');
      const verification = verifyStandardWebhook(secret, request.headers, request.body, request.now);
      if (!verification.ok) return problem(401, verification.reason);
      const event = cloudEventOf(request.body);
      if (typeof event === 'string') return problem(400, event);
      const duplicate = seen.has(verification.id);
      seen.add(verification.id);
      return { status: 204, accepted: { body: event, webhookId: verification.id, duplicate } };
    },
    distinctIds: () => seen.size,
    clear: () => seen.clear(),
  };
}

function isCloudEventsJson(contentType: string | undefined): boolean {
  const [type, ...params] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/cloudevents+json') return false;
  return params.every(
    (param) => !param.startsWith('charset=') || param === 'charset=utf-8' || param === 'charset="utf-8"',
  );
}

/** The event, or why it is not a CloudEvents 1.0 event. */
function cloudEventOf(body: Buffer): Record<string, unknown> | string {
  let event: unknown;
  try {
    event = JSON.parse(body.toString('utf8'));
  } catch {
    return 'The body is not JSON';
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return 'The body is not a JSON object';
  const record = event as Record<string, unknown>;
  if (record['specversion'] !== '1.0') return 'specversion must be "1.0"';
  for (const name of ['id', 'source', 'type']) {
    const value = record[name];
    if (typeof value !== 'string' || value.length === 0) return `${name} must be a non-empty string`;
  }
  return record;
}

function problem(status: number, detail: string): Answer {
  return { status, headers: { 'content-type': 'application/problem+json' }, body: JSON.stringify({ status, detail }) };
}
