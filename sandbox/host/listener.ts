import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import type { HttpResponseInit } from '@azure/functions';
import { errorResponse, HttpError } from '../../functions/http.js';
import { serveEventGrid, type EventGridFunction } from './eventGrid.js';
import { serveEventHub, type EventHubFunction } from './eventHub.js';
import { send, serveHttp, type HttpFunction } from './http.js';
import { requestUrl } from './request.js';

export interface HostedFunctions {
  http: HttpFunction[];
  eventGrid: EventGridFunction[];
  eventHub?: EventHubFunction[];
}

/**
 * Every request as the Functions host answers it: the Event Grid webhook, the sandbox's Event Hub path, the HTTP
 * functions, else 404. A request
 * the host cannot hand to a function (malformed, a method no function takes, a body too large) is answered in the
 * functions' error shape; a failure of the host itself is a 500 with an invocation id to find its log line by.
 */
export function hostListener({ http, eventGrid, eventHub = [] }: HostedFunctions): RequestListener {
  return (req, res) => {
    const serve = async () => {
      const url = requestUrl(req);
      if (await serveEventGrid(eventGrid, url, req, res)) return;
      if (await serveEventHub(eventHub, url, req, res)) return;
      if (await serveHttp(http, url, req, res)) return;
      throw new HttpError(404, 'NotFound', 'No function serves this path.');
    };
    serve().catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      send(res, hostError(error), req.method).catch(() => res.destroy());
    });
  };
}

function hostError(error: unknown): HttpResponseInit {
  if (error instanceof HttpError) return errorResponse(error.status, error.code, error.message, error.headers);
  const invocationId = randomUUID();
  console.error(
    `[host] request failed (invocation ${invocationId}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return errorResponse(
    500,
    'InternalError',
    `The request failed. The host log has the details under invocation id ${invocationId}.`,
  );
}
