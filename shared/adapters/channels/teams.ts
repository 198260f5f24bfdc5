import { z } from 'zod';
import { contentOf, type NoticeContent } from '../../domain/alerts/content.js';
import { defineChannel } from './channel.js';
import { adviceFor, json, postingChannel } from './post.js';
import { minSeverity, receiverUrl } from './settings.js';

/** Environments a card lists: Teams refuses a message over about 28 KB. */
const listedRows = 10;
const colors = { problem: 'Attention', resolved: 'Good', digest: 'Default', test: 'Accent' } as const;
const gone = 'the webhook URL no longer exists: create a new one in Teams Workflows and set TEAMS_WEBHOOK_URL';

/**
 * Microsoft Teams through a Workflows webhook (the "When a Teams webhook request is received" trigger, which
 * replaced the retired Office 365 connectors): a message with one Adaptive Card.
 * https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
 */
export const teams = defineChannel({
  name: 'teams',
  settings: z
    .object({ TEAMS_WEBHOOK_URL: receiverUrl, TEAMS_MIN_SEVERITY: minSeverity('warning') })
    .transform((s) => ({ url: s.TEAMS_WEBHOOK_URL, minSeverity: s.TEAMS_MIN_SEVERITY })),
  create: (settings, { alerts }) =>
    postingChannel(
      'teams',
      settings,
      (notice) =>
        json({
          type: 'message',
          attachments: [
            {
              contentType: 'application/vnd.microsoft.card.adaptive',
              contentUrl: null,
              content: adaptiveCard(contentOf(notice, alerts.dashboardUrl)),
            },
          ],
        }),
      { advise: adviceFor('Teams', 'TEAMS_WEBHOOK_URL', { 404: gone, 410: gone }) },
    ),
});

/**
 * Every text is a TextBlock's or a Fact's, escaped as plain text; `style: heading` makes the card 1.5, the latest
 * Teams renders (https://learn.microsoft.com/microsoft-copilot-studio/guidance/adaptive-cards-overview).
 */
export function adaptiveCard(content: NoticeContent): object {
  const text = (value: string, extra: object = {}) => ({
    type: 'TextBlock',
    text: plainMarkdown(value),
    wrap: true,
    ...extra,
  });
  const rows = content.rows.slice(0, listedRows);
  const more =
    content.environmentCount > rows.length ? `… and ${content.environmentCount - rows.length} more` : content.more;
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    msteams: { width: 'Full' },
    body: [
      text(content.title, { size: 'Medium', weight: 'Bolder', color: colors[content.tone], style: 'heading' }),
      text(content.summary),
      ...(content.facts.length
        ? [
            {
              type: 'FactSet',
              facts: content.facts.map(([title, value]) => ({
                title: plainMarkdown(title),
                value: plainMarkdown(value),
              })),
            },
          ]
        : []),
      ...rows.map((row) =>
        text(`${row.name} (${row.id}), policy ${row.policy}, ${row.status}: ${row.message}`, { spacing: 'Small' }),
      ),
      ...content.lines.map((line) => text(line, { spacing: 'Small' })),
      ...(more ? [text(more, { isSubtle: true })] : []),
      ...(content.remedy ? [text(`What to do: ${content.remedy}`)] : []),
      text(content.footer, { isSubtle: true, size: 'Small' }),
    ],
    ...(content.dashboardUrl
      ? { actions: [{ type: 'Action.OpenUrl', title: 'Open the dashboard', url: content.dashboardUrl }] }
      : {}),
  };
}

/** What opens inline markup: emphasis, code, links, autolinks and HTML, entity references; `_` only at a word's edge. */
const inlineMarkup = /[\\`*~[\]<>]|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])|&(?=#?\w+;)/gu;
/** What makes a text a list item or a heading when it starts it. */
const blockMarker = /^( {0,3})(\d{1,9}[.)]|[-+#])/;

/**
 * `text` as Teams shows it as typed. Teams renders Markdown in a TextBlock and in a Fact's title and value (bold,
 * italic, lists, links: https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format),
 * the subset of CommonMark Adaptive Cards support (https://learn.microsoft.com/adaptive-cards/authoring-cards/text-features),
 * so each character that could open markup gets CommonMark's backslash escape
 * (https://spec.commonmark.org/0.31.2/#backslash-escapes): a display name `[click](https://evil)` is not a link.
 */
export function plainMarkdown(text: string): string {
  return text
    .replace(inlineMarkup, '\\$&')
    .replace(
      blockMarker,
      (_, indent: string, marker: string) => `${indent}${marker.slice(0, -1)}\\${marker.slice(-1)}`,
    );
}
