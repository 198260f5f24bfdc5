/**
 * A Slack incoming webhook, `POST /services/T…/B…/<token>` on hooks.slack.com: `{ text, blocks? }` (Block Kit).
 *
 * Sources:
 * - Success is 200 with the plain body `ok`, sent as text/html, not JSON:
 *   https://github.com/slackapi/node-slack-sdk/pull/480
 * - Errors are a bare string in the body: 400 invalid_payload, 400 user_not_found, 403 action_prohibited,
 *   404 channel_not_found, 410 channel_is_archived, 500 rollup_error:
 *   https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks
 * - Block Kit mistakes answer 400 `invalid_blocks` (e.g. a header over 150 characters, a section over 3,000):
 *   https://github.com/bugsink/bugsink/issues/317, https://github.com/sourcegraph/sourcegraph-public-snapshot/issues/49979
 * - Limits: 50 blocks a message; header: plain_text, 150 characters; section: text 1–3,000 characters or up to 10
 *   fields of 2,000; context: up to 10 elements; actions: up to 25 elements; a button's text 75:
 *   https://docs.slack.dev/reference/block-kit/blocks (and …/blocks/section-block, …/composition-objects/text-object)
 * - 404 no_service (the hook does not exist or was removed), 400 no_text, 400 invalid_blocks_format are the names
 *   "Sending messages using incoming webhooks" (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks)
 *   lists, seen here only through clients that handle them.
 *
 * This receiver plays a removed hook for a token starting with `revoked` (404 no_service) and a hook whose channel
 * was archived for a token starting with `archived` (410 channel_is_archived).
 */
import type { Answer, ChannelRequest } from './receiver.js';

const hookPath = /^\/slack\/services\/(T[A-Z0-9]+)\/(B[A-Z0-9]+)\/([A-Za-z0-9]+)$/;
const maxBlocks = 50;
const knownBlocks = new Set([
  'actions',
  'context',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'rich_text',
  'section',
  'video',
]);

type Json = Record<string, unknown>;

export function receiveSlack(request: ChannelRequest): Answer {
  const hook = hookPath.exec(request.path);
  const token = hook?.[3];
  if (!token || token.startsWith('revoked')) return slackError(404, 'no_service');
  if (token.startsWith('archived')) return slackError(410, 'channel_is_archived');
  const message = messageOf(request);
  if (!message) return slackError(400, 'invalid_payload');
  const refusal = refusalOf(message);
  if (refusal) return slackError(400, refusal);
  return { status: 200, headers: { 'content-type': 'text/html' }, body: 'ok', accepted: { body: message } };
}

/** The message, from a JSON body or a form's `payload` field, or null when it cannot be read as one. */
function messageOf(request: ChannelRequest): Json | null {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const text = request.body.toString('utf8');
  const raw =
    contentType === 'application/json'
      ? text
      : contentType === 'application/x-www-form-urlencoded'
        ? new URLSearchParams(text).get('payload')
        : null;
  if (raw === null) return null;
  try {
    const message: unknown = JSON.parse(raw);
    return isObject(message) ? message : null;
  } catch {
    return null;
  }
}

function refusalOf(message: Json): string | null {
  const { text, blocks } = message;
  if (text !== undefined && typeof text !== 'string') return 'invalid_payload';
  if (blocks !== undefined && !Array.isArray(blocks)) return 'invalid_blocks_format';
  const hasText = typeof text === 'string' && text.trim().length > 0;
  if (!hasText && (!Array.isArray(blocks) || blocks.length === 0) && message['attachments'] === undefined)
    return 'no_text';
  if (Array.isArray(blocks) && (blocks.length > maxBlocks || !blocks.every(validBlock))) return 'invalid_blocks';
  return null;
}

export function validBlock(block: unknown): boolean {
  if (!isObject(block) || typeof block['type'] !== 'string' || !knownBlocks.has(block['type'])) return false;
  if (block['block_id'] !== undefined && !(typeof block['block_id'] === 'string' && block['block_id'].length <= 255))
    return false;
  switch (block['type']) {
    case 'header':
      return textObject(block['text'], 150, 'plain_text');
    case 'section':
      return validSection(block);
    case 'context':
      return list(
        block['elements'],
        10,
        (element) => textObject(element, 3_000) || (isObject(element) && element['type'] === 'image'),
      );
    case 'actions':
      return list(block['elements'], 25, validElement);
    case 'markdown':
      return typeof block['text'] === 'string' && block['text'].length > 0 && block['text'].length <= 12_000;
    default:
      return true;
  }
}

function validSection(block: Json): boolean {
  const { text, fields } = block;
  if (text === undefined && fields === undefined) return false;
  if (text !== undefined && !textObject(text, 3_000)) return false;
  return fields === undefined || list(fields, 10, (field) => textObject(field, 2_000));
}

function validElement(element: unknown): boolean {
  if (!isObject(element) || typeof element['type'] !== 'string') return false;
  if (element['type'] !== 'button') return true;
  const url = element['url'];
  return (
    textObject(element['text'], 75, 'plain_text') &&
    (url === undefined || (typeof url === 'string' && url.length <= 3_000))
  );
}

/** A text object: `plain_text` or `mrkdwn`, 1 to `max` characters. */
function textObject(value: unknown, max: number, only?: 'plain_text'): boolean {
  if (!isObject(value)) return false;
  const { type, text } = value;
  if (type !== 'plain_text' && (only || type !== 'mrkdwn')) return false;
  return typeof text === 'string' && text.length >= 1 && text.length <= max;
}

function list(value: unknown, max: number, valid: (item: unknown) => boolean): boolean {
  return Array.isArray(value) && value.length >= 1 && value.length <= max && value.every(valid);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function slackError(status: number, error: string): Answer {
  return { status, headers: { 'content-type': 'text/html' }, body: error };
}
