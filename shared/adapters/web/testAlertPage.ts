import type { TestDelivery } from '../../application/testAlert.js';
import { testAlertHref, type PageLinks } from './links.js';
import { e, pageCss, styleCsp } from './page.js';
import { sidePage } from './sidePage.js';

export const testAlertCsp = styleCsp(pageCss);

/**
 * A form for the dashboard: one button per channel, each posting `channel=<name>` to the test alert endpoint, which
 * answers with the result page; no script. The page that holds it must allow the post: `form-action 'self'` in its CSP.
 */
export function testAlertForm(channels: readonly string[], links: PageLinks): string {
  if (!channels.length) return '';
  const buttons = channels.map(
    (channel) => `<button type="submit" name="channel" value="${e(channel)}">${e(channel)}</button>`,
  );
  return `<form method="post" action="${e(testAlertHref(links))}" class="noprint" id="test-alert"><p>Send a message marked as a test through: ${buttons.join(' ')}</p></form>`;
}

/** What the test of one channel did, for a person who asked from the dashboard. */
export function renderTestAlertPage(delivery: TestDelivery, links: PageLinks): string {
  if (delivery.result === 'sent') {
    return page(
      `Test alert sent through ${delivery.channel}`,
      `<p id="result">A message marked <code>[CMK test]</code> went to ${e(delivery.target)}: check that it arrived where your team reads alerts.</p>`,
      links,
    );
  }
  const status = delivery.status === undefined ? '' : ` (${delivery.status})`;
  const outcome =
    delivery.result === 'refused'
      ? `refused the message${status}`
      : delivery.status === undefined
        ? 'did not answer'
        : `did not take the message${status}`;
  return page(
    `Test alert not delivered through ${delivery.channel}`,
    `<p class="banner" role="alert" id="result">${e(`${delivery.target} ${outcome}: ${delivery.reason}`)}</p>`,
    links,
  );
}

/** Why the test was not tried: a channel that is not configured, a body that is not a request. */
export function renderTestAlertRefusal(message: string, links: PageLinks): string {
  return page('Test alert not sent', `<p class="banner" role="alert" id="refusal">${e(message)}</p>`, links);
}

function page(title: string, body: string, links: PageLinks): string {
  return sidePage(title, pageCss, body, links);
}
