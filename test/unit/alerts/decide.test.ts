import { describe, expect, it } from 'vitest';
import { decide } from '../../../shared/domain/alerts/decide.js';
import type { Incident, IncidentRecord } from '../../../shared/domain/alerts/model.js';
import { day, expiring, incident, now } from './builders.js';

const ladder = [30, 14, 7, 3, 1];
const to = () => ['kv-admins@contoso.com'];

/** Runs `decide` over a sequence of moments, keeping the ledger between them as the store would. */
function run(steps: { at: Date; incidents: Incident[] }[]) {
  const records = new Map<string, IncidentRecord>();
  return steps.map(({ at, incidents }) => {
    const decision = decide(incidents, records, at, ladder, to);
    for (const record of decision.records) records.set(record.incidentId, record);
    return decision.alerts.map((alert) => `${alert.kind} ${alert.id}`);
  });
}

const later = (days: number) => new Date(now.getTime() + days * day);

describe('decide', () => {
  it('opens a new incident with one alert and a record at generation 1', () => {
    const decision = decide([incident()], new Map(), now, ladder, to);
    expect(decision.alerts).toEqual([
      {
        id: 'key-disabled|kv-main|pp-key|1|0',
        kind: 'opened',
        incident: incident(),
        level: 0,
        recipients: ['kv-admins@contoso.com'],
        environmentCount: 1,
        decidedAt: now.toISOString(),
      },
    ]);
    expect(decision.records).toEqual([
      {
        incidentId: 'key-disabled|kv-main|pp-key',
        generation: 1,
        level: 0,
        openedAt: now.toISOString(),
        resolvedAt: null,
        lastAlert: { incident: incident(), recipients: ['kv-admins@contoso.com'], environmentCount: 1 },
        membership: { environmentIds: ['e1'], count: 1, digest: expect.stringMatching(/^[0-9a-f]{16}$/) as unknown },
      },
    ]);
  });

  it('writes nothing and sends nothing when a scan sees the same incidents again', () => {
    const records = new Map<string, IncidentRecord>();
    for (const record of decide([incident(), expiring(10)], records, now, ladder, to).records)
      records.set(record.incidentId, record);
    expect(decide([incident(), expiring(10)], records, later(0.1), ladder, to)).toEqual({ alerts: [], records: [] });
  });

  it('escalates on a new threshold crossing, and opens when the first alert comes from a later crossing', () => {
    expect(
      run([
        { at: now, incidents: [expiring(20)] },
        { at: later(0.1), incidents: [expiring(6)] },
      ]),
    ).toEqual([['opened key-expiring|kv-main|pp-key|1|30'], ['escalated key-expiring|kv-main|pp-key|1|7']]);
    expect(
      run([
        { at: now, incidents: [expiring(45)] },
        { at: later(0.1), incidents: [expiring(29)] },
      ]),
    ).toEqual([[], ['opened key-expiring|kv-main|pp-key|1|30']]);
  });

  it('alerts an outage once, however often it is seen, and once when it clears', () => {
    expect(
      run([
        { at: now, incidents: [incident()] },
        { at: later(0.1), incidents: [incident()] },
        { at: later(0.2), incidents: [] },
        { at: later(0.3), incidents: [] },
      ]),
    ).toEqual([
      ['opened key-disabled|kv-main|pp-key|1|0'],
      [],
      ['resolved key-disabled|kv-main|pp-key|1|resolved'],
      [],
    ]);
  });

  it('reminds of the deletion of an outage 3 days and 1 day before, once each, and nothing after it clears', () => {
    const down = incident({ deletionAt: later(7).toISOString() });
    const alerts = run([
      { at: now, incidents: [down] },
      { at: later(3.9), incidents: [down] },
      { at: later(4.1), incidents: [down] },
      { at: later(5.9), incidents: [down] },
      { at: later(6.1), incidents: [down] },
      { at: later(8), incidents: [down] },
      { at: later(7.5), incidents: [] },
      { at: later(8), incidents: [] },
    ]);
    expect(alerts).toEqual([
      ['opened key-disabled|kv-main|pp-key|1|0'],
      [],
      ['escalated key-disabled|kv-main|pp-key|1|3'],
      [],
      ['escalated key-disabled|kv-main|pp-key|1|1'],
      [],
      ['resolved key-disabled|kv-main|pp-key|1|resolved'],
      [],
    ]);
  });

  it('opens an outage first seen close to its deletion on the nearest reminder', () => {
    expect(
      run([
        { at: now, incidents: [incident({ deletionAt: later(2).toISOString() })] },
        { at: later(1.5), incidents: [incident({ deletionAt: later(2).toISOString() })] },
      ]),
    ).toEqual([['opened key-disabled|kv-main|pp-key|1|3'], ['escalated key-disabled|kv-main|pp-key|1|1']]);
  });

  it('climbs the ladder one alert per threshold crossed, skipping rungs passed between runs', () => {
    const steps = [40, 30, 25, 14, 13, 2, 1].map((days, i) => ({ at: later(i * 0.01), incidents: [expiring(days)] }));
    expect(run(steps).map((alerts) => alerts.map((a) => a.split('|').at(-1)))).toEqual([
      [],
      ['30'],
      [],
      ['14'],
      [],
      ['3'],
      ['1'],
    ]);
  });

  it('does not alert again when a partial fix moves the expiry back up the ladder', () => {
    expect(
      run([
        { at: now, incidents: [expiring(6)] },
        { at: later(0.1), incidents: [expiring(20)] },
        { at: later(0.2), incidents: [expiring(6)] },
      ]),
    ).toEqual([['opened key-expiring|kv-main|pp-key|1|7'], [], []]);
  });

  it('opens a new generation when a resolved incident comes back', () => {
    const alerts = run([
      { at: now, incidents: [incident()] },
      { at: later(1), incidents: [] },
      { at: later(2), incidents: [incident()] },
    ]);
    expect(alerts[2]).toEqual(['opened key-disabled|kv-main|pp-key|2|0']);
  });

  it('sends no resolved message for an incident that never alerted', () => {
    expect(
      run([
        { at: now, incidents: [expiring(60)] },
        { at: later(1), incidents: [] },
      ]),
    ).toEqual([[], []]);
  });

  it('tells the resolved message to whoever got the alert', () => {
    const records = new Map<string, IncidentRecord>();
    const first = decide([incident()], records, now, ladder, () => ['a@contoso.com']);
    for (const record of first.records) records.set(record.incidentId, record);
    const resolved = decide([], records, later(1), ladder, () => ['someone-else@contoso.com']);
    expect(resolved.alerts[0]).toMatchObject({
      kind: 'resolved',
      recipients: ['a@contoso.com'],
      incident: { rule: 'key-disabled', environments: [{ displayName: 'Sales' }] },
    });
  });

  it('decides the same alerts from the same inputs (two instances agree on ids)', () => {
    const records = new Map<string, IncidentRecord>();
    const a = decide([incident(), expiring(10)], records, now, ladder, to);
    const b = decide([expiring(10), incident()], records, now, ladder, to);
    expect(a).toEqual(b);
    expect(a.alerts.map((alert) => alert.id)).toEqual([
      'key-disabled|kv-main|pp-key|1|0',
      'key-expiring|kv-main|pp-key|1|14',
    ]);
  });

  it('resolves in the same order whatever the order of the ledger', () => {
    const open = (id: string): IncidentRecord => ({
      incidentId: id,
      generation: 1,
      level: 0,
      openedAt: now.toISOString(),
      resolvedAt: null,
      lastAlert: { incident: incident({ id }), recipients: [], environmentCount: 1 },
    });
    const ids = (records: IncidentRecord[]) =>
      decide([], new Map(records.map((r) => [r.incidentId, r])), now, ladder, to).alerts.map((alert) => alert.id);
    expect(ids([open('b'), open('a')])).toEqual(ids([open('a'), open('b')]));
  });

  it('still decides an alert nobody is set to receive, for the caller to log', () => {
    expect(decide([incident()], new Map(), now, ladder, () => []).alerts).toMatchObject([
      { kind: 'opened', recipients: [] },
    ]);
  });

  it('leaves a resolved record alone, and sends no second resolved message', () => {
    const records = new Map<string, IncidentRecord>();
    for (const at of [now, later(1)]) {
      for (const record of decide(at === now ? [incident()] : [], records, at, ladder, to).records)
        records.set(record.incidentId, record);
    }
    expect(records.get(incident().id)).toMatchObject({ generation: 1, level: 0, resolvedAt: later(1).toISOString() });
    expect(decide([], records, later(2), ladder, to)).toEqual({ alerts: [], records: [] });
  });

  it('remembers a bounded part of a large incident for the resolved message', () => {
    const environments = Array.from({ length: 500 }, (_, i) => ({
      environmentId: `e${i}`,
      displayName: `Env ${i}`,
      status: 'outage' as const,
      policyId: 'p',
      policyName: 'cmk-eu',
      message: 'x'.repeat(1000),
      deletionAt: null,
    }));
    const decision = decide([incident({ environments })], new Map(), now, ladder, to);
    expect(decision.alerts[0]?.incident.environments).toHaveLength(500);
    const remembered = decision.records[0]?.lastAlert?.incident.environments ?? [];
    expect(remembered.length).toBeGreaterThan(0);
    expect(JSON.stringify(decision.records[0]?.lastAlert).length).toBeLessThan(32_000);
  });
});

describe('decide: large incidents', () => {
  it('keeps the full count for the resolved message though the ledger lists only the first environments', () => {
    const many = incident({
      environments: Array.from({ length: 120 }, (_, i) => ({
        environmentId: `e${i}`,
        displayName: `Env ${i}`,
        status: 'outage' as const,
        policyId: 'p',
        policyName: 'cmk-eu',
        message: 'down',
        deletionAt: null,
      })),
    });
    const records = new Map<string, IncidentRecord>();
    const opened = decide([many], records, now, [30, 14, 7, 3, 1], () => ['a@contoso.com']);
    for (const record of opened.records) records.set(record.incidentId, record);
    expect(opened.alerts[0]?.environmentCount).toBe(120);
    const resolved = decide([], records, new Date(now.getTime() + 86_400_000), [30, 14, 7, 3, 1], () => []);
    expect(resolved.alerts[0]).toMatchObject({ kind: 'resolved', environmentCount: 120 });
    expect(resolved.alerts[0]?.incident.environments.length).toBeLessThanOrEqual(50);
  });

  describe('an open incident whose environments change', () => {
    const affected = (...ids: string[]) =>
      ids.map((id) => ({
        environmentId: id,
        displayName: `Env ${id}`,
        status: 'outage' as const,
        policyId: 'p',
        policyName: 'cmk-eu',
        message: 'down',
        deletionAt: null,
      }));
    const with_ = (...ids: string[]) => incident({ environments: affected(...ids) });

    it('alerts at once when it grows, naming the environments that came, and never twice for the same set', () => {
      const records = new Map<string, IncidentRecord>();
      const step = (at: Date, incidents: Incident[]) => {
        const decision = decide(incidents, records, at, ladder, to);
        for (const record of decision.records) records.set(record.incidentId, record);
        return decision.alerts;
      };
      expect(step(now, [with_('e1')]).map((alert) => alert.kind)).toEqual(['opened']);
      const [grew] = step(later(0.01), [with_('e1', 'e2', 'e3')]);
      expect(grew).toMatchObject({
        kind: 'grew',
        level: 0,
        environmentCount: 3,
        change: { added: affected('e2', 'e3'), removed: [], before: 1 },
      });
      expect(grew?.id).toMatch(/^key-disabled\|kv-main\|pp-key\|1\|grew\|[0-9a-f]{16}$/);
      expect(step(later(0.02), [with_('e3', 'e2', 'e1')])).toEqual([]);
      const [shrank] = step(later(0.03), [with_('e1')]);
      expect(shrank).toMatchObject({
        kind: 'shrank',
        environmentCount: 1,
        change: {
          added: [],
          removed: [
            { environmentId: 'e2', displayName: 'Env e2' },
            { environmentId: 'e3', displayName: 'Env e3' },
          ],
          before: 3,
        },
      });
      // Back to a set already alerted: its id is taken, so the outbox keeps the first.
      const [again] = step(later(0.04), [with_('e1', 'e2', 'e3')]);
      expect(again?.id).toBe(grew?.id);
      expect(step(later(0.05), []).map((alert) => `${alert.kind} ${alert.environmentCount}`)).toEqual(['resolved 3']);
    });

    it('learns the set silently from a record written before sets were kept, and from one that never alerted', () => {
      const { membership: _kept, ...old } = decide([with_('e1')], new Map(), now, ladder, to).records[0]!;
      expect(decide([with_('e1', 'e2')], new Map([[old.incidentId, old]]), later(0.01), ladder, to)).toMatchObject({
        alerts: [],
        records: [{ membership: { count: 2 } }],
      });
      const quiet = decide([expiring(45)], new Map(), now, ladder, to).records[0]!;
      const grown = { ...expiring(45), environments: affected('e1', 'e2') };
      expect(decide([grown], new Map([[quiet.incidentId, quiet]]), later(0.01), ladder, to).alerts).toEqual([]);
    });

    it('counts what came when the set was too large to keep by name', () => {
      const many = Array.from({ length: 401 }, (_, i) => `e${String(i).padStart(3, '0')}`);
      const records = new Map<string, IncidentRecord>();
      for (const record of decide([with_(...many)], records, now, ladder, to).records)
        records.set(record.incidentId, record);
      expect(records.get('key-disabled|kv-main|pp-key')?.membership).toMatchObject({
        environmentIds: null,
        count: 401,
      });
      const [grew] = decide([with_(...many, 'e999', 'e998')], records, later(0.01), ladder, to).alerts;
      expect(grew).toMatchObject({
        kind: 'grew',
        environmentCount: 403,
        change: { added: [], removed: [], before: 401 },
      });
    });
  });
});
