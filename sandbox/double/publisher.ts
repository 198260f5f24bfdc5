/**
 * Delivers the double's events to a webhook the way an Event Grid subscription does: the validation handshake before
 * the first delivery to each function, then one event per request, asynchronously, at least once, with retries.
 */
import { randomUUID } from 'node:crypto';
import { toCloudEvent, type EventGridEvent } from './events.js';

export type EventSchema = 'EventGridSchema' | 'CloudEventSchemaV1_0';

export interface EventPublisherOptions {
  /** The webhook base, like http://127.0.0.1:7071/runtime/webhooks/eventgrid; `?functionName=` is added per event. */
  url: string;
  /** Default EventGridSchema. */
  schema?: EventSchema;
  /** The waits before each retry; when they run out the event is dead-lettered. Default [100, 300, 1000, 3000, 10000]. */
  retryDelaysMs?: number[];
  /** Default console.warn. */
  log?: (message: string) => void;
}

export interface DeadLetter {
  event: EventGridEvent;
  functionName: string;
  attempts: number;
  reason: string;
}

export const keyVaultFunction = 'keyVaultEvents';
export const resourceFunction = 'resourceEvents';

const defaultRetryDelaysMs = [100, 300, 1000, 3000, 10000];
const requestTimeoutMs = 30_000;
const webhookOrigin = 'eventgrid.azure.net';

/** Event Grid dead-letters these at once instead of retrying. */
const finalStatuses = new Set([400, 413]);

export function functionNameFor(event: EventGridEvent): string {
  return event.eventType.startsWith('Microsoft.KeyVault.') ? keyVaultFunction : resourceFunction;
}

export class EventPublisher {
  private readonly url: string;
  private readonly schema: EventSchema;
  private readonly retryDelaysMs: number[];
  private readonly log: (message: string) => void;
  private readonly handshakes = new Map<string, Promise<void>>();
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private readonly abort = new AbortController();
  private readonly dead: DeadLetter[] = [];
  private idleWaiters: (() => void)[] = [];
  private pending = 0;
  private delivered = 0;

  constructor(options: EventPublisherOptions) {
    this.url = options.url;
    this.schema = options.schema ?? 'EventGridSchema';
    this.retryDelaysMs = options.retryDelaysMs ?? defaultRetryDelaysMs;
    this.log = options.log ?? ((message) => console.warn(message));
  }

  /** Queues the event and returns at once. */
  publish(event: EventGridEvent): void {
    if (this.abort.signal.aborted) return;
    this.pending += 1;
    void this.deliver(event).finally(() => {
      this.pending -= 1;
      if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }

  /** Resolves when no event is queued, waiting for a retry or in flight. */
  settled(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Events the webhook accepted. */
  published(): number {
    return this.delivered;
  }

  /** Events given up on: retries exhausted, refused for good (400, 413), or pending when the publisher stopped. */
  deadLettered(): readonly DeadLetter[] {
    return this.dead;
  }

  /** Aborts requests in flight and pending retries; later events are dropped. */
  stop(): void {
    this.abort.abort();
    for (const [timer, wake] of this.timers) {
      clearTimeout(timer);
      wake();
    }
    this.timers.clear();
  }

  private async deliver(event: EventGridEvent): Promise<void> {
    const functionName = functionNameFor(event);
    for (let attempt = 1; ; attempt += 1) {
      const failure = await this.attempt(event, functionName, attempt - 1);
      if (failure === undefined) {
        this.delivered += 1;
        return;
      }
      const delay = this.retryDelaysMs[attempt - 1];
      if (this.abort.signal.aborted) return this.deadLetter(event, functionName, attempt, 'publisher stopped');
      if (failure.final || delay === undefined) return this.deadLetter(event, functionName, attempt, failure.reason);
      await this.sleep(delay);
      if (this.abort.signal.aborted) return this.deadLetter(event, functionName, attempt, 'publisher stopped');
    }
  }

  private deadLetter(event: EventGridEvent, functionName: string, attempts: number, reason: string): void {
    this.dead.push({ event, functionName, attempts, reason });
    this.log(
      `Event ${event.eventType} ${event.id} to ${functionName} dead-lettered after ${attempts} attempts: ${reason}`,
    );
  }

  /** Undefined on success. */
  private async attempt(
    event: EventGridEvent,
    functionName: string,
    attempt: number,
  ): Promise<{ reason: string; final: boolean } | undefined> {
    try {
      await this.handshake(functionName, event.topic);
      const cloud = this.schema === 'CloudEventSchemaV1_0';
      const response = await fetch(this.functionUrl(functionName), {
        method: 'POST',
        headers: {
          'content-type': cloud ? 'application/cloudevents+json; charset=utf-8' : 'application/json',
          'aeg-event-type': 'Notification',
          'aeg-delivery-count': String(attempt),
        },
        body: JSON.stringify(cloud ? toCloudEvent(event) : [event]),
        signal: this.signal(),
      });
      await response.arrayBuffer();
      if (response.status >= 200 && response.status <= 204) return undefined;
      return { reason: `HTTP ${response.status}`, final: finalStatuses.has(response.status) };
    } catch (error) {
      return { reason: error instanceof Error ? error.message : String(error), final: false };
    }
  }

  /** Once per function; a failed handshake is tried again on the next attempt. */
  private handshake(functionName: string, topic: string): Promise<void> {
    let done = this.handshakes.get(functionName);
    if (!done) {
      done =
        this.schema === 'CloudEventSchemaV1_0'
          ? this.validateOrigin(functionName)
          : this.validateSubscription(functionName, topic);
      this.handshakes.set(functionName, done);
      done.catch(() => this.handshakes.delete(functionName));
    }
    return done;
  }

  private async validateSubscription(functionName: string, topic: string): Promise<void> {
    const validationCode = randomUUID();
    const validation = {
      id: randomUUID(),
      topic,
      subject: '',
      eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
      eventTime: new Date().toISOString(),
      data: { validationCode },
      dataVersion: '2',
      metadataVersion: '1',
    };
    const response = await fetch(this.functionUrl(functionName), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'SubscriptionValidation' },
      body: JSON.stringify([validation]),
      signal: this.signal(),
    });
    const text = await response.text();
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      answer = undefined;
    }
    const echoed =
      typeof answer === 'object' && answer !== null && 'validationResponse' in answer
        ? answer.validationResponse
        : undefined;
    if (response.status !== 200 || echoed !== validationCode) {
      throw new Error(
        `Subscription validation of ${functionName} failed: HTTP ${response.status} ${text.slice(0, 200)}`,
      );
    }
  }

  private async validateOrigin(functionName: string): Promise<void> {
    const response = await fetch(this.functionUrl(functionName), {
      method: 'OPTIONS',
      headers: { 'WebHook-Request-Origin': webhookOrigin },
      signal: this.signal(),
    });
    await response.arrayBuffer();
    const allowed = response.headers.get('WebHook-Allowed-Origin');
    if (response.status !== 200 || (allowed !== webhookOrigin && allowed !== '*')) {
      throw new Error(
        `Webhook validation of ${functionName} failed: HTTP ${response.status}, WebHook-Allowed-Origin ${allowed ?? '(none)'}`,
      );
    }
  }

  private functionUrl(functionName: string): string {
    const url = new URL(this.url);
    url.searchParams.set('functionName', functionName);
    return url.toString();
  }

  private signal(): AbortSignal {
    return AbortSignal.any([this.abort.signal, AbortSignal.timeout(requestTimeoutMs)]);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.set(timer, resolve);
    });
  }
}
