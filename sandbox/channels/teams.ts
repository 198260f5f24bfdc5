/**
 * A Microsoft Teams Workflows webhook: a Power Automate flow started by the "When a Teams webhook request is received"
 * trigger, which replaced the Office 365 connectors' Incoming Webhook.
 *
 * Sources:
 * - Connectors are being retired; to post on a webhook request, use a workflow with the "When a Teams webhook request is
 *   received" trigger, which takes Adaptive Cards: https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
 *   (msteams-docs, includes/deprecation-note.md) and https://devblogs.microsoft.com/microsoft365dev/retirement-of-office-365-connectors-within-microsoft-teams/
 * - The body: `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,
 *   "content":{"type":"AdaptiveCard","version":"1.x","body":[…]}}]}`: https://learn.microsoft.com/connectors/teams/#microsoft-teams-webhook
 * - The trigger answers 202 Accepted with an empty body: https://github.com/Skitionek/notify-microsoft-teams/issues/98,
 *   https://github.com/robusta-dev/robusta/pull/2113
 * - Teams renders Adaptive Cards up to version 1.5: https://learn.microsoft.com/microsoft-copilot-studio/guidance/adaptive-cards-overview
 * - A message is limited to 28 KB; the flow's post fails with "MessageSizeExceeded-Message properties size exceeded.
 *   Actual message properties size: 28897 bytes, whereas max allowed size is 28672 bytes":
 *   https://github.com/MicrosoftDocs/msteams-docs/issues/11274
 * - A body that does not fit the trigger's schema is refused with 400 `{"error":{"code":"TriggerInputSchemaMismatch",…}}`
 *   (Power Automate / Logic Apps request trigger); unreadable content with `InvalidRequestContent`.
 *
 * Stricter than the real service, never kinder: the real trigger answers 202 before its flow runs, and a card Teams
 * cannot post (too large, an unsupported version) fails later in the flow's run history, where the sender never sees
 * it. This receiver refuses such a message at once with 400, so a test sees the message that would have been lost.
 * Its size check counts the request body's bytes; Teams counts "message properties", which came to more than the body
 * in the issue above (a 24,453-byte body measured 28,897 bytes).
 */
import type { Answer, ChannelRequest } from './receiver.js';

export const teamsMessageMaxBytes = 28 * 1024;
const maxCardVersion = [1, 5] as const;
const cardContentType = 'application/vnd.microsoft.card.adaptive';

type Json = Record<string, unknown>;

export function receiveTeams(request: ChannelRequest): Answer {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json')
    return teamsError(
      'InvalidRequestContent',
      `The request content type '${contentType ?? ''}' is not application/json`,
    );
  let message: unknown;
  try {
    message = JSON.parse(request.body.toString('utf8'));
  } catch {
    return teamsError('InvalidRequestContent', 'The request content was invalid and could not be deserialized');
  }
  const mismatch = schemaMismatch(message);
  if (mismatch) return teamsError('TriggerInputSchemaMismatch', mismatch);
  if (request.body.length > teamsMessageMaxBytes) {
    return teamsError(
      'MessageSizeExceeded',
      `Message properties size exceeded. Actual message properties size: ${request.body.length} bytes, whereas max allowed size is ${teamsMessageMaxBytes} bytes`,
    );
  }
  return { status: 202, accepted: { body: message } };
}

/** Why the message is not a message with Adaptive Cards Teams can render, or null. */
export function schemaMismatch(message: unknown): string | null {
  if (!isObject(message)) return 'The body must be a JSON object';
  if (message['type'] !== 'message') return "type must be 'message'";
  const attachments = message['attachments'];
  if (!Array.isArray(attachments) || attachments.length === 0) return 'attachments must be a non-empty array';
  for (const [index, attachment] of attachments.entries()) {
    const problem = attachmentProblem(attachment);
    if (problem) return `attachments[${index}]: ${problem}`;
  }
  return null;
}

function attachmentProblem(attachment: unknown): string | null {
  if (!isObject(attachment)) return 'must be an object';
  if (attachment['contentType'] !== cardContentType) return `contentType must be '${cardContentType}'`;
  const url = attachment['contentUrl'];
  if (url !== undefined && url !== null && typeof url !== 'string') return 'contentUrl must be null or a string';
  return cardProblem(attachment['content']);
}

function cardProblem(card: unknown): string | null {
  if (!isObject(card)) return 'content must be an Adaptive Card object';
  if (card['type'] !== 'AdaptiveCard') return "content.type must be 'AdaptiveCard'";
  if (card['$schema'] !== undefined && typeof card['$schema'] !== 'string') return 'content.$schema must be a string';
  const version = /^(\d+)\.(\d+)$/.exec(typeof card['version'] === 'string' ? card['version'] : '');
  if (!version) return 'content.version must be a version such as 1.5';
  const [major, minor] = [Number(version[1]), Number(version[2])];
  if (major !== maxCardVersion[0] || minor > maxCardVersion[1])
    return `content.version ${major}.${minor} is above 1.5, the latest Teams renders`;
  if (!Array.isArray(card['body'])) return 'content.body must be an array';
  const body = elementsProblem(card['body'], 'content.body', 0);
  if (body) return body;
  return card['actions'] === undefined
    ? null
    : Array.isArray(card['actions'])
      ? elementsProblem(card['actions'], 'content.actions', 0)
      : 'content.actions must be an array';
}

/** Every element, and those nested in containers, needs a `type`. */
function elementsProblem(elements: unknown[], where: string, depth: number): string | null {
  if (depth > 32) return `${where} is nested too deeply`;
  for (const [index, element] of elements.entries()) {
    const at = `${where}[${index}]`;
    if (!isObject(element) || typeof element['type'] !== 'string' || element['type'].length === 0)
      return `${at} must be an element with a type`;
    for (const key of ['items', 'columns']) {
      const nested = element[key];
      if (nested === undefined) continue;
      if (!Array.isArray(nested)) return `${at}.${key} must be an array`;
      const problem = elementsProblem(nested, `${at}.${key}`, depth + 1);
      if (problem) return problem;
    }
  }
  return null;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function teamsError(code: string, message: string): Answer {
  return {
    status: 400,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ error: { code, message } }),
  };
}
