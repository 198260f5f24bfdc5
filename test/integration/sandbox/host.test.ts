/**
 * The local function host under requests no function could be given: each gets a 4xx in the functions' error
 * shape, never a 500, and a body too large never leaves the connection stalled. Over the wire to the host in its
 * own process, as `npm start` runs it: what a client sees of a closing connection depends on it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest, createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../sandbox/azurite.js';
import { hostListener } from '../../../sandbox/host/listener.js';

let host: ChildProcess;
let port: number;

/** Without settings its functions would answer 503; no request here reaches one. */
beforeAll(async () => {
  port = await freePort();
  host = spawn(process.execPath, ['--import', 'tsx', 'sandbox/host/main.ts'], {
    env: { PATH: process.env.PATH, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    host.once('message', () => resolve());
    host.once('exit', (code) => reject(new Error(`the host exited with ${code}`)));
  });
}, 30_000);
afterAll(async () => {
  if (host.exitCode !== null) return;
  await new Promise((resolve) => host.once('exit', resolve).kill('SIGTERM'));
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** One request as a client may really send it: any method, path and Host header. */
function send(method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined }),
      );
    });
    req.on('error', reject).end();
  });
}

/** Everything the host writes back on one connection, until it closes it or `ms` pass. */
function converse(writes: (string | Buffer)[], ms: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => done(false), ms);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('close', () => done(true));
    socket.on('error', () => undefined);
    for (const write of writes) socket.write(write);
  });
}

describe('the local function host', () => {
  it('answers 400 to a path that is not valid percent-encoding and to a Host header that names no host', async () => {
    for (const [path, name] of [
      ['/api/environments/%ZZ', '127.0.0.1'],
      ['/api/health%E2%82', '127.0.0.1'],
      ['/api/health', '%'],
      ['/api/health', 'a b'],
    ]) {
      const answer = await send('GET', path!, { Host: name! });
      expect(answer.status, `${path} Host: ${name}`).toBe(400);
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(answer.body).toEqual({ error: { code: 'BadRequest', message: expect.any(String) as unknown } });
    }
  });

  it('answers 405 with Allow to a method no function can be given, such as TRACE', async () => {
    const answer = await send('TRACE', '/api/health');
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
    expect(answer.body).toEqual({
      error: { code: 'MethodNotAllowed', message: expect.stringContaining('TRACE is not allowed here') as unknown },
    });
  });

  it('answers 404 in the same shape to a path no function serves', async () => {
    expect(await send('GET', '/api/nothing')).toMatchObject({ status: 404, body: { error: { code: 'NotFound' } } });
  });

  it('answers 413 to a body too large once the client has sent it, then closes the connection instead of reading the next request', async () => {
    const webhook =
      'POST /runtime/webhooks/eventgrid?functionName=keyVaultEvents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json';
    const tooLarge = Buffer.alloc(32 * 1024 * 1024, 0x20);
    const next = 'GET /api/nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    const sent = await converse([`${webhook}\r\nContent-Length: ${tooLarge.length}\r\n\r\n`, tooLarge, next], 15_000);
    expect(sent.text).toMatch(/^HTTP\/1\.1 413 .*\r\n[\s\S]*connection: close\r\n/i);
    expect(sent.closed).toBe(true);

    // A body announced larger than the functions take is refused, whatever arrives of it.
    const announced = await converse(
      ['POST /api/scan HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 104857601\r\n\r\n{}', next],
      15_000,
    );
    expect(announced.text).toMatch(/^HTTP\/1\.1 413 .*\r\n[\s\S]*connection: close\r\n[\s\S]*"PayloadTooLarge"/i);
    expect(announced.closed).toBe(true);
  });
});

describe('the local function host, failing itself', () => {
  it('answers 500 with the invocation id under which it logged the error, and no detail', async () => {
    const logged: string[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => logged.push(args.map(String).join(' '));
    const failing = {
      name: 'failing',
      options: { route: 'failing', handler: () => Promise.reject(new Error('secret detail')) },
    };
    const server = createServer(hostListener({ http: [failing], eventGrid: [] }));
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const answer = (await (
        await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/failing`)
      ).json()) as { error: { code: string; message: string } };
      const id = /invocation id ([0-9a-f-]{36})/.exec(answer.error.message)?.[1];
      expect(answer.error.code).toBe('InternalError');
      expect(id).toBeDefined();
      expect(JSON.stringify(answer)).not.toContain('secret detail');
      expect(logged.find((line) => line.includes(id!))).toContain('secret detail');
    } finally {
      console.error = consoleError;
      server.close();
    }
  });
});

describe("the local function host's stand-in for the Event Hubs trigger", () => {
  it('hands a batch of messages to the function at once, answers 500 when it fails, and 4xx for what is no batch', async () => {
    const batches: unknown[] = [];
    let fail = false;
    const audit = {
      name: 'keyVaultAuditEvents',
      options: {
        connection: 'AuditEvents',
        eventHubName: 'keyvault-audit',
        cardinality: 'many' as const,
        handler: async (messages: unknown) => {
          if (fail) throw new Error('Key Vault answered 503');
          batches.push(messages);
        },
      },
    };
    const consoleError = console.error;
    console.error = () => undefined;
    const server = createServer(hostListener({ http: [], eventGrid: [], eventHub: [audit] }));
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/runtime/webhooks/eventhub`;
      const post = (body: string, name = 'keyVaultAuditEvents') =>
        fetch(`${base}?functionName=${name}`, { method: 'POST', body }).then((r) => r.status);
      expect(await post(JSON.stringify([{ records: [] }, { records: [{ operationName: 'KeyUpdate' }] }]))).toBe(200);
      expect(batches).toEqual([[{ records: [] }, { records: [{ operationName: 'KeyUpdate' }] }]]);
      fail = true;
      expect(await post('[]')).toBe(500);
      expect(await post('{"records": []}')).toBe(400);
      expect(await post('not json')).toBe(400);
      expect(await post('[]', 'other')).toBe(404);
      expect((await fetch(`${base}?functionName=keyVaultAuditEvents`)).status).toBe(405);
    } finally {
      console.error = consoleError;
      server.close();
    }
  });
});
