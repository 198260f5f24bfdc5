import { describe, expect, it } from 'vitest';
import type { Channel } from '../../../shared/application/ports/notifier.js';
import type { OutboxAlert, SightRecord, Versioned } from '../../../shared/application/ports/stores.js';
import { blindSpotsOf, scanFailed, type BlindSpot } from '../../../shared/application/sight.js';
import { tellSight } from '../../../shared/application/sightAlerts.js';

const none = { healthy: 3, warning: 0, critical: 0, outage: 0, unknown: 0 };
const policy = {
  id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.PowerPlatform/enterprisePolicies/p',
  name: 'p',
  location: 'europe',
  vaultId: 'v',
  keyName: 'k',
  keyVersion: null,
  principalId: 'x',
};

describe('blindSpotsOf', () => {
  it('sees nothing missing when policies are listed and linked, and every chain was read', () => {
    expect(
      blindSpotsOf({ policies: [policy], unreadable: [], environments: 3, skipped: [], unreported: [] }, 3, none),
    ).toEqual([]);
  });

  it('names links not seen, items not understood, subscriptions not listed and chains not read', () => {
    const spots = blindSpotsOf(
      {
        policies: [policy, policy],
        unreadable: [{ subscriptionId: 's2', detail: 'GET … answered 403: AuthorizationFailed' }],
        environments: 40,
        skipped: [
          { source: 'environment (no name)', reason: 'name: Invalid input: expected string, received undefined' },
        ],
        unreported: [],
      },
      0,
      { ...none, unknown: 2 },
    );
    expect(spots.map((spot) => spot.code)).toEqual([
      'links-not-seen',
      'not-understood',
      'policies-unreadable',
      'chains-unreadable',
    ]);
    expect(spots[0]?.reason).toMatch(/^ARM lists 2 encryption policies, but none of the 40 environments/);
    expect(spots[1]?.reason).toBe(
      '1 item left out, in a shape the readers do not understand: environment (no name): name: Invalid input: expected string, received undefined',
    );
    expect(spots[2]?.reason).toBe(
      'Enterprise policies of subscription s2 could not be listed: GET … answered 403: AuthorizationFailed',
    );
    expect(spots[3]?.reason).toMatch(/^2 environments are unknown/);
  });

  it('keeps text from a response or an error on one line, without invisible characters, so a reason cannot forge a line', () => {
    const hostile = 'env\r\n[sight] all clear\u202E\u200B';
    const [notUnderstood, unreadable] = blindSpotsOf(
      {
        policies: [],
        unreadable: [{ subscriptionId: 's', detail: `403: ${hostile}` }],
        environments: 1,
        skipped: [{ source: `environment ${hostile}`, reason: 'x'.repeat(900) }],
        unreported: [],
      },
      0,
      none,
    );
    for (const reason of [notUnderstood?.reason, unreadable?.reason, scanFailed(new Error(hostile)).reason]) {
      expect(reason).not.toMatch(/[\r\n\u202E\u200B]/);
      expect(reason).toContain('env [sight] all clear');
    }
    expect(notUnderstood?.reason.length).toBeLessThan(600);
  });

  it('says so when linked environments came without a runtime state, naming them, as a blind spot of its own', () => {
    const unreported = Array.from({ length: 7 }, (_, i) => ({
      source: `environment env-${i}`,
      reason: 'properties.states.runtime.id absent',
    }));
    const spots = blindSpotsOf(
      { policies: [policy], unreadable: [], environments: 9, skipped: [], unreported },
      9,
      none,
    );
    expect(spots).toEqual([
      {
        code: 'not-understood',
        reason:
          '7 linked environments came without a runtime state (properties.states.runtime.id), so whether Power Platform ' +
          'still keeps them disabled after key access is back (environment-still-disabled) cannot be told: ' +
          'environment env-0; environment env-1; environment env-2; and 4 more',
      },
    ]);
  });

  it('does not call a tenant without encryption policies blind', () => {
    expect(
      blindSpotsOf({ policies: [], unreadable: [], environments: 12, skipped: [], unreported: [] }, 0, none),
    ).toEqual([]);
  });
});

class MemorySight {
  record: Versioned<SightRecord> | null = null;
  readonly queued: OutboxAlert[] = [];
  private version = 0;

  readonly scans = {
    sight: async () => this.record,
    saveSight: async (next: SightRecord, previous: Versioned<SightRecord> | null) => {
      if ((previous?.etag ?? null) !== (this.record?.etag ?? null)) return false;
      this.record = { value: next, etag: String(++this.version) };
      return true;
    },
  };

  readonly alerts = {
    enqueue: async (alert: OutboxAlert) => {
      if (this.queued.some((queued) => queued.alertId === alert.alertId)) return false;
      this.queued.push(alert);
      return true;
    },
    waiting: async () => [],
    alert: async () => null,
    update: async () => null,
  };
}

const email = { name: 'email', ready: true, takes: () => true, send: async () => undefined } as unknown as Channel;
const config = {
  monitorAdmins: [],
  keyvaultAdmins: ['kv@contoso.com'],
  powerplatformAdmins: ['pp@contoso.com', 'kv@contoso.com'],
};
const linksNotSeen: BlindSpot = { code: 'links-not-seen', reason: 'ARM lists 2 encryption policies, but none …' };
const failed: BlindSpot = { code: 'scan-failed', reason: 'The inventory could not be read: … 403' };

describe('tellSight', () => {
  it('tells both admin lists once when the monitor goes blind, again only for a new kind, and once when it sees again', async () => {
    const memory = new MemorySight();
    const deps = { ...memory, channels: [email], config };
    const at = (minute: number) => new Date(Date.UTC(2026, 11, 7, 6, minute));
    expect(await tellSight(deps, [], at(0))).toBe(0);
    expect(await tellSight(deps, [linksNotSeen], at(1))).toBe(1);
    expect(await tellSight(deps, [linksNotSeen], at(2))).toBe(0);
    expect(await tellSight(deps, [failed], at(3))).toBe(1);
    expect(await tellSight(deps, [linksNotSeen], at(4))).toBe(0);
    expect(await tellSight(deps, [], at(5))).toBe(1);
    expect(await tellSight(deps, [], at(6))).toBe(0);

    expect(memory.queued.map((alert) => alert.alertId)).toEqual([
      'sight|1|opened',
      'sight|2|opened',
      'sight|2|resolved',
    ]);
    expect(memory.queued[0]?.recipients).toEqual(['kv@contoso.com', 'pp@contoso.com']);
    expect(memory.queued[2]?.subject).toBe('[CMK monitor] sees the whole tenant again since 2026-12-07');
    expect(memory.record?.value).toMatchObject({ degraded: false, since: '2026-12-07T06:01:00.000Z' });
  });

  it('sends its own admins the message when they are set', async () => {
    const memory = new MemorySight();
    await tellSight({ ...memory, channels: [email], config: { ...config, monitorAdmins: ['owners@contoso.com'] } }, [
      linksNotSeen,
    ]);
    expect(memory.queued[0]?.recipients).toEqual(['owners@contoso.com']);
  });
});
