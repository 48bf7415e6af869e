// The weights in force per bandit, on a fake clock: computed from the results when first asked,
// then again only once 15 minutes have passed (a decision finding them due does not wait; one read
// at a time); a failed read keeps them and is tried again a minute later; a changed config starts
// afresh. The reader is the store's `experimentMetrics` stand-in: it counts its calls.
import { describe, expect, it } from 'vitest';
import { BanditAllocator } from '../../../server/experiments/bandit-allocator';
import type { Experiment } from '../../../server/experiments/types';
import type { ArmMetrics } from '../../../server/store/store';
import { captureLog } from '../../support/log-capture';

const MIN = 60_000;
const EXPERIMENT: Experiment = {
  id: 'duo',
  coverage: 1,
  status: 'running',
  allocation: 'thompson',
  allocationMetric: 'conversion',
  variants: [
    { id: 'a', weight: 1, offer: null },
    { id: 'b', weight: 1, offer: 'welcome-coupon' },
  ],
};

function setup() {
  let t = 1_700_000_000_000;
  const reads: Array<{ id: string; windowMs: number }> = [];
  let counts: Record<string, ArmMetrics> = {};
  let failing = false;
  const log = captureLog();
  const allocator = new BanditAllocator({
    read: (id, windowMs) => {
      reads.push({ id, windowMs });
      return failing ? Promise.reject(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' })) : Promise.resolve(new Map(Object.entries(counts)));
    },
    logger: log.logger,
    now: () => t,
    draws: 2000,
  });
  return {
    allocator,
    reads,
    log,
    advance: (ms: number) => void (t += ms),
    setCounts: (c: Record<string, ArmMetrics>) => void (counts = c),
    fail: (f: boolean) => void (failing = f),
  };
}

const arm = (exposures: number, conversions: number): ArmMetrics => ({ exposures, conversions, orders: 0, revenue: {} });

describe('BanditAllocator', () => {
  it('computes the weights from the results when first asked, and again only every 15 minutes', async () => {
    const s = setup();
    s.setCounts({ a: arm(1000, 20), b: arm(1000, 80) });
    // Nothing computed yet: the configured start, equal here; a read is started.
    expect(s.allocator.weights(EXPERIMENT)).toEqual([0.5, 0.5]);
    expect(s.reads).toEqual([{ id: 'duo', windowMs: 7 * 86_400_000 }]);
    await s.allocator.settled(EXPERIMENT);
    expect(s.allocator.weights(EXPERIMENT)[1]).toBeGreaterThan(0.98);

    // Better results for `a` arrive, but the weights stay until 15 minutes have passed.
    s.setCounts({ a: arm(5000, 1000), b: arm(5000, 100) });
    for (const step of [1, 5, 8]) {
      s.advance(step * MIN);
      s.allocator.weights(EXPERIMENT);
      await s.allocator.settled(EXPERIMENT);
    }
    expect(s.reads).toHaveLength(1);
    expect(s.allocator.weights(EXPERIMENT)[1]).toBeGreaterThan(0.98);
    s.advance(1 * MIN - 1);
    s.allocator.weights(EXPERIMENT);
    expect(s.reads).toHaveLength(1);

    s.advance(1); // 15 minutes after the computation
    const before = s.allocator.weights(EXPERIMENT); // this decision does not wait: old weights
    expect(before[1]).toBeGreaterThan(0.98);
    expect(s.reads).toHaveLength(2);
    s.allocator.weights(EXPERIMENT); // while the read runs, no second one
    expect(s.reads).toHaveLength(2);
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(s.allocator.weights(EXPERIMENT)[0]).toBeGreaterThan(0.98);
    expect(s.allocator.stats()).toEqual({ reallocations: 2, failures: 0 });
  });

  it('keeps the weights in force when a read fails, tries again a minute later (no sooner), and logs each', async () => {
    const s = setup();
    s.setCounts({ a: arm(1000, 20), b: arm(1000, 80) });
    await s.allocator.settled(EXPERIMENT);
    const held = s.allocator.weights(EXPERIMENT);
    s.fail(true);
    s.advance(15 * MIN);
    s.allocator.weights(EXPERIMENT);
    await new Promise((r) => setImmediate(r));
    expect(s.allocator.weights(EXPERIMENT)).toEqual(held);
    s.advance(59_999);
    s.allocator.weights(EXPERIMENT);
    expect(s.reads).toHaveLength(2);
    s.advance(1);
    s.allocator.weights(EXPERIMENT);
    await new Promise((r) => setImmediate(r));
    expect(s.reads).toHaveLength(3);
    expect(s.allocator.stats()).toEqual({ reallocations: 1, failures: 2 });
    expect(s.log.lines.filter((l) => l.includes('bandit: could not read') && l.includes('SQLITE_IOERR'))).toHaveLength(2);
    expect(s.allocator.weights(EXPERIMENT)).toEqual(held);
    s.fail(false);
    s.advance(MIN);
    await s.allocator.settled(EXPERIMENT);
    s.allocator.weights(EXPERIMENT);
    await new Promise((r) => setImmediate(r));
    expect(s.allocator.stats().reallocations).toBe(2);
  });

  it('before the first computation succeeds, settled() resolves with the configured start; an offers change starts afresh', async () => {
    const s = setup();
    s.fail(true);
    expect((await s.allocator.settled(EXPERIMENT)).weights).toEqual([0.5, 0.5]);
    expect(s.allocator.computed(EXPERIMENT)).toBeNull();
    s.fail(false);
    s.advance(MIN);
    s.setCounts({ a: arm(1000, 20), b: arm(1000, 80) });
    await s.allocator.settled(EXPERIMENT);
    expect(s.allocator.computed(EXPERIMENT)?.weights[1]).toBeGreaterThan(0.98);
    // A third arm: the old weights do not fit it; computed again at once.
    const three: Experiment = { ...EXPERIMENT, variants: [...EXPERIMENT.variants, { id: 'c', weight: 1, offer: 'starter-guide' }] };
    expect(s.allocator.computed(three)).toBeNull();
    const reads = s.reads.length;
    expect((await s.allocator.settled(three)).weights).toHaveLength(3);
    expect(s.reads).toHaveLength(reads + 1);
  });
});
