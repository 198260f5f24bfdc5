/**
 * Streams the double's audit records to the function host the way a diagnostic setting and the Event Hubs trigger do
 * together: records wait `delayMs` (Azure documents up to 10 minutes from operation to log), then go in order, many
 * to a message (`{ "records": [ … ] }`), one batch per delivery; a batch the function fails is delivered again, in
 * order, before anything after it (the retry policy holds the partition's checkpoint back).
 */
import type { AuditRecord } from './auditLog.js';

export interface AuditDeliveryOptions {
  /** The host's Event Hub path, like http://127.0.0.1:7071/runtime/webhooks/eventhub; `?functionName=` is added. */
  url: string;
  /** Default keyVaultAuditEvents. */
  functionName?: string;
  /** How long a record waits before it is delivered. Default 3000 ms. */
  delayMs?: number;
  /** The waits before each retry of a failed batch, the last repeated. Default [1000, 5000, 15000]. */
  retryDelaysMs?: number[];
  /** Default console.warn. */
  log?: (message: string) => void;
}

/** Records in one message, and messages in one delivery: well under an Event Hubs batch. */
const recordsPerMessage = 50;
const messagesPerDelivery = 20;
const requestTimeoutMs = 30_000;

export class AuditPublisher {
  private readonly queue: { record: AuditRecord; due: number }[] = [];
  private readonly abort = new AbortController();
  private readonly delayMs: number;
  private readonly retryDelaysMs: number[];
  private readonly log: (message: string) => void;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly options: AuditDeliveryOptions) {
    this.delayMs = options.delayMs ?? 3000;
    this.retryDelaysMs = options.retryDelaysMs ?? [1000, 5000, 15000];
    this.log = options.log ?? ((message) => console.warn(message));
  }

  publish(record: AuditRecord): void {
    if (this.abort.signal.aborted) return;
    this.queue.push({ record, due: Date.now() + this.delayMs });
    this.schedule();
  }

  /** Resolves once every record published so far is delivered (waiting out the delay). */
  async settled(): Promise<void> {
    while (this.queue.length && !this.abort.signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, (this.queue[0]?.due ?? 0) - Date.now())));
      await this.run();
    }
    await this.running;
  }

  stop(): void {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private schedule(): void {
    if (this.timer || !this.queue.length) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.run().then(() => this.schedule());
      },
      Math.max(0, (this.queue[0]?.due ?? 0) - Date.now()),
    );
    this.timer.unref();
  }

  /** Delivers what is due, one delivery after another. */
  private run(): Promise<void> {
    this.running = this.running.then(async () => {
      while (this.queue.length && (this.queue[0]?.due ?? Infinity) <= Date.now() && !this.abort.signal.aborted) {
        const due = this.queue.findIndex((entry) => entry.due > Date.now());
        const batch = this.queue.slice(
          0,
          Math.min(due === -1 ? this.queue.length : due, recordsPerMessage * messagesPerDelivery),
        );
        await this.deliver(batch.map((entry) => entry.record));
        this.queue.splice(0, batch.length);
      }
    });
    return this.running;
  }

  private async deliver(records: AuditRecord[]): Promise<void> {
    const messages: { records: AuditRecord[] }[] = [];
    for (let i = 0; i < records.length; i += recordsPerMessage)
      messages.push({ records: records.slice(i, i + recordsPerMessage) });
    const url = new URL(this.options.url);
    url.searchParams.set('functionName', this.options.functionName ?? 'keyVaultAuditEvents');
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(messages),
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(requestTimeoutMs)]),
        });
        await response.arrayBuffer();
        if (response.ok) return;
        this.log(
          `Audit batch of ${records.length} records to ${url.searchParams.get('functionName')} failed: HTTP ${response.status}; delivering it again`,
        );
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.log(
          `Audit batch of ${records.length} records failed: ${error instanceof Error ? error.message : String(error)}; delivering it again`,
        );
      }
      const wait = this.retryDelaysMs[Math.min(attempt, this.retryDelaysMs.length - 1)] ?? 1000;
      await new Promise((resolve) => setTimeout(resolve, wait).unref());
    }
  }
}
