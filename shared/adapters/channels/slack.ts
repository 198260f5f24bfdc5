import { z } from 'zod';
import { cap, contentOf, type NoticeContent } from '../../domain/alerts/content.js';
import { defineChannel } from './channel.js';
import { adviceFor, json, postingChannel } from './post.js';
import { minSeverity, receiverUrl } from './settings.js';

/**
 * Block Kit's limits (https://api.slack.com/reference/block-kit/blocks): a header's text 150 characters, a
 * section's 3,000, a section's fields 10 of 2,000 each, 50 blocks a message.
 */
const headerMax = 150;
const sectionMax = 3_000;
const fieldMax = 2_000;
const listedRows = 20;

/** Slack's documented refusals of an incoming webhook (https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks). */
const advise = adviceFor('Slack', 'SLACK_WEBHOOK_URL', {
  403: 'Slack does not let this webhook post (action_prohibited): ask a workspace admin, or create a new incoming webhook and set SLACK_WEBHOOK_URL',
  404: 'the incoming webhook no longer exists (no_service): create a new one in Slack and set SLACK_WEBHOOK_URL',
  410: "the webhook's Slack channel is archived (channel_is_archived): unarchive it, or create a webhook for another channel and set SLACK_WEBHOOK_URL",
});

/** Slack through an incoming webhook (https://api.slack.com/messaging/webhooks): Block Kit, with `text` as the notification's fallback. */
export const slack = defineChannel({
  name: 'slack',
  settings: z
    .object({ SLACK_WEBHOOK_URL: receiverUrl, SLACK_MIN_SEVERITY: minSeverity('warning') })
    .transform((s) => ({ url: s.SLACK_WEBHOOK_URL, minSeverity: s.SLACK_MIN_SEVERITY })),
  create: (settings, { alerts }) =>
    postingChannel('slack', settings, (notice) => json(slackMessage(contentOf(notice, alerts.dashboardUrl))), {
      advise,
    }),
});

/**
 * Every value from Azure goes in `plain_text`, which Slack shows as it is; mrkdwn is only the fallback `text` of the
 * notification, where `&`, `<` and `>` are escaped (no mention, no link can be smuggled in). Slack defines escapes for
 * those three alone (https://api.slack.com/reference/surfaces/formatting#escaping): `*`, `_`, `~` and `` ` `` have
 * none, at worst they style a part of the notification.
 */
export function slackMessage(content: NoticeContent): object {
  const plain = (text: string, max: number) => ({ type: 'plain_text', text: cap(text, max) });
  const rows = content.rows
    .slice(0, listedRows)
    .map((row) => `• ${row.name} (${row.id}), policy ${row.policy}, ${row.status}: ${row.message}`);
  const more =
    content.environmentCount > Math.min(content.rows.length, listedRows)
      ? `… and ${content.environmentCount - Math.min(content.rows.length, listedRows)} more`
      : content.more;
  const list = [...rows, ...content.lines.map((line) => `• ${line}`), ...(more ? [more] : [])];
  return {
    text: escapeMrkdwn(content.title),
    blocks: [
      { type: 'header', text: plain(content.title, headerMax) },
      { type: 'section', text: plain(content.summary, sectionMax) },
      ...(content.facts.length
        ? [
            {
              type: 'section',
              fields: content.facts.slice(0, 10).map(([label, value]) => plain(`${label}: ${value}`, fieldMax)),
            },
          ]
        : []),
      ...(list.length ? [{ type: 'section', text: plain(list.join('\n'), sectionMax) }] : []),
      ...(content.remedy ? [{ type: 'section', text: plain(`What to do: ${content.remedy}`, sectionMax) }] : []),
      ...(content.dashboardUrl
        ? [
            {
              type: 'actions',
              elements: [{ type: 'button', text: plain('Open the dashboard', 75), url: content.dashboardUrl }],
            },
          ]
        : []),
      { type: 'context', elements: [plain(content.footer, sectionMax)] },
    ],
  };
}

function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
