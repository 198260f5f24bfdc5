/**
 * Whether each vault's events reach the monitor, read from ARM with Reader: one list of Event Grid system topics per
 * vault subscription, one list of event subscriptions per vault topic (api-version 2025-02-15, SystemTopics_ListBySubscription
 * and SystemTopicEventSubscriptions_ListBySystemTopic).
 */
import { z } from 'zod';
import { reachesMonitor, type EventDestination, type VaultEvents } from '../../../domain/eventCoverage.js';
import type { AzureRestReader } from '../inventory/azureRest.js';
import { parseVaultId } from '../../../domain/resourceIds.js';

export const systemTopicsApiVersion = '2025-02-15';

const systemTopic = z.object({
  id: z.string().min(1),
  properties: z.object({ source: z.string(), topicType: z.string() }),
});
export type SystemTopic = z.infer<typeof systemTopic>;

const eventSubscription = z.object({
  properties: z.object({
    destination: z
      .object({ endpointType: z.string(), properties: z.object({ resourceId: z.string().optional() }).nullish() })
      .nullish(),
  }),
});

/** The system topics of a subscription; what has an unexpected shape is told to `skipped`. Throws when the list fails. */
export async function listSystemTopics(
  arm: AzureRestReader,
  endpoint: string,
  subscriptionId: string,
  skipped: (reason: string) => void = () => undefined,
): Promise<SystemTopic[]> {
  const url = `${endpoint}/subscriptions/${encodeURIComponent(subscriptionId)}/providers/Microsoft.EventGrid/systemTopics?api-version=${systemTopicsApiVersion}`;
  const topics: SystemTopic[] = [];
  for await (const item of arm.list(url)) {
    const parsed = systemTopic.safeParse(item);
    if (parsed.success) topics.push(parsed.data);
    else
      skipped(
        `a system topic of subscription ${subscriptionId} of an unexpected shape: ${z.prettifyError(parsed.error)}`,
      );
  }
  return topics;
}

const sameId = (a: string, b: string) => a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();

export class EventCoverageReader {
  constructor(
    private readonly arm: AzureRestReader,
    private readonly endpoint: string,
    /** The monitor's function app's ARM id. */
    private readonly functionAppId: string,
  ) {}

  async read(vaultIds: string[]): Promise<VaultEvents[]> {
    const bySubscription = new Map<string, { vaultId: string; vaultName: string }[]>();
    const timerOnly: VaultEvents[] = [];
    for (const vaultId of vaultIds) {
      const parsed = parseVaultId(vaultId);
      if (!parsed) continue;
      if (parsed.type === 'managedHsm') {
        timerOnly.push({ vaultId, vaultName: parsed.name, coverage: 'timer-only' });
        continue;
      }
      const key = parsed.subscriptionId.toLowerCase();
      bySubscription.set(key, [...(bySubscription.get(key) ?? []), { vaultId, vaultName: parsed.name }]);
    }
    const read = await Promise.all(
      [...bySubscription.entries()].map(async ([subscriptionId, vaults]) => {
        let topics: SystemTopic[];
        try {
          topics = await listSystemTopics(this.arm, this.endpoint, subscriptionId);
        } catch (error) {
          const detail = `the Event Grid system topics of subscription ${subscriptionId} could not be read (${describe(error)})`;
          return vaults.map((vault): VaultEvents => ({ ...vault, coverage: 'unknown', detail }));
        }
        return Promise.all(vaults.map((vault) => this.vaultEvents(vault, topics)));
      }),
    );
    return [...read.flat(), ...timerOnly];
  }

  private async vaultEvents(
    vault: { vaultId: string; vaultName: string },
    topics: SystemTopic[],
  ): Promise<VaultEvents> {
    const topic = topics.find(
      (candidate) =>
        candidate.properties.topicType.toLowerCase() === 'microsoft.keyvault.vaults' &&
        sameId(candidate.properties.source, vault.vaultId),
    );
    if (!topic) return { ...vault, coverage: 'not-covered' };
    const destinations: EventDestination[] = [];
    try {
      for await (const item of this.arm.list(
        `${this.endpoint}${topic.id}/eventSubscriptions?api-version=${systemTopicsApiVersion}`,
      )) {
        const destination = eventSubscription.safeParse(item).data?.properties.destination;
        if (destination)
          destinations.push({
            endpointType: destination.endpointType,
            resourceId: destination.properties?.resourceId ?? null,
          });
      }
    } catch (error) {
      return {
        ...vault,
        coverage: 'unknown',
        detail: `the event subscriptions of system topic ${topic.id} could not be read (${describe(error)})`,
      };
    }
    return { ...vault, coverage: reachesMonitor(destinations, this.functionAppId) ? 'covered' : 'not-covered' };
  }
}

function describe(error: unknown): string {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  return typeof status === 'number' ? `HTTP ${status}: ${message}` : message;
}
