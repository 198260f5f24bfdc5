import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../shared/domain/evaluate.js';
import type { Environment } from '../../../shared/domain/model.js';
import { linkedFindings } from '../../../shared/domain/rules/findings.js';
import { blind, chainOf, ctxOf, environmentOf, fromNow, DAY, NOW } from './builders.js';

const page = 'https://admin.powerplatform.microsoft.com/environments/environment/env-1/hub';
const reported = (runtimeState: string | undefined, overrides: Partial<Environment> = {}) =>
  environmentOf({ ...(runtimeState && { runtimeState }), adminUrl: page, ...overrides });
const evaluateOne = (environment: Environment, chain = chainOf()) =>
  linkedFindings(ctxOf(chain, { environment, linkStatusSince: fromNow(-DAY) })).map((f) => [f.rule, f.severity]);

describe('environment-still-disabled', () => {
  it('is an outage when Power Platform still reports the environment Disabled on a chain that reads usable', () => {
    const findings = linkedFindings(ctxOf(chainOf(), { environment: reported('Disabled') }));
    expect(findings).toEqual([
      {
        rule: 'environment-still-disabled',
        severity: 'outage',
        message:
          "Power Platform still reports environment 'Contoso Production' Disabled, though the key chain of policy 'ep-contoso' reads usable again: " +
          `it stays down, and keeps its deletion date, until an admin re-enables it in the Power Platform admin center (${page}).`,
        dueAt: null,
      },
    ]);
    expect(evaluate({ environment: reported('DISABLED'), chain: chainOf(), unlink: null }, NOW)).toMatchObject({
      status: 'outage',
      outageAt: NOW.toISOString(),
    });
  });

  it('names no page when the admin API gives none', () => {
    const [finding] = linkedFindings(ctxOf(chainOf(), { environment: reported('Disabled', { adminUrl: undefined }) }));
    expect(finding?.message).toMatch(/re-enables it in the Power Platform admin center\.$/);
  });

  it("leaves a disabled environment to its chain's findings while the chain is still broken", () => {
    expect(evaluateOne(reported('Disabled'), chainOf({ current: { enabled: false } }))).toEqual([
      ['key-disabled', 'outage'],
    ]);
    expect(evaluateOne(reported('Disabled'), chainOf({ policy: { healthStatus: 'Unhealthy' } }))).toEqual([
      ['policy-unhealthy', 'outage'],
    ]);
  });

  it('says nothing of access restored while the monitor cannot see the chain', () => {
    expect(evaluateOne(reported('Disabled'), chainOf({ key: blind() }))).toEqual([['monitor-blind', 'warning']]);
  });

  it('fires beside what does not take the environment down', () => {
    expect(evaluateOne(reported('Disabled'), chainOf({ current: { expiresOn: fromNow(3 * DAY) } }))).toEqual([
      ['key-expiring', 'critical'],
      ['environment-still-disabled', 'outage'],
    ]);
  });

  it('leaves an environment disabled while its link is being applied or removed alone', () => {
    expect(evaluateOne(reported('Disabled', { linkStatus: 'Linking' }))).toEqual([['link-pending', 'info']]);
    expect(evaluateOne(reported('Disabled', { linkStatus: 'Unlinking' }))).toEqual([['link-pending', 'info']]);
    expect(evaluateOne(reported('Disabled', { linkStatus: null }))).toEqual([['environment-still-disabled', 'outage']]);
  });

  it('is not evaluated on a failed link: the key does not protect the environment', () => {
    expect(evaluateOne(reported('Disabled', { linkStatus: 'Failed' }))).toEqual([['link-failed', 'critical']]);
  });

  it('warns about a runtime state it does not know, naming it', () => {
    expect(linkedFindings(ctxOf(chainOf(), { environment: reported('Warning') }))).toEqual([
      expect.objectContaining({
        rule: 'environment-still-disabled',
        severity: 'warning',
        message:
          "Power Platform reports environment 'Contoso Production' in runtime state 'Warning', which the monitor does not know and treats as not enabled; " +
          `check it in the Power Platform admin center (${page}).`,
      }),
    ]);
  });

  it.each(['Enabled', 'enabled', 'AdminMode', undefined])(
    'says nothing when the runtime state is %s',
    (runtimeState) => {
      expect(evaluateOne(reported(runtimeState))).toEqual([]);
    },
  );
});
