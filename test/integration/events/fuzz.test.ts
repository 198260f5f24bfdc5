/**
 * The fault suite that stays (issue 12, item 8): a fixed corpus of hostile deliveries (test/support/hostileEvents.ts,
 * seeded PRNG) posted to the Event Grid webhook of the local host, serving the production event functions against
 * Azurite and the Azure double. Nothing answers 5xx, every rejected event is kept, and no status moves.
 */
import { odata } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import type { EventOutcome } from '../../../shared/application/ports/stores.js';
import { openTables } from '../../../shared/adapters/tables/tables.js';
import { noTokenCredential } from '../../../sandbox/azurite.js';
import { hostileCorpus, hostileMarkers, type Delivery, type Target } from '../../support/hostileEvents.js';
import { startScannedWebhook, type Webhook } from '../../support/webhook.js';
import { scanScenario } from '../scan/scenario.js';
import type { World } from '../../support/world.js';

/** Requests in flight at once. */
const inFlight = 4;

let world: World;
let webhook: Webhook;
let base: string;

beforeAll(async () => {
  ({ world, webhook } = await startScannedWebhook());
  base = webhook.base;
});
afterAll(async () => {
  webhook?.close();
  await world?.stop();
});

function target(): Target {
  const scenario = scanScenario();
  const vaultId = (name: string) => world.double.state.vaultId(world.double.state.requireVault(name));
  const watched = scenario.vaults.map((vault) => ({
    name: vault.name,
    id: vaultId(vault.name),
    keys: [...new Set(scenario.policies.filter((policy) => policy.vault === vault.name).map((policy) => policy.key))],
  }));
  return { subscriptionId: scenario.subscriptionId, watched: watched.filter((vault) => vault.keys.length) };
}

interface Answer {
  delivery: Delivery;
  status: number;
  text: string;
}

async function deliverAll(corpus: Delivery[]): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  const worker = async () => {
    while (next < corpus.length) {
      const delivery = corpus[next++] as Delivery;
      const url = `${base}?functionName=${encodeURIComponent(delivery.functionName)}`;
      const response = await fetch(url, {
        method: delivery.method,
        headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
        body: delivery.body,
      });
      answers.push({ delivery, status: response.status, text: await response.text() });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return answers;
}

/** What a status is, leaving out when its truth was last read. */
async function statusSnapshot(): Promise<Record<string, Omit<EnvironmentStatus, 'observedAt'> & { changes: number }>> {
  const { statuses } = await world.services.stores();
  const snapshot: Record<string, Omit<EnvironmentStatus, 'observedAt'> & { changes: number }> = {};
  for (const [id, { value }] of await statuses.list()) {
    const { observedAt: _observedAt, ...rest } = value;
    snapshot[id] = { ...rest, changes: (await statuses.history(id, 1_000)).length };
  }
  return snapshot;
}

const days = (from: Date, to: Date) => [...new Set([from, to].map((date) => date.toISOString().slice(0, 10)))];

async function countsOver(dayList: string[]): Promise<Record<EventOutcome, number>> {
  const { events } = await world.services.stores();
  const total: Record<EventOutcome, number> = { processed: 0, unaffected: 0, ignored: 0, rejected: 0 };
  for (const day of dayList) {
    const counts = await events.counts(new Date(`${day}T12:00:00Z`));
    for (const outcome of Object.keys(total) as EventOutcome[]) total[outcome] += counts[outcome];
  }
  return total;
}

/** Every rejected event stored on these days, read straight from the Events table (no page limit). */
async function storedRejections(dayList: string[]) {
  const table = await openTables(world.services.config, noTokenCredential).get('Events');
  const rows: { functionName: string; reason: string; payload: string }[] = [];
  for (const day of dayList) {
    const entities = table.listEntities<{ functionName: string; reason: string; payload: string }>({
      queryOptions: { filter: odata`PartitionKey eq ${`rejected|${day}`}` },
    });
    for await (const { functionName, reason, payload } of entities) rows.push({ functionName, reason, payload });
  }
  return rows;
}

/** Control, line-separator and format characters spelled out, so a failure message shows what is there. */
const visible = (text: string) =>
  text.replace(
    // eslint-disable-next-line no-control-regex -- the C0 control characters are what this spells out
    /[\u0000-\u001f\u2028\u2029\p{Cf}]/gu,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
const cut = (text: string | Uint8Array, max = 160) => {
  const value = typeof text === 'string' ? text : `<${text.length} bytes>`;
  return visible(value.length > max ? `${value.slice(0, max)}… (${value.length} characters)` : value);
};

describe('a fixed corpus of hostile Event Grid deliveries', () => {
  it('never answers 5xx, keeps every rejected event with its reason, and leaves every status as it was', async () => {
    const corpus = hostileCorpus(target());
    expect(corpus.length).toBeGreaterThanOrEqual(1_000);
    const expected: Record<EventOutcome, number> = { processed: 0, unaffected: 0, ignored: 0, rejected: 0 };
    for (const delivery of corpus)
      if (delivery.status === 200) for (const outcome of delivery.outcomes) expected[outcome]++;

    const statusesBefore = await statusSnapshot();
    expect(Object.keys(statusesBefore).length).toBeGreaterThan(5);
    const started = new Date();
    const countsBefore = await countsOver(days(started, started));

    // The host logs each invocation to the console: keep those lines to check them, and print nothing.
    const lines: string[] = [];
    const errors: string[] = [];
    const spies = (['log', 'info', 'warn', 'error'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        const line = args.map(String).join(' ');
        lines.push(line);
        if (level === 'error') errors.push(line);
      }),
    );
    let answers: Answer[];
    try {
      answers = await deliverAll(corpus);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const dayList = days(started, new Date());

    const failures = answers.filter((answer) => answer.status >= 500);
    expect(
      failures
        .map((f) => `${f.delivery.category} → ${f.status} ${cut(f.text, 200)}: ${cut(f.delivery.body)}`)
        .slice(0, 10),
      `${failures.length} deliveries answered 5xx; host errors: ${errors
        .slice(0, 3)
        .map((line) => cut(line, 300))
        .join(' | ')}`,
    ).toEqual([]);
    const wrong = answers.filter((answer) => answer.status !== answer.delivery.status);
    expect(
      wrong
        .map(
          (w) =>
            `${w.delivery.category}: expected ${w.delivery.status}, got ${w.status} ${cut(w.text)} for ${cut(w.delivery.body)}`,
        )
        .slice(0, 10),
    ).toEqual([]);

    // Every event the function was invoked with is counted once, under the outcome the corpus gave it.
    const countsAfter = await countsOver(dayList);
    const counted = Object.fromEntries(
      Object.entries(countsAfter).map(([outcome, n]) => [outcome, n - countsBefore[outcome as EventOutcome]]),
    );
    expect(counted).toEqual(expected);

    // Every rejected event is stored, with a bounded reason that forges no line and hides nothing.
    const rejections = await storedRejections(dayList);
    expect(rejections).toHaveLength(expected.rejected);
    const badReasons = rejections.filter(
      ({ reason, functionName }) =>
        !reason ||
        reason.length > 1_000 ||
        /[\r\n\0\u2028\u2029\p{Cf}]/u.test(reason) ||
        !['keyVaultEvents', 'resourceEvents'].includes(functionName),
    );
    expect(badReasons.map((row) => `${row.functionName}: ${visible(row.reason)}`).slice(0, 10)).toEqual([]);
    // … and its payload still shows which event it was, however deep, long or broken the event.
    const storedIds = new Set(
      rejections.flatMap(({ payload }) => [...payload.matchAll(/"id":"(fuzz-\d{6})"/g)].map((match) => match[1])),
    );
    const lost = corpus
      .flatMap((delivery) => (delivery.status === 200 ? delivery.keptIds : []))
      .filter((id) => !storedIds.has(id));
    expect(lost.slice(0, 10), `${lost.length} rejected events are stored without their id`).toEqual([]);
    expect(
      rejections
        .filter(({ payload }) => payload.length > 33_000 || payload.startsWith('(not serialisable'))
        .map(({ reason, payload }) => `${reason}: ${cut(payload)}`),
    ).toEqual([]);

    // No status moved, and none took up a word of what the events said.
    const statusesAfter = await statusSnapshot();
    expect(statusesAfter).toEqual(statusesBefore);
    const stored = JSON.stringify(statusesAfter);
    expect(
      hostileMarkers.filter(
        (marker) => stored.includes(marker) || stored.includes(JSON.stringify(marker).slice(1, -1)),
      ),
    ).toEqual([]);

    // The host's log lines are one line each, with no bidi or invisible characters and no NUL.
    const forged = lines.filter((line) => /[\r\n\0\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(line));
    expect(forged.slice(0, 5).map(visible)).toEqual([]);
    expect(({} as Record<string, unknown>).vaultname).toBeUndefined();
  }, 120_000);
});
