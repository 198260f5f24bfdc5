import { describe, expect, it } from 'vitest';
import { decide } from '../../../shared/alerts/decide.js';
import type { Incident, IncidentRecord } from '../../../shared/alerts/model.js';
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
  it('alerts an outage once, however often it is seen, and once when it clears', () => {
    expect(run([
      { at: now, incidents: [incident()] },
      { at: later(0.1), incidents: [incident()] },
      { at: later(0.2), incidents: [] },
      { at: later(0.3), incidents: [] },
    ])).toEqual([['opened key-disabled|kv-main|pp-key|1|0'], [], ['resolved key-disabled|kv-main|pp-key|1|resolved'], []]);
  });

  it('climbs the ladder one alert per threshold crossed, skipping rungs passed between runs', () => {
    const steps = [40, 30, 25, 14, 13, 2, 1].map((days, i) => ({ at: later(i * 0.01), incidents: [expiring(days)] }));
    expect(run(steps).map((alerts) => alerts.map((a) => a.split('|').at(-1)))).toEqual([[], ['30'], [], ['14'], [], ['3'], ['1']]);
  });

  it('does not alert again when a partial fix moves the expiry back up the ladder', () => {
    expect(run([
      { at: now, incidents: [expiring(6)] },
      { at: later(0.1), incidents: [expiring(20)] },
      { at: later(0.2), incidents: [expiring(6)] },
    ])).toEqual([['opened key-expiring|kv-main|pp-key|1|7'], [], []]);
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
    expect(run([
      { at: now, incidents: [expiring(60)] },
      { at: later(1), incidents: [] },
    ])).toEqual([[], []]);
  });

  it('tells the resolved message to whoever got the alert', () => {
    const records = new Map<string, IncidentRecord>();
    const first = decide([incident()], records, now, ladder, () => ['a@contoso.com']);
    for (const record of first.records) records.set(record.incidentId, record);
    const resolved = decide([], records, later(1), ladder, () => ['someone-else@contoso.com']);
    expect(resolved.alerts[0]).toMatchObject({ kind: 'resolved', recipients: ['a@contoso.com'], incident: { rule: 'key-disabled', environments: [{ displayName: 'Sales' }] } });
  });

  it('decides the same alerts from the same inputs (two instances agree on ids)', () => {
    const records = new Map<string, IncidentRecord>();
    const a = decide([incident(), expiring(10)], records, now, ladder, to);
    const b = decide([incident(), expiring(10)], records, now, ladder, to);
    expect(a).toEqual(b);
  });
});
