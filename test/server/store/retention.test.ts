// The retention timer: it prunes what is older than the retention period shortly after start and
// then every interval, never keeps the process alive, reports failures instead of throwing, and
// close() stops it. (What pruning deletes is in the store contract.)
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DAY_MS, RetentionTimer } from '../../../server/store/retention';
import type { PruneCounts } from '../../../server/store/store';

const NONE: PruneCounts = { exposures: 0, conversions: 0, firstExposures: 0, orders: 0, outbox: 0, visitorChecks: 0, enrolments: 0, scoreSignals: 0 };

afterEach(() => {
  vi.useRealTimers();
});

describe('RetentionTimer', () => {
  it('prunes rows older than the period: first after the start delay, then every interval, until stopped', async () => {
    vi.useFakeTimers({ now: 1_000 * DAY_MS });
    const cutoffs: number[] = [];
    const reports: unknown[] = [];
    const timer = new RetentionTimer({ days: 400, intervalMs: 3_600_000, run: (before) => (cutoffs.push(before), Promise.resolve({ ...NONE, exposures: 2 })), report: (r) => reports.push(r) });
    timer.start(60_000);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(cutoffs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(cutoffs).toEqual([1_000 * DAY_MS + 60_000 - 400 * DAY_MS]);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(cutoffs).toHaveLength(2);
    expect(reports).toEqual([{ counts: { ...NONE, exposures: 2 } }, { counts: { ...NONE, exposures: 2 } }]);
    await timer.stop();
    await vi.advanceTimersByTimeAsync(10 * 3_600_000);
    expect(cutoffs).toHaveLength(2);
  });

  it('a failed pass is reported and the next one still comes', async () => {
    vi.useFakeTimers();
    const reports: unknown[] = [];
    let calls = 0;
    const timer = new RetentionTimer({ days: 1, intervalMs: 1000, run: () => (++calls === 1 ? Promise.reject(Object.assign(new Error('disk'), { code: 'SQLITE_FULL' })) : Promise.resolve(NONE)), report: (r) => reports.push(r) });
    timer.start(10);
    await vi.advanceTimersByTimeAsync(1010);
    expect(calls).toBe(2);
    expect(reports[0]).toMatchObject({ error: { code: 'SQLITE_FULL' } });
    await timer.stop();
  });

  it('with no retention (null days) it never runs', async () => {
    vi.useFakeTimers();
    const run = vi.fn(() => Promise.resolve(NONE));
    const timer = new RetentionTimer({ days: null, run, report: () => undefined });
    timer.start(1);
    await vi.advanceTimersByTimeAsync(DAY_MS);
    await timer.runOnce();
    expect(run).not.toHaveBeenCalled();
  });

  it('its timer is unref’d: it never keeps the process alive', () => {
    const timer = new RetentionTimer({ days: 400, run: () => Promise.resolve(NONE), report: () => undefined });
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    timer.start(60_000);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
    void timer.stop();
  });
});
