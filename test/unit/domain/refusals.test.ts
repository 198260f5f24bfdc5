import { describe, expect, it } from 'vitest';
import {
  foldRefusals,
  streakKey,
  streaksOf,
  type AccessRefusal,
  type RefusalStreak,
} from '../../../shared/domain/refusals.js';
import { keyAccessFailing } from '../../../shared/domain/rules/keyAccessFailing.js';
import { blind, chainOf, ctxOf, fromNow, KEY_NAME, MS, PRINCIPAL_ID, VAULT_ID } from './builders.js';

const MINUTE = 60_000;
const QUIET = 30 * MINUTE;

function refusal(minutesFromNow: number, overrides: Partial<AccessRefusal> = {}): AccessRefusal {
  return {
    vaultId: VAULT_ID,
    vaultName: 'kv-contoso',
    keyName: KEY_NAME,
    principalId: PRINCIPAL_ID,
    operation: 'KeyUnwrap',
    status: 403,
    at: fromNow(minutesFromNow * MINUTE).toISOString(),
    arrivedAt: fromNow(minutesFromNow * MINUTE).toISOString(),
    ...overrides,
  };
}

function streak(firstMinutes: number, lastMinutes: number, overrides: Partial<RefusalStreak> = {}): RefusalStreak {
  const { at: _at, ...rest } = refusal(lastMinutes);
  return {
    ...rest,
    firstAt: fromNow(firstMinutes * MINUTE).toISOString(),
    lastAt: fromNow(lastMinutes * MINUTE).toISOString(),
    ...overrides,
  };
}

describe('foldRefusals', () => {
  it('starts a streak at the first refusal and carries the last one forward', () => {
    const folded = foldRefusals(null, [refusal(-10, { operation: 'KeyWrap', status: 401 }), refusal(-20)], QUIET);
    expect(folded).toEqual(streak(-20, -10, { operation: 'KeyWrap', status: 401 }));
  });

  it('changes nothing for a duplicate or a refusal inside the streak, in any order', () => {
    const before = streak(-20, -10);
    expect(foldRefusals(before, [refusal(-10), refusal(-15), refusal(-20)], QUIET)).toEqual(before);
    const once = foldRefusals(null, [refusal(-20), refusal(-10)], QUIET);
    expect(foldRefusals(once, [refusal(-10), refusal(-20)], QUIET)).toEqual(once);
  });

  it('starts a new streak after a quiet gap, and drops a late record of a finished one', () => {
    expect(foldRefusals(streak(-120, -100), [refusal(-5)], QUIET)).toEqual(streak(-5, -5));
    expect(foldRefusals(streak(-20, -10), [refusal(-60)], QUIET)).toEqual(streak(-20, -10));
    expect(foldRefusals(streak(-20, -10), [refusal(-40)], QUIET)).toEqual(streak(-40, -10));
  });

  it('keeps the latest arrival of any refusal it folds in, and none of a record it drops', () => {
    const arrived = (minutes: number) => ({ arrivedAt: fromNow(minutes * MINUTE).toISOString() });
    expect(foldRefusals(streak(-20, -10), [refusal(-15, arrived(-2))], QUIET)).toEqual(streak(-20, -10, arrived(-2)));
    expect(foldRefusals(streak(-20, -10), [refusal(-40, arrived(-1))], QUIET)).toEqual(streak(-40, -10, arrived(-1)));
    expect(foldRefusals(streak(-20, -10, arrived(-3)), [refusal(-5, arrived(-8))], QUIET)).toEqual(
      streak(-20, -5, arrived(-3)),
    );
    expect(foldRefusals(streak(-20, -10), [refusal(-60, arrived(-1))], QUIET)).toEqual(streak(-20, -10));
  });

  it('keeps one streak per identity, vault and key, whatever their case', () => {
    expect(streakKey(refusal(0))).toBe(
      streakKey(
        refusal(0, {
          vaultName: 'KV-CONTOSO',
          keyName: KEY_NAME.toUpperCase(),
          principalId: PRINCIPAL_ID.toUpperCase(),
        }),
      ),
    );
    expect(streakKey(refusal(0, { keyName: null }))).not.toBe(streakKey(refusal(0)));
  });
});

describe('streaksOf', () => {
  it("takes the policy identity's streaks on its key, or on every key of its vault", () => {
    const mine = streak(-5, -1);
    const vaultWide = streak(-5, -1, { keyName: null });
    const otherKey = streak(-5, -1, { keyName: 'other' });
    const otherIdentity = streak(-5, -1, { principalId: '99999999-2222-3333-4444-555555555555' });
    const otherVault = streak(-5, -1, { vaultName: 'kv-other' });
    expect(streaksOf(chainOf().policy, [mine, vaultWide, otherKey, otherIdentity, otherVault])).toEqual([
      mine,
      vaultWide,
    ]);
  });
});

describe('keyAccessFailing', () => {
  it('is an outage naming the operation, the status and the last refusal, dated from the first', () => {
    const chain = { ...chainOf(), refusals: [streak(-20, -1)] };
    expect(keyAccessFailing(ctxOf(chain))).toEqual({
      rule: 'key-access-failing',
      severity: 'outage',
      message:
        `Vault 'kv-contoso' refuses key '${KEY_NAME}' to enterprise policy 'ep-contoso': KeyUnwrap answered 403 at ${fromNow(-MINUTE).toISOString().slice(0, 16)}Z, ` +
        `refused since ${fromNow(-20 * MINUTE).toISOString()}. Power Platform cannot use the key, so the environments are going offline now.`,
      dueAt: fromNow(-20 * MINUTE).toISOString(),
    });
  });

  it('changes only once a minute while the refusals go on, so a status is not rewritten with every batch', () => {
    const at = (seconds: number) =>
      keyAccessFailing(ctxOf({ ...chainOf(), refusals: [streak(-20, seconds / 60)] }))?.message;
    expect(at(-50)).toBe(at(-40));
    expect(at(-50)).not.toBe(at(-70));
  });

  it('names the latest streak when there are several', () => {
    const chain = {
      ...chainOf(),
      refusals: [
        streak(-50, -40, { status: 401 }),
        streak(-5, -2, { keyName: null, status: 404, operation: 'KeyGet' }),
      ],
    };
    expect(keyAccessFailing(ctxOf(chain))?.message).toContain(
      "refuses its key to enterprise policy 'ep-contoso': KeyGet answered 404",
    );
  });

  it('clears once the quiet period has passed and the chain reads back, not before either', () => {
    const quietOver = { ...chainOf(), refusals: [streak(-60, -30)] };
    expect(keyAccessFailing(ctxOf(quietOver))).toBeNull();
    expect(keyAccessFailing(ctxOf({ ...quietOver, refusals: [streak(-60, -30 + MS / MINUTE)] }))).not.toBeNull();
    expect(keyAccessFailing(ctxOf({ ...chainOf({ grants: blind() }), refusals: [streak(-60, -30)] }))).not.toBeNull();
    expect(
      keyAccessFailing(
        ctxOf(quietOver, { options: { expiringWithinDays: 30, criticalWithinDays: 7, refusalQuietMinutes: 45 } }),
      ),
    ).not.toBeNull();
  });

  it('counts the quiet period from when the last refusal arrived, not from the time its record claims', () => {
    const arrived = (minutes: number) => ({ arrivedAt: fromNow(minutes * MINUTE).toISOString() });
    const forged = {
      ...chainOf(),
      refusals: [streak(-30, -30, { lastAt: '9999-12-31T00:00:00.000Z', ...arrived(-30) })],
    };
    expect(keyAccessFailing(ctxOf(forged))).toBeNull();
    const late = { ...chainOf(), refusals: [streak(-60, -45, arrived(-29))] };
    expect(keyAccessFailing(ctxOf(late))?.message).toContain('KeyUnwrap answered 403');
  });

  it('names the streak whose refusal arrived last, and holds until that one is quiet', () => {
    const arrived = (minutes: number) => ({ arrivedAt: fromNow(minutes * MINUTE).toISOString() });
    const chain = {
      ...chainOf(),
      refusals: [streak(-20, -5, { status: 401, ...arrived(-40) }), streak(-50, -40, { status: 404, ...arrived(-10) })],
    };
    expect(keyAccessFailing(ctxOf(chain))?.message).toContain('KeyUnwrap answered 404');
  });

  it('says nothing without refusals, or when none was read', () => {
    expect(keyAccessFailing(ctxOf({ ...chainOf(), refusals: [] }))).toBeNull();
    expect(keyAccessFailing(ctxOf(chainOf()))).toBeNull();
  });
});
