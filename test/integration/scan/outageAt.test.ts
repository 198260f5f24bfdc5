/**
 * When an environment goes down: an outage in force dates from when it began (or was first seen), never from a key
 * expiry still to come — in the scan, after an event, and in the what-if.
 */
import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventHandler } from '../../../functions/events.js';
import { roleAssignmentEvent } from '../../support/eventPayloads.js';
import { environment, healthyVaultOf, key, policy, version } from '../../support/scenarioParts.js';
import { startWorld, type World } from '../../support/world.js';
import { guid } from './scenario.js';

const principal = guid(701);
const environmentId = guid(711);
const day = 86_400_000;

let world: World;
let expiresOn: string;

beforeAll(async () => {
  world = await startWorld({
    subscriptionId: '11111111-1111-4111-8111-111111111111',
    vaults: [healthyVaultOf('kv-dates', [principal], [key('k', [version(30, 20)])])],
    policies: [policy('cmk-dates', 'kv-dates', 'k', principal)],
    environments: [environment(environmentId, 'Dated', 'cmk-dates')],
  });
  await world.services.scan(() => undefined);
  const stored = await (await world.services.stores()).statuses.get(environmentId);
  expiresOn = stored?.value.outageAt ?? '';
});
afterAll(() => world?.stop());

const grant = () => {
  const found = world.double.state.roleAssignments.find((assignment) => assignment.principalId === principal);
  if (!found) throw new Error('the scenario grants the policy identity a role');
  return found;
};
const stored = async () => (await (await world.services.stores()).statuses.get(environmentId))?.value;
const near = (iso: string | null | undefined, to: number) => Math.abs(Date.parse(iso ?? '') - to) < 60_000;

describe('the outage date', () => {
  it('of a warning is the expiry it predicts', async () => {
    expect(await stored()).toMatchObject({ status: 'warning' });
    expect(Date.parse(expiresOn) - Date.now()).toBeGreaterThan(19 * day);
  });

  it('is now in the what-if for a change that takes access away, though the key expires later', async () => {
    const { scope } = grant();
    const result = await world.services.whatIf([{ action: 'removeRoleAssignment', principalId: principal, scope }]);
    if (!result.ok) throw new Error(result.message);
    const [environment] = result.answer.environments;
    expect(environment?.after).toMatchObject({ status: 'outage' });
    expect(near(environment?.after.outageAt, Date.now())).toBe(true);
  });

  it('is when the event showed the outage, and a later scan keeps it', async () => {
    const revoked = grant();
    world.double.state.deleteRoleAssignment(revoked.id);
    const seenAt = Date.now();
    const context = new InvocationContext({
      invocationId: 'test',
      functionName: 'resourceEvents',
      logHandler: () => undefined,
    });
    await createEventHandler(() => world.services)(roleAssignmentEvent(world.double, revoked.id, 'delete'), context);
    const afterEvent = await stored();
    expect(afterEvent).toMatchObject({
      status: 'outage',
      findings: [
        expect.objectContaining({ rule: 'access-revoked' }),
        expect.objectContaining({ rule: 'key-expiring' }),
      ],
    });
    expect(near(afterEvent?.outageAt, seenAt)).toBe(true);

    await world.services.scan(() => undefined, new Date(Date.now() + 3_600_000));
    expect((await stored())?.outageAt).toBe(afterEvent?.outageAt);
  });
});
