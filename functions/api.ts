import type { HttpHandler, HttpMethod, HttpRequest } from '@azure/functions';
import { alertView } from '../shared/application/views/alertView.js';
import { parseEnvironmentId } from '../shared/adapters/web/environmentId.js';
import { findEnvironment, listEnvironments, readHealth } from '../shared/application/views/statusQueries.js';
import { services as appServices, type Services } from '../shared/composition.js';
import { readDashboard } from '../shared/application/views/dashboard.js';
import { dashboardCsp, renderDashboard } from '../shared/adapters/web/dashboardPage.js';
import { scheduleIntervalMs } from '../shared/schedule.js';
import type { FunctionDefinition } from './definition.js';
import { allMethods, endpoint, html, HttpError, json, jsonBody } from './http.js';
import { decodeWhatIfRequest } from '../shared/adapters/web/whatIfRequest.js';
import { decodeWhatIfQuery } from '../shared/adapters/web/whatIfQuery.js';
import type { PageLinks } from '../shared/adapters/web/links.js';
import { renderWhatIfPage, whatIfCsp, type WhatIfOutcome } from '../shared/adapters/web/whatIfPage.js';

export interface ApiHandlers {
  health: HttpHandler;
  environments: HttpHandler;
  environment: HttpHandler;
  scan: HttpHandler;
  alerts: HttpHandler;
  dashboard: HttpHandler;
  whatIf: HttpHandler;
}

/** A what-if request lists at most 50 changes; far less than this. */
const maxWhatIfBytes = 64 * 1024;

const reads: HttpMethod[] = ['GET', 'HEAD'];

/** The HTTP API's handlers over the services `services()` returns (called per request, so a bad setting fails that request). */
export function createApi(services: () => Services): ApiHandlers {
  return {
    health: endpoint(reads, async () => json(200, await readHealth(await services().stores(), scheduleIntervalMs(services().config.scanSchedule)))),

    environments: endpoint(reads, async () => json(200, await listEnvironments(await services().stores()))),

    environment: endpoint(reads, async (request) => {
      const id = parseEnvironmentId(request.params.id);
      if (!id) throw new HttpError(400, 'BadRequest', 'The environment id must be a GUID.');
      const environment = await findEnvironment(await services().stores(), id);
      if (!environment) throw new HttpError(404, 'NotFound', `No environment with id ${id} is monitored.`);
      return json(200, environment);
    }),

    alerts: endpoint(reads, async () => {
      const { alerts } = await services().stores();
      return json(200, (await alerts.list()).map(alertView));
    }),

    dashboard: endpoint(reads, async (request) => {
      const links = pageLinks(request);
      switch (request.params.page?.toLowerCase()) {
        case undefined:
        case '': {
          const dashboard = await readDashboard(await services().stores(), scheduleIntervalMs(services().config.scanSchedule));
          return html(renderDashboard(dashboard, links), { 'Content-Security-Policy': dashboardCsp });
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

    scan: endpoint(['POST'], async (_request, context) => {
      const run = await services().scanThenAlert((message) => context.warn(message));
      context.log(`Scan done: ${JSON.stringify(run)}`);
      return json(200, run);
    }),
  };

  async function whatIfPage(query: URLSearchParams, links: PageLinks) {
    const question = decodeWhatIfQuery(query);
    if (!question.ok) return html(renderWhatIfPage(null, question, links), { 'Content-Security-Policy': whatIfCsp }, 400);
    const result = await services().whatIf([question.change]);
    const outcome: WhatIfOutcome = result.ok ? result : { ok: false, message: `${result.path.replace(/^changes\[0\]\./, '')}: ${result.message}` };
    return html(renderWhatIfPage(question.change, outcome, links), { 'Content-Security-Policy': whatIfCsp }, result.ok ? 200 : 400);
  }
}

/** Links from the request's URL: the dashboard's path as the host routed it, and the function key the request carried. */
function pageLinks(request: HttpRequest): PageLinks {
  const segments = new URL(request.url).pathname.replace(/\/+$/, '').split('/');
  if (request.params.page) segments.pop();
  return { dashboardPath: segments.join('/'), code: request.query.get('code') };
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
  ];
}

export const api: readonly FunctionDefinition[] = apiDefinitions(appServices);
