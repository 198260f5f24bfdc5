import type { EventHubHandler, InvocationContext } from '@azure/functions';
import { services as appServices, type Services } from '../shared/composition/index.js';
import { readAuditBatch } from '../shared/adapters/events/auditRecord.js';
import { enqueuedTimes } from '../shared/adapters/events/enqueuedTimes.js';
import { record } from '../shared/telemetry/instruments.js';
import type { FunctionDefinition } from './definition.js';

/** The Event Hub a diagnostic setting streams the vaults' AuditEvent records to, and the connection settings' prefix. */
export const auditHub = { eventHubName: 'keyvault-audit', connection: 'AuditEvents' } as const;

/**
 * A batch of Key Vault audit records: hints to re-read a key or a vault, and Power Platform's refused calls. A bad
 * record is kept with its reason and acknowledged; a failed read throws, and the retry policy delivers the batch
 * again before the partition's checkpoint moves (learn.microsoft.com/azure/azure-functions/functions-bindings-error-pages).
 */
export function createAuditHandler(services: () => Services): EventHubHandler {
  return async (messages: unknown, context: InvocationContext) => {
    const batch: unknown[] = Array.isArray(messages) ? (messages as unknown[]) : [messages];
    const enqueued = enqueuedTimes(context.triggerMetadata, batch.length);
    const deliveries = batch.map((message, i) => ({ message, enqueuedAt: enqueued[i] ?? null }));
    const app = services();
    const read = readAuditBatch(deliveries, app.config.monitorClientId, new Date());
    const result = await app.audit(read, context.functionName, (message) => context.warn(message));
    record('auditRecords', result.records - result.ignored - result.rejected, { outcome: 'used' });
    record('auditRecords', result.ignored, { outcome: 'ignored' });
    record('auditRecords', result.rejected, { outcome: 'rejected' });
    context.log(
      `${result.records} audit records: ${result.refusals} refused calls of policy identities, ${result.hints} keys or vaults re-read, ` +
        `${result.environments} environments behind them, ${result.changed} changed; ${result.ignored} ignored, ${result.rejected} rejected`,
    );
  };
}

export function auditDefinitions(services: () => Services): FunctionDefinition[] {
  return [
    {
      trigger: 'eventHub',
      name: 'keyVaultAuditEvents',
      options: {
        ...auditHub,
        cardinality: 'many',
        // About half an hour of retries; a batch that still fails is left behind, and the hourly scan reads the truth.
        retry: {
          strategy: 'exponentialBackoff',
          maxRetryCount: 8,
          minimumInterval: { seconds: 10 },
          maximumInterval: { minutes: 10 },
        },
        handler: createAuditHandler(services),
      },
    },
  ];
}

export const auditEvents: readonly FunctionDefinition[] = auditDefinitions(appServices);
