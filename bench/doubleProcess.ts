/**
 * The Azure double in a process of its own, so a benchmark reports the monitor's CPU and memory apart from the
 * double's. The parent forks this file; it serves the benchmark tenant (the same settings, from the environment)
 * and answers over the IPC channel: `requests`, `reset` (request counts and its own peak RSS since the last reset).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseScenario } from '../sandbox/scenario.js';
import { startAzureDouble } from '../sandbox/double/index.js';
import { benchScenario, type TenantSize } from './scenario.js';

export interface DoubleEndpoints {
  armEndpoint: string;
  powerPlatformEndpoint: string;
  identityEndpoint: string;
  identityHeader: string;
  subscriptionId: string;
  ca: string;
}

export interface RemoteDouble extends DoubleEndpoints {
  /** Requests by kind since the last reset, and the double process's peak RSS over that time. */
  requests(): Promise<{ requests: Record<string, number>; rssPeak: number }>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

type Request = { id: number; kind: 'requests' | 'reset' };
type Reply = { id: number; requests?: Record<string, number>; rssPeak?: number };

export async function startDoubleProcess(size: TenantSize, latencyMs: number): Promise<RemoteDouble> {
  const child = fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify({ size, latencyMs })], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const endpoints = await new Promise<DoubleEndpoints>((resolve, reject) => {
    child.once('message', (message) => resolve(message as DoubleEndpoints));
    child.once('exit', (code) => reject(new Error(`the double's process exited with ${code} before it was ready`)));
  });
  let next = 0;
  const pending = new Map<number, (reply: Reply) => void>();
  child.on('message', (message) => {
    const reply = message as Reply;
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  const ask = (kind: Request['kind']) =>
    new Promise<Reply>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      child.send({ id, kind } satisfies Request);
    });
  return {
    ...endpoints,
    requests: async () => {
      const reply = await ask('requests');
      return { requests: reply.requests ?? {}, rssPeak: reply.rssPeak ?? 0 };
    },
    reset: async () => {
      await ask('reset');
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function serve(settings: { size: TenantSize; latencyMs: number }): Promise<void> {
  const double = await startAzureDouble({
    scenario: parseScenario(benchScenario(settings.size)),
    latencyMs: settings.latencyMs,
  });
  let rssPeak = process.memoryUsage.rss();
  setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }, 5).unref();
  const send = (message: unknown) => process.send?.(message);
  process.on('message', (message) => {
    const { id, kind } = message as Request;
    if (kind === 'reset') {
      double.resetRequests();
      rssPeak = process.memoryUsage.rss();
      send({ id } satisfies Reply);
    } else {
      send({ id, requests: double.requests(), rssPeak: Math.max(rssPeak, process.memoryUsage.rss()) } satisfies Reply);
    }
  });
  process.once('SIGTERM', () => void double.stop().then(() => process.exit(0)));
  process.once('disconnect', () => void double.stop().then(() => process.exit(0)));
  const { armEndpoint, powerPlatformEndpoint, identityEndpoint, identityHeader, subscriptionId, ca } = double;
  send({
    armEndpoint,
    powerPlatformEndpoint,
    identityEndpoint,
    identityHeader,
    subscriptionId,
    ca,
  } satisfies DoubleEndpoints);
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) await serve(JSON.parse(process.argv[childAt + 1] ?? '{}') as { size: TenantSize; latencyMs: number });
