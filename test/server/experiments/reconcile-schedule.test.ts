// What the DataFast reconciliation decides: which exposures it claims by, which payments count as
// conversions and when, and when it looks at a visitor again.
import { describe, expect, it } from 'vitest';
import { buildPolicy } from '../../../server/decision/policy';
import { CallBudget } from '../../../server/experiments/call-budget';
import { HOLDOUT_EXPERIMENT } from '../../../server/experiments/holdout';
import { attributionWindows, checkWindows, conversionTimes, DEFAULT_SCHEDULE, nextCheckAt } from '../../../server/experiments/reconcile-schedule';
import type { Experiment } from '../../../server/experiments/types';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = 1_700_000_000_000;
const exp = (id: string, extra: Partial<Experiment> = {}): Experiment => ({ id, coverage: 1, status: 'running', variants: [{ id: 'a', weight: 1, offer: null }, { id: 'b', weight: 1, offer: 'welcome-coupon' }], ...extra });

describe('attributionWindows and checkWindows', () => {
  it('takes running experiments with their own windows (default 7 days) and the holdout when there is one', () => {
    const policy = buildPolicy({ experiments: [exp('short', { attributionDays: 2 }), exp('plain'), exp('off', { status: 'stopped' })], holdout: 0.05 });
    expect([...attributionWindows(policy)]).toEqual([
      ['short', 2 * DAY],
      ['plain', 7 * DAY],
      [HOLDOUT_EXPERIMENT, 7 * DAY],
    ]);
    expect(attributionWindows(buildPolicy({ experiments: [exp('off', { status: 'stopped' })] })).size).toBe(0);
    expect(checkWindows(new Map([['x', DAY]]), HOUR)).toEqual([{ experimentId: 'x', lookBackMs: DAY + HOUR }]);
  });
});

describe('conversionTimes', () => {
  const goal = (at: number) => ({ name: 'payment', at });

  it('takes, for each exposure, the first payment at or after it; payments before every exposure count for none', () => {
    expect(conversionTimes([goal(T0 - DAY), goal(T0 + 2 * HOUR), goal(T0 + 5 * HOUR), goal(T0 + 9 * HOUR)], { one: T0, two: T0 + 4 * HOUR }, T0 + DAY)).toEqual([T0 + 2 * HOUR, T0 + 5 * HOUR]);
    expect(conversionTimes([goal(T0 - DAY)], { one: T0 }, T0 + DAY)).toEqual([]);
    expect(conversionTimes([goal(T0 + HOUR)], { one: T0, two: T0 }, T0 + DAY)).toEqual([T0 + HOUR]);
  });

  it('takes a payment stamped in the future (DataFast’s clock ahead of ours) as now', () => {
    expect(conversionTimes([goal(T0 + 2 * DAY)], { one: T0 }, T0 + DAY)).toEqual([T0 + DAY]);
  });
});

describe('nextCheckAt', () => {
  const windows = new Map([
    ['one', 7 * DAY],
    ['two', 2 * DAY],
  ]);
  const check = (checks: number, exposures: Record<string, number> = { one: T0 }) => ({ visitorId: 'v', checks, exposures });

  it('waits 1 h after the first look, doubling each time up to a day', () => {
    const now = T0 + HOUR;
    expect([0, 1, 2, 3, 4, 5, 6, 12].map((n) => (nextCheckAt(check(n), windows, [], now) ?? 0) - now)).toEqual([HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR, 16 * HOUR, DAY, DAY, DAY]);
  });

  it('makes the last look at the end of the latest open window, then none', () => {
    expect(nextCheckAt(check(9), windows, [], T0 + 6.5 * DAY)).toBe(T0 + 7 * DAY);
    expect(nextCheckAt(check(10), windows, [], T0 + 7 * DAY)).toBeNull();
    // `two` ended, `one` has not: the visitor is still looked at for `one`.
    expect(nextCheckAt(check(5, { one: T0, two: T0 }), windows, [], T0 + 3 * DAY)).toBe(T0 + 4 * DAY);
  });

  it('is done at once when every experiment looked at converted', () => {
    expect(nextCheckAt(check(0, { one: T0, two: T0 }), windows, ['one', 'two'], T0 + HOUR)).toBeNull();
    expect(nextCheckAt(check(0, { one: T0, two: T0 }), windows, ['two'], T0 + HOUR)).toBe(T0 + 2 * HOUR);
  });

  it('gives a visitor who never pays about 12 looks over a 7-day window', () => {
    let now = T0 + DEFAULT_SCHEDULE.firstCheckAfterMs;
    let looks = 0;
    for (let n = 0; ; n++) {
      looks += 1;
      const next = nextCheckAt(check(n), windows, [], now);
      if (next === null) break;
      now = next;
    }
    expect(looks).toBeGreaterThanOrEqual(10);
    expect(looks).toBeLessThanOrEqual(14);
  });
});

describe('CallBudget', () => {
  it('allows perMinute calls a minute, saving up at most a sixth of a minute’s worth', () => {
    let t = T0;
    const budget = new CallBudget(60, () => t);
    expect(budget.available()).toBe(10);
    let made = 0;
    for (let s = 0; s < 600; s++) {
      while (budget.take()) made += 1;
      t += 1000;
    }
    // 10 at once, then one a second for ten minutes.
    expect(made).toBeGreaterThanOrEqual(600);
    expect(made).toBeLessThanOrEqual(611);
    t += 60 * 60_000;
    expect(budget.available()).toBe(10);
  });

  it('at 0 allows nothing; a clock going back costs nothing', () => {
    let t = T0;
    expect(new CallBudget(0, () => t).take()).toBe(false);
    const budget = new CallBudget(6, () => t);
    expect(budget.take()).toBe(true);
    expect(budget.take()).toBe(false);
    t -= 60_000;
    expect(budget.take()).toBe(false);
    t += 70_000;
    expect(budget.take()).toBe(true);
  });
});
