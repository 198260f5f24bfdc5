/**
 * The demo's dashboard in a real browser (headless Chromium), served by the local host as `npm start` serves it: the
 * timeline's marks at their dates on a desktop and on a phone, the phone's first view, the filter form without script,
 * and the screenshots the README shows (written to test-output/, copied to docs/ by hand).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiDefinitions } from '../../../functions/api.js';
import { createAuditHandler } from '../../../functions/auditEvents.js';
import { monitorFunctionAppId } from '../../../sandbox/double/armEventGrid.js';
import type { AuditRecord } from '../../../sandbox/double/auditLog.js';
import type { HttpFunction } from '../../../sandbox/host/http.js';
import { hostListener } from '../../../sandbox/host/listener.js';
import type { EnvironmentView } from '../../../shared/application/views/environmentView.js';
import { launchChromium } from '../../support/browser.js';
import { emailAlerts, startSmtpSink, type SmtpSink } from '../../support/smtpSink.js';
import { startWorld, type World } from '../../support/world.js';

interface DemoScenario {
  subscriptionId: string;
  vaults: {
    name: string;
    keys: { name: string; versions: { createdDaysAgo: number; expiresInDays?: number | null }[] }[];
  }[];
}

const day = 86_400_000;
const functionKey = 'demo-key&"<';
const phone = { width: 390, height: 844 };

let world: World;
let sink: SmtpSink;
let scenario: DemoScenario;
let server: Server;
let base: string;
let browser: Browser;
let startedAt: number;

beforeAll(async () => {
  scenario = JSON.parse(
    await readFile(new URL('../../../sandbox/scenarios/demo.json', import.meta.url), 'utf8'),
  ) as DemoScenario;
  startedAt = Date.now();
  sink = await startSmtpSink();
  // Mail as in the sandbox (MailDev there), so the alerts are sent and none waits.
  world = await startWorld(scenario, {
    functionAppId: monitorFunctionAppId(scenario.subscriptionId),
    alerts: emailAlerts(sink.port, {
      from: 'cmk-monitor@sandbox.example',
      keyvaultAdmins: ['keyvault-admins@contoso.example'],
      powerplatformAdmins: ['powerplatform-admins@contoso.example'],
    }),
  });
  // As the sandbox starts: a scan, Power Platform's calls on every policy's key in Key Vault's audit records, a scan, the alerts.
  await world.services.scan(() => undefined);
  const records: AuditRecord[] = [];
  const stopListening = world.double.auditLog.onRecord((record) => records.push(record));
  world.double.callPolicyKeys();
  stopListening();
  await createAuditHandler(() => world.services)(
    [{ records }],
    new InvocationContext({ functionName: 'keyVaultAuditEvents' }),
  );
  await world.services.scanThenAlert(() => undefined);
  const http = apiDefinitions(() => world.services).flatMap((definition) =>
    definition.trigger === 'http' ? [definition as HttpFunction] : [],
  );
  server = createServer(hostListener({ http, eventGrid: [] }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await world?.stop();
  await sink?.stop();
});

/** A page that records what the CSP blocked and what the console complained of. */
async function watchedPage(viewport: { width: number; height: number }): Promise<{ page: Page; violations: string[] }> {
  const page = await browser.newPage({ viewport });
  const violations: string[] = [];
  page.on('console', (message) => message.type() === 'error' && violations.push(message.text()));
  page.on('pageerror', (error) => violations.push(error.message));
  return { page, violations };
}

const dashboardUrl = (query = '') =>
  `${base}/dashboard?${query}${query ? '&' : ''}code=${encodeURIComponent(functionKey)}`;

interface DrawnMark {
  kind: 'expiry' | 'deletion' | 'alert';
  lane: string;
  at: string;
  days: number | null;
  x: number;
}

/** The timeline as drawn: today's x, pixels per day (from the 90-day line), every mark's centre, in CSS pixels. */
async function drawnTimeline(
  page: Page,
): Promise<{ from: string; todayX: number; perDay: number; marks: DrawnMark[] }> {
  const centre = async (locator: Locator) => {
    const box = await locator.boundingBox();
    if (!box) throw new Error('not drawn');
    return box.x + box.width / 2;
  };
  const today = page.locator('.tl-today');
  const todayX = await centre(today);
  const perDay = ((await centre(page.locator('.tl-grid[data-days="90"]'))) - todayX) / 90;
  const marks: DrawnMark[] = [];
  for (const lane of await page.locator('.tl .lane').all()) {
    for (const mark of await lane.locator('.mark, .tl-alert').all()) {
      const classes = (await mark.getAttribute('class')) ?? '';
      const days = await mark.getAttribute('data-days');
      marks.push({
        kind: classes.includes('tl-alert') ? 'alert' : classes.includes('expiry') ? 'expiry' : 'deletion',
        lane: (await lane.getAttribute('data-key')) ?? '',
        at: (await mark.getAttribute('data-at')) ?? '',
        days: days === null ? null : Number(days),
        x: await centre(mark),
      });
    }
  }
  return { from: (await today.getAttribute('data-at')) ?? '', todayX, perDay, marks };
}

/** Every date the demo puts on the timeline, from the scenario (expiries) and the API (deletions), by lane. */
async function expectedMarks(): Promise<{ expiries: Map<string, number>; deletions: Map<string, number[]> }> {
  const environments = (await (await fetch(`${base}/environments`)).json()) as EnvironmentView[];
  const keysInUse = new Set(environments.map((environment) => `${environment.vault}/${environment.key}`));
  const expiries = new Map<string, number>();
  for (const vault of scenario.vaults) {
    for (const key of vault.keys) {
      // The current version is the newest.
      const current = [...key.versions].sort((a, b) => a.createdDaysAgo - b.createdDaysAgo)[0];
      const lane = `${vault.name}/${key.name}`;
      if (keysInUse.has(lane) && typeof current?.expiresInDays === 'number' && current.expiresInDays <= 90)
        expiries.set(lane, startedAt + current.expiresInDays * day);
    }
  }
  const deletions = new Map<string, number[]>();
  for (const environment of environments) {
    if (!environment.deletionAt) continue;
    const lane = `${environment.vault}/${environment.key}`;
    deletions.set(
      lane,
      [...(deletions.get(lane) ?? []), Date.parse(environment.deletionAt)].sort((a, b) => a - b),
    );
  }
  return { expiries, deletions };
}

describe("the demo's dashboard in a browser", () => {
  it('draws every expiry, alert threshold and deletion at its date on a desktop and on a phone, and screenshots them', async () => {
    const expected = await expectedMarks();
    expect(expected.deletions.size).toBeGreaterThanOrEqual(6);
    await mkdir('test-output', { recursive: true });
    // One page for both sizes: this Chromium runs in a single process, which closing a page can end.
    const { page, violations } = await watchedPage(phone);
    for (const viewport of [{ width: 1280, height: 900 }, phone]) {
      await page.setViewportSize(viewport);
      const response = await page.goto(dashboardUrl());
      expect(response?.status()).toBe(200);
      const drawn = await drawnTimeline(page);
      const now = Date.parse(drawn.from);
      const xOf = (at: number) => drawn.todayX + ((at - now) / day) * drawn.perDay;
      const marks = (kind: DrawnMark['kind'], lane: string) =>
        drawn.marks.filter((mark) => mark.kind === kind && mark.lane === lane);

      // Each locked environment's deletion day, on its key's lane (one a day per lane in the demo), at its x.
      for (const [lane, deletions] of expected.deletions) {
        expect(
          marks('deletion', lane).map((mark) => Date.parse(mark.at)),
          lane,
        ).toEqual(deletions);
        for (const mark of marks('deletion', lane))
          expect(Math.abs(mark.x - xOf(Date.parse(mark.at))), `${lane} deletion`).toBeLessThan(1);
      }
      // Each expiry within 90 days at its date (an expired key in the overdue band, left of today), its thresholds still ahead before it.
      for (const [lane, expiresAt] of expected.expiries) {
        const [expiry] = marks('expiry', lane);
        expect(Math.abs(Date.parse(expiry?.at ?? '') - expiresAt), `${lane} expiry`).toBeLessThan(60_000);
        if (expiresAt < now) {
          expect(expiry?.x).toBeLessThan(drawn.todayX);
          continue;
        }
        expect(Math.abs((expiry?.x ?? 0) - xOf(Date.parse(expiry?.at ?? ''))), `${lane} expiry x`).toBeLessThan(1);
        const ahead = [30, 14, 7, 3, 1].filter((days) => expiresAt - days * day >= now);
        const alerts = marks('alert', lane);
        expect(
          alerts.map((mark) => mark.days),
          lane,
        ).toEqual(ahead);
        for (const alert of alerts) {
          expect(Math.abs(Date.parse(alert.at) - (expiresAt - (alert.days ?? 0) * day))).toBeLessThan(60_000);
          expect(Math.abs(alert.x - xOf(Date.parse(alert.at))), `${lane} alert ${alert.days}`).toBeLessThan(1);
        }
      }
      expect(violations).toEqual([]);

      if (viewport === phone) {
        expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(phone.width);
        // The first view holds the outages and the whole timeline, its lane names at a readable size.
        const outages = await page.locator('#outages').boundingBox();
        const timeline = await page.locator('svg.tl').boundingBox();
        expect(outages && outages.y + outages.height).toBeLessThanOrEqual(phone.height);
        expect(timeline && timeline.y + timeline.height).toBeLessThanOrEqual(phone.height);
        const laneName = await page.locator('.lane-title').first().boundingBox();
        expect(laneName?.height).toBeGreaterThanOrEqual(11);
        await page.screenshot({ path: join('test-output', 'dashboard-phone.png') });
      } else {
        await page.screenshot({
          path: join('test-output', 'dashboard.png'),
          fullPage: true,
          clip: { x: 0, y: 0, width: viewport.width, height: 1400 },
        });
        await page.locator('#timeline').screenshot({ path: join('test-output', 'timeline.png') });
      }
    }
  }, 60_000);

  it('filters with its form and links, without script, keeping the function key', async () => {
    const { page, violations } = await watchedPage({ width: 1280, height: 900 });
    await page.goto(dashboardUrl());
    await page.locator('#filters summary').click();
    await page.locator('#filters input[name="vault"]').fill('kv-contoso-cmk-na');
    await Promise.all([
      page.waitForURL(/vault=kv-contoso-cmk-na/),
      page.locator('#filters button[type="submit"]').click(),
    ]);
    expect(new URL(page.url()).searchParams.get('code')).toBe(functionKey);
    const keys = await page.locator('#incidents tbody tr td[data-label="Key"]').allTextContents();
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((key) => key.startsWith('kv-contoso-cmk-na /'))).toBe(true);
    const lanes = await page
      .locator('.tl .lane')
      // The page's own elements: typed by hand, as this project compiles without the DOM library.
      .evaluateAll((elements: { getAttribute(name: string): string | null }[]) =>
        elements.map((element) => element.getAttribute('data-key')),
      );
    expect(lanes.length).toBeGreaterThan(0);
    expect(lanes.every((lane) => lane?.startsWith('kv-contoso-cmk-na/'))).toBe(true);

    await Promise.all([page.waitForURL(/status=healthy/), page.locator('.counts li.bg-healthy a').click()]);
    expect(new URL(page.url()).searchParams.get('code')).toBe(functionKey);
    expect(await page.locator('#healthy-list h2').textContent()).toMatch(/^Healthy environments \(\d+\)$/);
    expect(violations).toEqual([]);
  });

  it('renders a page with a note, never an error, for a query it cannot use', async () => {
    const response = await fetch(dashboardUrl(`status=bogus&page=-1&q=${'x'.repeat(5_000)}&vault=%00%3Cscript%3E`));
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('The status filter must be one of healthy, warning, critical, outage, unknown: ignored.');
    expect(html).toContain('The page must be a whole number from 1: showing page 1.');
    expect(html).toContain('The text filter is longer than 200 characters: ignored.');
    expect(html).not.toContain('<script>');
    expect((await fetch(dashboardUrl('page=999999'))).status).toBe(200);
  });
});
