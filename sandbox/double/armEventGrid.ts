/**
 * ARM Microsoft.EventGrid system topics (api-version 2025-02-15), as azure-rest-api-specs describes them in
 * specification/eventgrid/resource-manager/Microsoft.EventGrid/stable/2025-02-15:
 * - list by subscription (examples/SystemTopics_ListBySubscription.json, which lists `topicType` in lower case and
 *   `source` with a lower-cased provider and resource type);
 * - get an event subscription of a system topic (examples/SystemTopicEventSubscriptions_Get.json);
 * - delete one (SystemTopicEventSubscriptions_Delete, a long-running operation answering 200, 202 or 204): an
 *   existing one answers 202 with `Azure-AsyncOperation` (Event Grid's `locations/{location}/operationsStatus/{id}`)
 *   and `Location` (`operationResults/{id}`), polled as learn.microsoft.com "Track asynchronous Azure operations"
 *   describes; one that does not exist answers 204, as ARM does for a DELETE of nothing.
 * - list the event subscriptions of a system topic (SystemTopicEventSubscriptions_ListBySystemTopic,
 *   examples/SystemTopicEventSubscriptions_ListBySystemTopic.json);
 * - an event subscription's destination, when the scenario gives one: this monitor's function app's function, in the
 *   shape of examples/EventSubscriptions_GetForCustomTopic_AzureFunctionDestination.json
 *   (`properties.destination: { endpointType: 'AzureFunction', properties: { resourceId: '<site id>/functions/<name>' } }`).
 * Filters are not modelled.
 */
import { randomUUID } from 'node:crypto';
import type { ArmContext } from './arm.js';
import { resourceNotFound, subscriptionNotFound } from './armErrors.js';
import { stableGuid } from './ids.js';
import { paginate } from './paging.js';
import { errorReply, type DoubleRequest, type Reply, type Route } from './server.js';
import type { SystemTopicState } from './state.js';

const listPath = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.eventgrid\/systemtopics\/?$/i;
const topicEventSubscriptionsPath =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.eventgrid\/systemtopics\/([^/]+)\/eventsubscriptions\/?$/i;
const eventSubscriptionPath =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.eventgrid\/systemtopics\/([^/]+)\/eventsubscriptions\/([^/]+)\/?$/i;
const operationStatusPath =
  /^\/subscriptions\/([^/]+)\/providers\/microsoft\.eventgrid\/locations\/([^/]+)\/operationsstatus\/([^/]+)\/?$/i;
const operationResultPath =
  /^\/subscriptions\/([^/]+)\/providers\/microsoft\.eventgrid\/locations\/([^/]+)\/operationresults\/([^/]+)\/?$/i;
const apiVersion = '2025-02-15';

/** The monitor's function app as the double models it, in the scenario's subscription. */
export function monitorFunctionAppId(subscriptionId: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/rg-cmk-monitor/providers/Microsoft.Web/sites/func-cmk-monitor`;
}

/** A deletion Event Grid accepted; the double completes it at once, so its first poll reports it done. */
interface Operation {
  subscriptionId: string;
  location: string;
}

export function eventGridRoutes(context: ArmContext): Route[] {
  const { state } = context;
  const operations = new Map<string, Operation>();
  const eventSubscriptions = () => ['arm', 'arm:eventSubscriptions'];

  const onTopic =
    (handle: (topic: SystemTopicState, name: string, request: DoubleRequest) => Reply) => (request: DoubleRequest) => {
      const [subscriptionId = '', resourceGroup = '', topicName = '', name = ''] = request.params;
      if (!state.hasSubscription(subscriptionId)) return subscriptionNotFound(subscriptionId);
      const topic = state.systemTopic(subscriptionId, resourceGroup, topicName);
      if (!topic) {
        const verb = request.method === 'DELETE' ? 'delete' : 'read';
        const parent = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.EventGrid/systemTopics/${topicName}`;
        return errorReply(
          404,
          'ParentResourceNotFound',
          `Failed to perform '${verb}' on resource(s) of type 'systemTopics/eventSubscriptions', because the parent resource '${parent}' could not be found.`,
        );
      }
      return handle(topic, name, request);
    };

  const operation =
    (handle: (operation: Operation, id: string, request: DoubleRequest) => Reply) => (request: DoubleRequest) => {
      const [subscriptionId = '', location = '', id = ''] = request.params;
      const found = operations.get(id.toLowerCase());
      if (
        !found ||
        found.subscriptionId.toLowerCase() !== subscriptionId.toLowerCase() ||
        found.location.toLowerCase() !== location.toLowerCase()
      ) {
        return errorReply(404, 'ResourceNotFound', `The operation '${id}' could not be found.`);
      }
      return handle(found, id, request);
    };

  return [
    {
      method: 'GET',
      pattern: listPath,
      kind: 'arm.listSystemTopics',
      targets: () => ['arm', 'arm:systemTopics'],
      handle: (request) => {
        const subscriptionId = request.params[0] ?? '';
        if (!state.hasSubscription(subscriptionId)) return subscriptionNotFound(subscriptionId);
        const topics = state.systemTopics.filter(
          (topic) => topic.subscriptionId.toLowerCase() === subscriptionId.toLowerCase(),
        );
        return {
          status: 200,
          body: paginate(topics.map(systemTopicResource), request, context.pageSize, '$skipToken'),
        };
      },
    },
    {
      method: 'GET',
      pattern: topicEventSubscriptionsPath,
      kind: 'arm.listEventSubscriptions',
      targets: eventSubscriptions,
      handle: onTopic((topic, _, request) => ({
        status: 200,
        body: paginate(
          topic.eventSubscriptions.map((name) => eventSubscriptionResource(topic, name, state.subscriptionId)),
          request,
          context.pageSize,
          '$skipToken',
        ),
      })),
    },
    {
      method: 'GET',
      pattern: eventSubscriptionPath,
      kind: 'arm.getEventSubscription',
      targets: eventSubscriptions,
      handle: onTopic((topic, name) => {
        const existing = topic.eventSubscriptions.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
        if (!existing)
          return resourceNotFound(
            'Microsoft.EventGrid/systemTopics/eventSubscriptions',
            `${topic.name}/${name}`,
            topic.resourceGroup,
          );
        return { status: 200, body: eventSubscriptionResource(topic, existing, state.subscriptionId) };
      }),
    },
    {
      method: 'DELETE',
      pattern: eventSubscriptionPath,
      kind: 'arm.deleteEventSubscription',
      targets: eventSubscriptions,
      handle: onTopic((topic, name, request) => {
        if (!state.deleteEventSubscription(topic, name)) return { status: 204 };
        const id = randomUUID().toUpperCase();
        operations.set(id.toLowerCase(), { subscriptionId: topic.subscriptionId, location: topic.location });
        const base = `${request.url.origin}/subscriptions/${topic.subscriptionId}/providers/Microsoft.EventGrid/locations/${topic.location}`;
        const version = request.query.get('api-version') ?? apiVersion;
        return {
          status: 202,
          headers: {
            'azure-asyncoperation': `${base}/operationsStatus/${id}?api-version=${version}`,
            location: `${base}/operationResults/${id}?api-version=${version}`,
            'retry-after': '1',
          },
        };
      }),
    },
    {
      method: 'GET',
      pattern: operationStatusPath,
      kind: 'arm.getEventGridOperationStatus',
      targets: eventSubscriptions,
      handle: operation((_, id, request) => ({
        status: 200,
        body: { id: request.url.toString(), name: id.toLowerCase(), status: 'Succeeded' },
      })),
    },
    {
      method: 'GET',
      pattern: operationResultPath,
      kind: 'arm.getEventGridOperationResult',
      targets: eventSubscriptions,
      handle: operation(() => ({ status: 204 })),
    },
  ];
}

function topicId(topic: SystemTopicState): string {
  return `/subscriptions/${topic.subscriptionId}/resourceGroups/${topic.resourceGroup}/providers/Microsoft.EventGrid/systemTopics/${topic.name}`;
}

function systemTopicResource(topic: SystemTopicState): object {
  const id = topicId(topic);
  return {
    properties: {
      provisioningState: 'Succeeded',
      source: topic.source.replace(
        /\/providers\/([^/]+)\/([^/]+)\//i,
        (_, namespace: string, type: string) => `/providers/${namespace.toLowerCase()}/${type.toLowerCase()}/`,
      ),
      topicType: topic.topicType.toLowerCase(),
      metricResourceId: stableGuid(`system-topic-metrics:${id}`.toLowerCase()),
    },
    location: topic.location,
    tags: null,
    id,
    name: topic.name,
    type: 'Microsoft.EventGrid/systemTopics',
  };
}

/** Event Grid's defaults for what the scenario does not say: the full retry schedule, the Event Grid schema. */
function eventSubscriptionResource(topic: SystemTopicState, name: string, monitorSubscriptionId: string): object {
  const destination = topic.destinations.get(name.toLowerCase());
  return {
    properties: {
      topic: topicId(topic),
      ...(destination
        ? {
            destination: {
              endpointType: 'AzureFunction',
              properties: {
                resourceId: `${monitorFunctionAppId(monitorSubscriptionId)}/functions/${destination}`,
                maxEventsPerBatch: 1,
                preferredBatchSizeInKilobytes: 64,
              },
            },
          }
        : {}),
      provisioningState: 'Succeeded',
      eventDeliverySchema: 'EventGridSchema',
      retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
    },
    id: `${topicId(topic)}/eventSubscriptions/${name}`,
    name,
    type: 'Microsoft.EventGrid/systemTopics/eventSubscriptions',
  };
}
