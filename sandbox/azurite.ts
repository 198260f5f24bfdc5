import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';

/** The well-known Azurite development account (public, documented by Microsoft; not a secret). */
const account = 'devstoreaccount1';
const accountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Azurite takes the account key from the connection string: no token is ever asked for. */
export const noTokenCredential: TokenCredential = { getToken: () => Promise.resolve(null) };

export interface Azurite {
  connectionString: string;
  stop(): Promise<void>;
}

/** Azurite in memory on a free port, for tests and benchmarks. */
export async function startAzurite(): Promise<Azurite> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(process.execPath, azuriteArgs(port), { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await azuriteStarted(child);
      return { connectionString: tablesConnectionString(port), stop: () => stopChild(child) };
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

export function tablesConnectionString(port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${accountKey};TableEndpoint=http://127.0.0.1:${port}/${account};`;
}

function azuriteTableBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'table', 'main.js');
}

/** The command line of Azurite's table service on 127.0.0.1:`port`: in memory, or kept on disk in `location`. */
export function azuriteArgs(port: number, location?: string): string[] {
  return [
    azuriteTableBin(),
    ...(location ? ['--location', location] : ['--inMemoryPersistence']),
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--loose',
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    String(port),
  ];
}

/** Resolves once the Azurite process (stdout and stderr piped) serves; if it exits or is not up in 15 s, ends it and rejects. */
export function azuriteStarted(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`Azurite did not start in 15 s: ${output}`)), 15_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('successfully started')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => fail(new Error(`Azurite exited with ${code}: ${output}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
