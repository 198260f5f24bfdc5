import { HttpRequest, HttpResponse, InvocationContext, type HttpHandler } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { endpoint, HttpError, json } from '../../../functions/http.js';
import { ConfigError } from '../../../shared/config.js';

async function call(handler: HttpHandler, method: string) {
  const logs: string[] = [];
  const context = new InvocationContext({
    invocationId: 'inv-42',
    functionName: 'probe',
    logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(' ')}`),
  });
  const result = await handler(new HttpRequest({ method, url: 'http://localhost/api/probe' }), context);
  const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
  return { status: response.status, headers: response.headers, text: await response.text(), logs };
}

const failing = (error: unknown) =>
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a test rejects with a string on purpose
  endpoint(['GET'], () => Promise.reject(error));

describe('endpoint', () => {
  it('answers JSON with the API headers', async () => {
    const response = await call(
      endpoint(['GET'], () => Promise.resolve(json(200, { a: 1 }))),
      'get',
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ a: 1 });
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers 405 with Allow for any other method, without running the handler', async () => {
    let ran = false;
    const handler = endpoint(['GET', 'HEAD'], () => {
      ran = true;
      return Promise.resolve(json(200, {}));
    });
    const response = await call(handler, 'DELETE');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(JSON.parse(response.text)).toEqual({
      error: { code: 'MethodNotAllowed', message: 'DELETE is not allowed here; use GET, HEAD.' },
    });
    expect(ran).toBe(false);
  });

  it('shows a client error as is', async () => {
    const response = await call(failing(new HttpError(404, 'NotFound', 'No such thing.')), 'GET');
    expect(response.status).toBe(404);
    expect(JSON.parse(response.text)).toEqual({ error: { code: 'NotFound', message: 'No such thing.' } });
  });

  it('answers 503 naming the bad setting for a configuration error', async () => {
    const response = await call(failing(new ConfigError('Invalid configuration. SUBSCRIPTION_IDS: set it')), 'GET');
    expect(response.status).toBe(503);
    expect(JSON.parse(response.text)).toEqual({
      error: { code: 'ConfigurationError', message: 'Invalid configuration. SUBSCRIPTION_IDS: set it' },
    });
  });

  it('hides anything else behind a 500 with the invocation id, and logs the error with its stack', async () => {
    const error = new Error('socket hang up at 10.0.0.4');
    const response = await call(failing(error), 'GET');
    expect(response.status).toBe(500);
    expect(JSON.parse(response.text)).toEqual({
      error: {
        code: 'InternalError',
        message: 'The request failed. The function log has the details under invocation id inv-42.',
      },
    });
    expect(response.text).not.toContain('socket hang up');
    expect(response.text).not.toMatch(/\bat\s.+:\d+:\d+/);
    expect(
      response.logs.some(
        (line) => line.startsWith('error: ') && line.includes('socket hang up') && line.includes('inv-42'),
      ),
    ).toBe(true);
  });

  it('copes with a thrown value that is not an Error', async () => {
    const response = await call(failing('just a string'), 'GET');
    expect(response.status).toBe(500);
    expect(response.text).not.toContain('just a string');
  });
});
