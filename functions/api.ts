import type { HttpHandler, HttpMethod } from '@azure/functions';
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

    dashboard: endpoint(reads, async () => {
      const dashboard = await readDashboard(await services().stores(), scheduleIntervalMs(services().config.scanSchedule));
      return html(renderDashboard(dashboard), { 'Content-Security-Policy': dashboardCsp });
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
    http('dashboard', 'dashboard'),
    http('whatIf', 'what-if'),
  ];
}

export const api: readonly FunctionDefinition[] = apiDefinitions(appServices);
