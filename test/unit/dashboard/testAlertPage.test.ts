import { describe, expect, it } from 'vitest';
import {
  renderTestAlertPage,
  renderTestAlertRefusal,
  testAlertCsp,
  testAlertForm,
} from '../../../shared/adapters/web/testAlertPage.js';

const links = { dashboardPath: '/api/dashboard', code: 'k&"<ey' };
const hostile = '<script>alert(1)</script>';

describe('the test alert form', () => {
  it('is one plain form posting to the test alert endpoint with the function key, a button per channel', () => {
    const form = testAlertForm(['email', 'teams'], links);

    expect(form.match(/<form /g)).toHaveLength(1);
    expect(form).toContain(
      '<form method="post" action="/api/test-alert?code=k%26%22%3Cey" class="noprint" id="test-alert">',
    );
    expect(form.match(/<button /g)).toHaveLength(2);
    expect(form).toContain('<button type="submit" name="channel" value="email">email</button>');
    expect(form).toContain('<button type="submit" name="channel" value="teams">teams</button>');
    expect(form).not.toMatch(/<script|\son\w+=|javascript:/i);
  });

  it('posts beside the dashboard wherever the host routes it, and escapes what it writes', () => {
    const form = testAlertForm([hostile], { dashboardPath: '/prefix/api/dashboard', code: null });
    expect(form).toContain('action="/prefix/api/test-alert"');
    expect(form).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(form).not.toContain('<script');
  });

  it('is empty when no channel is configured', () => {
    expect(testAlertForm([], links)).toBe('');
  });
});

describe('the test alert result page', () => {
  it('says where a sent test went, and links back to the dashboard with the key', () => {
    const page = renderTestAlertPage({ channel: 'slack', target: 'hooks.slack.com', result: 'sent' }, links);
    expect(page).toContain('<h1>Test alert sent through slack</h1>');
    expect(page).toContain('went to hooks.slack.com');
    expect(page).toContain('<a href="/api/dashboard?code=k%26%22%3Cey" id="back">');
  });

  it('says who refused a test, with the status and the reason, escaped', () => {
    const refused = renderTestAlertPage(
      { channel: 'teams', target: hostile, result: 'refused', status: 404, reason: `gone ${hostile}` },
      links,
    );
    expect(refused).toContain('<h1>Test alert not delivered through teams</h1>');
    expect(refused).toContain(
      'id="result">&lt;script&gt;alert(1)&lt;/script&gt; refused the message (404): gone &lt;script&gt;alert(1)&lt;/script&gt;</p>',
    );
    const silent = renderTestAlertPage(
      { channel: 'slack', target: 'hooks.slack.com', result: 'unreachable', reason: 'no answer' },
      links,
    );
    expect(silent).toContain('id="result">hooks.slack.com did not answer: no answer</p>');
    const busy = renderTestAlertPage(
      { channel: 'slack', target: 'hooks.slack.com', result: 'unreachable', status: 503, reason: 'busy' },
      links,
    );
    expect(busy).toContain('id="result">hooks.slack.com did not take the message (503): busy</p>');
    expect(renderTestAlertRefusal(hostile, links)).not.toContain('<script');
  });

  it('runs no script and posts nowhere', () => {
    expect(testAlertCsp).toMatch(
      /^default-src 'none'; style-src 'sha256-[^']+'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/,
    );
  });
});
