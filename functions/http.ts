import type { HttpHandler, HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { ConfigError } from '../shared/config.js';

/**
 * Every method a function can be given: each API function takes them all and answers 405 itself. Not TRACE or
 * CONNECT: the worker cannot build a request for them (undici refuses both), so routing them here would answer 500.
 */
export const allMethods: HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const jsonHeaders = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** A failure the client caused or can act on; its message is shown as is. */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { ...jsonHeaders, ...headers }, jsonBody: body };
}

export function html(body: string, headers: Record<string, string>, status = 200): HttpResponseInit {
  return {
    status,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      ...headers,
    },
    body,
  };
}

export function errorResponse(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): HttpResponseInit {
  return json(status, { error: { code, message } }, headers);
}

/** The request's body as text, refused with 413 past `maxBytes`. */
export async function textBody(request: HttpRequest, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw new HttpError(413, 'PayloadTooLarge', `The body is over ${maxBytes} bytes.`);
  const text = await request.text();
  if (Buffer.byteLength(text) > maxBytes)
    throw new HttpError(413, 'PayloadTooLarge', `The body is over ${maxBytes} bytes.`);
  return text;
}

/** The request's media type, lower-case and without parameters; '' when it has none. */
export function mediaTypeOf(request: HttpRequest): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The request's JSON body, refused with 413 past `maxBytes`, 415 when it is not JSON and 400 when it does not parse. */
export async function jsonBody(request: HttpRequest, maxBytes: number): Promise<unknown> {
  const text = await textBody(request, maxBytes);
  if (mediaTypeOf(request) !== 'application/json')
    throw new HttpError(415, 'UnsupportedMediaType', 'The body must be application/json.');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'BadRequest', 'The body is not valid JSON.');
  }
}

export type Handle = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * An HTTP handler that serves only `methods` (405 with `Allow` otherwise) and turns every failure into a JSON
 * error: a client error as is, a configuration error as 503 naming the settings, anything else as 500 with the
 * invocation id to find the logged error by. No response carries a stack trace.
 */
export function endpoint(methods: readonly HttpMethod[], handle: Handle): HttpHandler {
  const allow = methods.join(', ');
  return async (request, context) => {
    const method = request.method.toUpperCase();
    if (!methods.includes(method as HttpMethod)) {
      return errorResponse(405, 'MethodNotAllowed', `${method} is not allowed here; use ${allow}.`, { Allow: allow });
    }
    try {
      return await handle(request, context);
    } catch (error) {
      return failure(error, context);
    }
  };
}

function failure(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof HttpError) return errorResponse(error.status, error.code, error.message, error.headers);
  if (error instanceof ConfigError) {
    context.error(error.message);
    return errorResponse(503, 'ConfigurationError', error.message);
  }
  context.error(`${context.functionName} failed (invocation ${context.invocationId}):`, describe(error));
  return errorResponse(
    500,
    'InternalError',
    `The request failed. The function log has the details under invocation id ${context.invocationId}.`,
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
