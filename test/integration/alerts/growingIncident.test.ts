/**
 * An incident that grows after it alerted: a second policy identity on the same key loses its role, and two more
 * production environments go down under the same (rule, key) incident. The admins hear it at once, once; and they
 * hear when it shrinks again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environment, healthyVaultOf, key, policy, version } from '../../support/scenarioParts.js';
import { emailAlerts, startSmtpSink, type SmtpSink } from '../../support/smtpSink.js';
import { startWorld, type World } from '../../support/world.js';
import { guid } from '../scan/scenario.js';

const first = guid(801);
const second = guid(802);

let sink: SmtpSink;
let world: World;

beforeAll(async () => {
  sink = await startSmtpSink();
  world = await startWorld(
    {
      subscriptionId: '11111111-1111-4111-8111-111111111111',
      vaults: [healthyVaultOf('kv-shared', [first, second], [key('k', [version(30, 300)])])],
      policies: [policy('cmk-first', 'kv-shared', 'k', first), policy('cmk-second', 'kv-shared', 'k', second)],
      environments: [
        environment(guid(811), 'Finance', 'cmk-first'),
        environment(guid(812), 'Sales', 'cmk-second'),
        environment(guid(813), 'Support', 'cmk-second'),
      ],
    },
    {
      alerts: emailAlerts(sink.port, {
        from: 'cmk-monitor@contoso.com',
        keyvaultAdmins: ['kv-admins@contoso.com'],
        powerplatformAdmins: [],
      }),
    },
  );
});
afterAll(async () => {
  await world?.stop();
  await sink?.stop();
});

const assignmentOf = (principalId: string) => {
  const found = world.double.state.roleAssignments.find((assignment) => assignment.principalId === principalId);
  if (!found) throw new Error(`no role assignment for ${principalId}`);
  return found;
};

/** A scan and its alerts, as the timer runs them; the subjects of the mails they sent. */
async function scanThenMail(): Promise<string[]> {
  const before = sink.received.length;
  await world.services.scanThenAlert(() => undefined);
  return sink.received.slice(before).map((mail) => mail.parsed.subject ?? '');
}

describe('an incident whose environments change after it alerted', () => {
  it('alerts at once when it grows, naming the environments that came, and once only', async () => {
    const firstGrant = assignmentOf(first);
    world.double.state.deleteRoleAssignment(firstGrant.id);
    expect(await scanThenMail()).toEqual([
      expect.stringMatching(/^\[CMK outage\] 1 environment down since .*: access-revoked on kv-shared\/k$/),
    ]);

    const secondGrant = assignmentOf(second);
    world.double.state.deleteRoleAssignment(secondGrant.id);
    const grew = await scanThenMail();
    expect(grew).toEqual(['[CMK outage] 2 more environments down (3 in all): access-revoked on kv-shared/k']);
    const mail = sink.received.at(-1)?.parsed.text ?? '';
    expect(mail).toContain('Now also: Sales, Support');
    expect(await scanThenMail()).toEqual([]);

    const { alerts } = await world.services.stores();
    const kinds = (await alerts.list()).map((record) => record.alert.kind);
    expect(kinds.filter((kind) => kind === 'grew')).toHaveLength(1);

    world.double.state.putRoleAssignment(secondGrant);
    expect(await scanThenMail()).toEqual([
      '[CMK outage] 2 environments no longer down, 1 still down: access-revoked on kv-shared/k',
    ]);
    expect(sink.received.at(-1)?.parsed.text ?? '').toContain('No longer: Sales, Support');

    world.double.state.putRoleAssignment(firstGrant);
    expect(await scanThenMail()).toEqual([
      expect.stringMatching(/^\[CMK resolved\] 1 environment: access-revoked on kv-shared\/k cleared/),
    ]);
  });
});
