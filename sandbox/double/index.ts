/**
 * A local HTTPS double of the Azure APIs the monitor reads, speaking their wire protocol so the real @azure/* clients
 * run unchanged: Key Vault data plane (each vault at the root of its own origin), ARM, the Power Platform admin API,
 * and the App Service managed identity endpoint behind DefaultAzureCredential.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { materialize, type Scenario } from '../scenario.js';
import { armService } from './arm.js';
import { AuditLog } from './auditLog.js';
import { AuditPublisher, type AuditDeliveryOptions } from './auditPublisher.js';
import { eventsFor } from './events.js';
import { identityPath, identityService } from './identity.js';
import { keyVaultService } from './keyVault.js';
import { powerPlatformService } from './powerPlatform.js';
import { callPolicyKeys } from './powerPlatformCalls.js';
import { EventPublisher, type EventPublisherOptions } from './publisher.js';
import { createListener, startServer, stopServer, type Service, type Traffic } from './server.js';
import { DoubleState } from './state.js';
import { createCertificates } from './tls.js';
import { FaultRegistry, RequestCounter, type Fault, type FaultTarget } from './traffic.js';

export type { Fault, FaultTarget } from './traffic.js';
export type { DoubleState } from './state.js';
export type { EventSchema, EventPublisherOptions } from './publisher.js';
export type { AuditDeliveryOptions } from './auditPublisher.js';
export type { AuditRecord } from './auditLog.js';

/** The tenant every token, vault and policy of the double belongs to. */
export const doubleTenantId = 'b7d4c1e2-5f3a-4d6b-9e8c-2a1f0e3d4c5b';

export interface AzureDoubleOptions {
  scenario: Scenario;
  /** The moment the scenario's relative days count from; the double's clock runs on from it. Default: now. */
  now?: Date;
  /** Delay added to every request. Default 0. */
  latencyMs?: number;
  /** Items per page of every paged list (a smaller `maxresults` wins). Default 50. */
  pageSize?: number;
  /** Publishes the Event Grid event Azure would send for every change, to this Functions webhook. Default: none. */
  events?: EventPublisherOptions;
  /** Streams Key Vault's audit records to this host, as a diagnostic setting and the Event Hubs trigger would. Default: none. */
  audit?: AuditDeliveryOptions;
  /** Power Platform's calls on every policy's key, this often (ms); 0 for none but those `callPolicyKeys()` makes. Default 0. */
  powerPlatformCallsEveryMs?: number;
}

export interface AzureDouble {
  /** PEM of the CA that signed the servers' certificate (for 127.0.0.1 and localhost). */
  ca: string;
  /** ARM base URL, no trailing slash (like https://management.azure.com). */
  armEndpoint: string;
  /** Power Platform admin API base URL, no trailing slash (like https://api.bap.microsoft.com). */
  powerPlatformEndpoint: string;
  /** Data-plane URI of each vault, `https://127.0.0.1:PORT/`, also reported by ARM as `properties.vaultUri`. */
  vaultUris: Record<string, string>;
  /** For IDENTITY_ENDPOINT: the managed identity endpoint, plain HTTP on 127.0.0.1. */
  identityEndpoint: string;
  /** For IDENTITY_HEADER: the secret the identity endpoint expects in X-IDENTITY-HEADER. */
  identityHeader: string;
  tenantId: string;
  subscriptionId: string;
  /** The live Azure the double serves; tests change it through its methods. */
  state: DoubleState;
  /** Requests served so far, by kind (`keyvault.getKey`, `arm.getVault`, …). */
  requests(): Record<string, number>;
  resetRequests(): void;
  /** Fails the target's requests with `status` (`times` requests, or all until cleared). */
  fault(target: FaultTarget, fault: Fault): void;
  clearFaults(): void;
  /** Resolves when every event published so far is delivered or dead-lettered; at once without `events`. */
  eventsSettled(): Promise<void>;
  /** Every record Key Vault logs; listen to read them. */
  auditLog: AuditLog;
  /** One round of Power Platform's calls on every policy's key (a get, a wrap, an unwrap each). */
  callPolicyKeys(): void;
  /** Resolves when every audit record so far is delivered (after its delay); at once without `audit`. */
  auditSettled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAzureDouble(options: AzureDoubleOptions): Promise<AzureDouble> {
  const now = options.now ?? new Date();
  const startedAt = performance.now();
  const clock = () => new Date(now.getTime() + (performance.now() - startedAt));
  const pageSize = options.pageSize ?? 50;
  const certificates = await createCertificates();
  const traffic: Traffic = {
    latencyMs: options.latencyMs ?? 0,
    counter: new RequestCounter(),
    faults: new FaultRegistry(),
  };
  const servers: Server[] = [];
  const listen = async (tls: boolean) => {
    const { server, port } = await startServer(tls ? certificates : undefined);
    servers.push(server);
    return { port, serve: (service: Service) => server.on('request', createListener(service, traffic)) };
  };

  const vaultUris: Record<string, string> = {};
  const vaultListeners = new Map<string, (service: Service) => void>();
  const openVault = async (vaultName: string) => {
    const { port, serve } = await listen(true);
    vaultUris[vaultName] = `https://127.0.0.1:${port}/`;
    vaultListeners.set(vaultName.toLowerCase(), serve);
    return vaultUris[vaultName];
  };
  for (const vault of options.scenario.vaults) await openVault(vault.name);

  const state = new DoubleState(materialize(options.scenario, now), { tenantId: doubleTenantId, vaultUris, clock });
  for (const vault of options.scenario.vaults) {
    for (const key of vault.keys) if (key.deletedDaysAgo !== undefined) state.deleteKey(vault.name, key.name);
  }
  // Subscribed after the seeding above, which publishes nothing.
  const publisher = options.events ? new EventPublisher(options.events) : undefined;
  const unsubscribe = publisher
    ? state.onChange((change) => {
        for (const event of eventsFor(change, state)) publisher.publish(event);
      })
    : undefined;
  const auditLog = new AuditLog(state);
  const stopAuditChanges = state.onChange((change) => auditLog.change(change));
  const auditPublisher = options.audit ? new AuditPublisher(options.audit) : undefined;
  if (auditPublisher) auditLog.onRecord((record) => auditPublisher.publish(record));
  const powerPlatformCalls = options.powerPlatformCallsEveryMs
    ? setInterval(() => callPolicyKeys(state, auditLog), options.powerPlatformCallsEveryMs)
    : undefined;
  powerPlatformCalls?.unref();
  const serveVault = (vaultName: string) =>
    vaultListeners.get(vaultName.toLowerCase())?.(keyVaultService({ state, vaultName, pageSize, audit: auditLog }));
  for (const vault of options.scenario.vaults) serveVault(vault.name);

  const vaultEndpoint = async (vaultName: string) => {
    const known = Object.entries(vaultUris).find(([name]) => name.toLowerCase() === vaultName.toLowerCase());
    if (known) return known[1];
    const uri = await openVault(vaultName);
    serveVault(vaultName);
    return uri;
  };
  const arm = await listen(true);
  arm.serve(armService({ state, pageSize, vaultEndpoint }));
  const powerPlatform = await listen(true);
  powerPlatform.serve(powerPlatformService({ state, pageSize }));
  const identityHeader = randomBytes(16).toString('hex');
  const identity = await listen(false);
  identity.serve(identityService({ tenantId: doubleTenantId, identityHeader }));

  return {
    ca: certificates.ca,
    armEndpoint: `https://127.0.0.1:${arm.port}`,
    powerPlatformEndpoint: `https://127.0.0.1:${powerPlatform.port}`,
    vaultUris,
    identityEndpoint: `http://127.0.0.1:${identity.port}${identityPath}`,
    identityHeader,
    tenantId: doubleTenantId,
    subscriptionId: options.scenario.subscriptionId,
    state,
    requests: () => traffic.counter.snapshot(),
    resetRequests: () => traffic.counter.reset(),
    fault: (target, fault) => traffic.faults.add(target, fault),
    clearFaults: () => traffic.faults.clear(),
    eventsSettled: () => publisher?.settled() ?? Promise.resolve(),
    auditLog,
    callPolicyKeys: () => callPolicyKeys(state, auditLog),
    auditSettled: () => auditPublisher?.settled() ?? Promise.resolve(),
    stop: async () => {
      unsubscribe?.();
      stopAuditChanges();
      clearInterval(powerPlatformCalls);
      auditPublisher?.stop();
      publisher?.stop();
      await Promise.all(servers.map(stopServer));
    },
  };
}
