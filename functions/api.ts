import type { HttpHandler, HttpMethod, HttpRequest } from '@azure/functions';
import { parseEnvironmentId } from '../shared/adapters/web/environmentId.js';
import { services as appServices, type Services } from '../shared/composition/index.js';
import { dashboardCsp, renderDashboard } from '../shared/adapters/web/dashboardPage.js';
import { decodeDashboardQuery } from '../shared/adapters/web/dashboardQuery.js';
import type { FunctionDefinition } from './definition.js';
import { allMethods, endpoint, errorResponse, html, HttpError, json, jsonBody, mediaTypeOf, textBody } from './http.js';
import { decodeWhatIfRequest } from '../shared/adapters/web/whatIfRequest.js';
import { decodeWhatIfQuery } from '../shared/adapters/web/whatIfQuery.js';
import type { PageLinks } from '../shared/adapters/web/links.js';
import { renderWhatIfPage, whatIfCsp, type WhatIfOutcome } from '../shared/adapters/web/whatIfPage.js';
import { decodeTestAlertRequest, formMediaType } from '../shared/adapters/web/testAlertRequest.js';
import {
  renderTestAlertPage,
  renderTestAlertRefusal,
  testAlertCsp,
  testAlertForm,
} from '../shared/adapters/web/testAlertPage.js';

export interface ApiHandlers {
  health: HttpHandler;
  environments: HttpHandler;
  environment: HttpHandler;
  scan: HttpHandler;
  alerts: HttpHandler;
  dashboard: HttpHandler;
  whatIf: HttpHandler;
  testAlert: HttpHandler;
}

/** A what-if request lists at most 50 changes; far less than this. */
const maxWhatIfBytes = 64 * 1024;
/** A test alert request names one channel. */
const maxTestAlertBytes = 4 * 1024;

const reads: HttpMethod[] = ['GET', 'HEAD'];

/**
 * The HTTP API's handlers over the services `services()` returns (called per request, so a bad setting fails that
 * request): each decodes the request, calls one use case or view, and encodes its answer.
 */
export function createApi(services: () => Services): ApiHandlers {
  return {
    health: endpoint(reads, async () => json(200, await services().views.health())),

    environments: endpoint(reads, async () => json(200, await services().views.environments())),

    environment: endpoint(reads, async (request) => {
      const id = parseEnvironmentId(request.params.id);
      if (!id) throw new HttpError(400, 'BadRequest', 'The environment id must be a GUID.');
      const environment = await services().views.environment(id);
      if (!environment) throw new HttpError(404, 'NotFound', `No environment with id ${id} is monitored.`);
      return json(200, environment);
    }),

    alerts: endpoint(reads, async () => json(200, await services().views.alerts())),

    dashboard: endpoint(reads, async (request) => {
      const links = pageLinks(request);
      switch (request.params.page?.toLowerCase()) {
        case undefined:
        case '': {
          const query = decodeDashboardQuery(request.query);
          const { config, views } = services();
          const dashboard = await views.dashboard(query);
          const testAlerts = testAlertForm(
            config.alerts.channels.map((channel) => channel.name),
            links,
          );
          return html(renderDashboard(dashboard, links, query, { testAlerts }), {
            'Content-Security-Policy': dashboardCsp,
          });
        }
        case 'what-if':
          return whatIfPage(request.query, links);
        default:
          throw new HttpError(404, 'NotFound', `The dashboard has no page ${request.params.page}.`);
      }
    }),

    whatIf: endpoint(['POST'], async (request) => {
      const decoded = decodeWhatIfRequest(await jsonBody(request, maxWhatIfBytes));
      if (!decoded.ok) throw new HttpError(400, 'BadRequest', `${decoded.path}: ${decoded.message}`);
      const result = await services().whatIf(decoded.changes);
      if (!result.ok) throw new HttpError(400, 'BadRequest', `${result.path}: ${result.message}`);
      return json(200, result.answer);
    }),

    testAlert: endpoint(['POST'], async (request) => {
      const page = wantsPage(request);
      const links = siblingLinks(request);
      const refuse = (status: 400 | 415, message: string) =>
        page
          ? html(renderTestAlertRefusal(message, links), { 'Content-Security-Policy': testAlertCsp }, status)
          : errorResponse(status, status === 415 ? 'UnsupportedMediaType' : 'BadRequest', message);
      const decoded = decodeTestAlertRequest(mediaTypeOf(request), await textBody(request, maxTestAlertBytes));
      if (!decoded.ok) return refuse(decoded.status, decoded.message);
      const result = await services().testAlert(decoded.channel);
      if (!result.ok)
        return refuse(
          400,
          `channel: expected one of the channels ALERT_CHANNELS configures: ${result.configured.join(', ') || '(none)'}`,
        );
      return page
        ? html(renderTestAlertPage(result.delivery, links), { 'Content-Security-Policy': testAlertCsp })
        : json(200, result.delivery);
    }),

    scan: endpoint(['POST'], async (_request, context) => {
      const run = await services().scanThenAlert((message) => context.warn(message));
      context.log(`Scan done: ${JSON.stringify(run)}`);
      return json(200, run);
    }),
  };

  async function whatIfPage(query: URLSearchParams, links: PageLinks) {
    const question = decodeWhatIfQuery(query);
    if (!question.ok)
      return html(renderWhatIfPage(null, question, links), { 'Content-Security-Policy': whatIfCsp }, 400);
    const result = await services().whatIf([question.change]);
    const outcome: WhatIfOutcome = result.ok
      ? result
      : { ok: false, message: `${result.path.replace(/^changes\[0\]\./, '')}: ${result.message}` };
    return html(
      renderWhatIfPage(question.change, outcome, links),
      { 'Content-Security-Policy': whatIfCsp },
      result.ok ? 200 : 400,
    );
  }
}

/** Links from the request's URL: the dashboard's path as the host routed it, and the function key the request carried. */
function pageLinks(request: HttpRequest): PageLinks {
  const segments = new URL(request.url).pathname.replace(/\/+$/, '').split('/');
  if (request.params.page) segments.pop();
  return { dashboardPath: segments.join('/'), code: request.query.get('code') };
}

/** A person's browser (a form's post, or asking for HTML) gets a page; anything else JSON. */
function wantsPage(request: HttpRequest): boolean {
  return (
    mediaTypeOf(request) === formMediaType || (request.headers.get('accept') ?? '').toLowerCase().includes('text/html')
  );
}

/** Links from a request to a function beside the dashboard, under the same API prefix. */
function siblingLinks(request: HttpRequest): PageLinks {
  return {
    dashboardPath: new URL(request.url).pathname.replace(/\/+$/, '').replace(/[^/]*$/, 'dashboard'),
    code: request.query.get('code'),
  };
}

/** The API's function definitions; every one takes all methods so its handler answers 405 itself. */
export function apiDefinitions(services: () => Services): FunctionDefinition[] {
  const handlers = createApi(services);
  const http = (name: keyof ApiHandlers, route: string): FunctionDefinition => ({
    trigger: 'http',
    name,
    options: { route, methods: allMethods, authLevel: 'function', handler: handlers[name] },
  });
  return [
    http('health', 'health'),
    http('environments', 'environments'),
    http('environment', 'environments/{id}'),
    http('scan', 'scan'),
    http('alerts', 'alerts'),
    http('dashboard', 'dashboard/{page?}'),
    http('whatIf', 'what-if'),
    http('testAlert', 'test-alert'),
  ];
}

export const api: readonly FunctionDefinition[] = apiDefinitions(appServices);
