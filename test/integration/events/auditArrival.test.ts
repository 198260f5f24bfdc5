/**
 * What a record's own time can do, through the production keyVaultAuditEvents function against Azurite and the Azure
 * double: anyone who can send to the hub can write a refused KeyWrap of a policy identity and date it as they like, so
 * a record dated after its arrival or older than the hub keeps is kept with its reason and changes nothing, and a
 * refusal holds key-access-failing one quiet period after it arrived, whatever time it claims.
 */
import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditHandler } from '../../../functions/auditEvents.js';
import type { AuditRecord } from '../../../sandbox/double/auditLog.js';
import { startWorld, type World } from '../../support/world.js';
import { environments, principals, scanScenario } from '../scan/scenario.js';

const minute = 60_000;

let world: World;
let wrap: AuditRecord;
beforeAll(async () => {
  world = await startWorld(scanScenario());
  await world.services.scan(() => undefined);
  const records: AuditRecord[] = [];
  const stop = world.double.auditLog.onRecord((record) => records.push(record));
  world.double.callPolicyKeys();
  stop();
  const found = records.find(
    (record) => record.operationName === 'KeyWrap' && record.identity?.claim.oid === principals.healthy,
  );
  if (!found) throw new Error("The double logged no KeyWrap of the healthy policy's identity");
  wrap = found;
});
afterAll(() => world?.stop());

/** Power Platform's wrap under the healthy policy's identity, refused, dated `time`. */
const refusedWrap = (time: string): AuditRecord => ({
  ...wrap,
  time,
  resultSignature: 'Forbidden',
  properties: { ...wrap.properties, httpStatusCode: 403 },
});

/** One message, enqueued at `enqueuedAt` as the Event Hubs trigger says, through the production function. */
async function deliver(records: AuditRecord[], enqueuedAt: Date): Promise<void> {
  const context = new InvocationContext({
    functionName: 'keyVaultAuditEvents',
    triggerMetadata: { enqueuedTimeUtcArray: [enqueuedAt.toISOString()] },
  });
  await createAuditHandler(() => world.services)([{ records }], context);
}

async function everyStatus() {
  const { statuses, refusals } = await world.services.stores();
  return { statuses: [...(await statuses.list()).values()].map(({ value }) => value), refusals: await refusals.list() };
}

describe('the time of a Key Vault audit record', () => {
  it('rejects a refusal forged for the year 9999, keeps it in Events with its reason, and changes no status', async () => {
    const before = await everyStatus();
    const forged = refusedWrap('9999-12-31T00:00:00.0000000Z');
    await deliver([forged], new Date());
    const rejected = await (await world.services.stores()).events.rejected(new Date());
    expect(rejected).toContainEqual(
      expect.objectContaining({
        functionName: 'keyVaultAuditEvents',
        reason: expect.stringMatching(
          /^record\.time: expected a time at most 5 minutes after the record reached the Event Hub \(.+\), got 9999-12-31T00:00:00\.000Z$/,
        ) as unknown,
        payload: expect.stringContaining('"time":"9999-12-31T00:00:00.0000000Z"') as unknown,
      }),
    );
    expect(await everyStatus()).toEqual(before);
  });

  it('rejects a refusal older than the hub keeps a message, and changes no status', async () => {
    const before = await everyStatus();
    const arrived = new Date();
    await deliver([refusedWrap(new Date(arrived.getTime() - 24 * 60 * minute - 1).toISOString())], arrived);
    const rejected = await (await world.services.stores()).events.rejected(new Date());
    expect(rejected.map((event) => event.reason)).toContainEqual(
      expect.stringMatching(/^record\.time: expected a time at most 24 hours \(the Event Hub's retention\) before/),
    );
    expect(await everyStatus()).toEqual(before);
  });

  it('holds key-access-failing for a refusal dated now until one quiet period after it arrived, not after its own time', async () => {
    const { statuses } = await world.services.stores();
    const statusAt = async (now: Date) => {
      await world.services.scan(() => undefined, now);
      const stored = await statuses.get(environments.shared[0] ?? '');
      return { status: stored?.value.status, rules: stored?.value.findings.map((finding) => finding.rule) };
    };
    const dated = new Date();
    const arrived = new Date(dated.getTime() + 4 * minute);
    await deliver([refusedWrap(dated.toISOString())], arrived);
    expect(await statusAt(new Date(dated.getTime() + 31 * minute))).toEqual({
      status: 'outage',
      rules: ['key-access-failing'],
    });
    expect(await statusAt(new Date(arrived.getTime() + 30 * minute - 1))).toEqual({
      status: 'outage',
      rules: ['key-access-failing'],
    });
    expect(await statusAt(new Date(arrived.getTime() + 30 * minute))).toEqual({ status: 'healthy', rules: [] });
  });
});
