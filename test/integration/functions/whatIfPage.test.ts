import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiDefinitions } from '../../../functions/api.js';
import { matchRoute } from '../../../sandbox/host/routes.js';
import { startWorld, type World } from '../../support/world.js';
import { environments, scanScenario } from '../scan/scenario.js';

// The what-if page an admin opens from the dashboard, served by the dashboard function under its key.

const hostileName = '<script>alert(1)</script>"&';
const functionKey = 'key/with+odd&chars=';
let world: World;

beforeAll(async () => {
  const scenario = scanScenario();
  Object.assign(scenario.environments.find((environment) => environment.id === environments.shared[0]) ?? {}, {
    displayName: hostileName,
  });
  world = await startWorld(scenario);
  await world.services.scan(() => undefined);
});
afterAll(() => world?.stop());

/** GETs `path` (`/api/…`, with its query) as the Functions host routes it: to the function whose route template matches. */
async function get(path: string) {
  const url = new URL(path, 'https://monitor.example');
  const route = url.pathname.replace(/^\/api\//, '');
  const match = apiDefinitions(() => world.services)
    .flatMap((d) => (d.trigger === 'http' ? [{ d, params: matchRoute(d.options.route ?? d.name, route) }] : []))
    .find(({ params }) => params !== null);
  if (!match?.params) throw new Error(`no function serves ${path}`);
  const context = new InvocationContext({
    invocationId: 'inv',
    functionName: match.d.name,
    logHandler: () => undefined,
  });
  const result = await match.d.options.handler(
    new HttpRequest({ method: 'GET', url: url.href, params: match.params }),
    context,
  );
  const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
  return { function: match.d.name, status: response.status, headers: response.headers, text: await response.text() };
}

const page = (query: Record<string, string>) =>
  get(`/api/dashboard/what-if?${new URLSearchParams({ ...query, code: functionKey }).toString()}`);
const keyQuery = new URLSearchParams({ code: functionKey }).toString();
const versions = () => world.double.state.versionIds('kv-main', 'k-healthy');

describe('the what-if page', () => {
  it('is served by the dashboard function, under its own CSP, and names who goes down', async () => {
    const reply = await page({
      action: 'disableKeyVersion',
      vault: 'kv-main',
      key: 'k-healthy',
      version: versions().at(-1) ?? '',
    });
    expect(reply.function).toBe('dashboard');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(reply.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'/);
    expect(reply.headers.get('referrer-policy')).toBe('no-referrer');
    expect(reply.text).toContain(`What if version ${versions().at(-1)} of key k-healthy in vault kv-main is disabled?`);
    expect(reply.text).toContain('class="verdict verdict-unsafe"');
    expect(reply.text).toMatch(
      /6 environments \(5 production\) down at once, deleted on \d{4}-\d\d-\d\d unless restored\./,
    );
    expect(reply.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;');
    expect(reply.text).not.toContain('<script>');
    expect(reply.text).toContain(`href="/api/dashboard?${keyQuery}"`);
  });

  it('says plainly when a change is safe', async () => {
    const reply = await page({ action: 'setVaultNetwork', vault: 'kv-main', publicNetworkAccess: 'Disabled' });
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('What if vault kv-main denies public network access?');
    expect(reply.text).toContain('class="verdict verdict-safe"');
    expect(reply.text).toContain('Safe: no environment&#39;s status or findings would change.');
  });

  it('refuses, with a 400 page, a question the monitor cannot answer or the page does not ask, escaped', async () => {
    const unknownVault = await page({ action: 'deleteKey', vault: '<b>kv-nowhere</b>', key: 'k' });
    expect(unknownVault.status).toBe(400);
    expect(unknownVault.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(unknownVault.text).toMatch(/The question was refused: vault: .*&lt;b&gt;kv-nowhere&lt;\/b&gt;/);
    expect(unknownVault.text).not.toContain('<b>kv-nowhere');

    const otherField = await page({ action: 'deleteKey', vault: 'kv-main', key: 'k-healthy', '<i>x</i>': '1' });
    expect(otherField.status).toBe(400);
    expect(otherField.text).toContain('The question was refused: &lt;i&gt;x&lt;/i&gt;: not a field of deleteKey');
  });

  it('answers any other dashboard page with a 404 JSON error', async () => {
    const reply = await get('/api/dashboard/elsewhere');
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.text)).toEqual({
      error: { code: 'NotFound', message: 'The dashboard has no page elsewhere.' },
    });
  });
});

describe('the dashboard', () => {
  it('links each key to its what-if pages, carrying the function key it was opened with', async () => {
    const reply = await get(`/api/dashboard?${keyQuery}`);
    expect(reply.status).toBe(200);
    const hrefs = [...reply.text.matchAll(/<a href="([^"]*)">/g)].map(([, href]) =>
      (href ?? '').replaceAll('&amp;', '&'),
    );
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs)
      expect(new URL(href, 'https://monitor.example').searchParams.get('code')).toBe(functionKey);
    expect(hrefs).toContain(
      `/api/dashboard/what-if?action=disableKeyVersion&vault=kv-main&key=k-healthy&version=${versions().at(-1)}&${keyQuery}`,
    );
    expect(hrefs).toContain(`/api/dashboard/what-if?action=deleteKey&vault=kv-main&key=k-healthy&${keyQuery}`);
    expect(hrefs).toContain(
      `/api/dashboard/what-if?action=setVaultNetwork&vault=kv-main&publicNetworkAccess=Disabled&${keyQuery}`,
    );

    for (const href of hrefs.filter((href) => href.includes('vault=kv-main')))
      expect((await get(href)).status, href).toBe(200);
  });

  it('puts no key in its links when opened without one', async () => {
    expect((await get('/api/dashboard')).text).not.toContain('code=');
  });
});
