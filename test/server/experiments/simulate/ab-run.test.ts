import { describe, expect, it } from 'vitest';
import { runAb, type AbScenario } from '../../../../server/experiments/simulate/ab-run';

const base: AbScenario = {
  name: 'ab-unit',
  rates: [0.05, 0.05],
  assignWeights: [1, 1],
  visitors: 4_000,
  days: 2,
  lookEveryMinutes: 5,
  tuningVisitors: 10_000,
  split: 'hash',
  srmCheckpoints: [1_000, 2_000],
};

describe('runAb', () => {
  it('reads the experiment once per 5-minute interval and counts every visitor once', () => {
    const o = runAb(base, 0);
    expect(o.looks).toBe(2 * 24 * 12);
    expect(o.exposures[0] + o.exposures[1]).toBe(4_000);
    expect(o.conversions[0]).toBeLessThanOrEqual(o.exposures[0]);
    expect(o.srmPValues).toHaveLength(3);
  });

  it('is deterministic for a run number, and runs differ', () => {
    expect(runAb(base, 3)).toEqual(runAb(base, 3));
    expect(runAb(base, 3).exposures).not.toEqual(runAb(base, 4).exposures);
  });

  it('splits visitors by assign() at the weights it is given', () => {
    const o = runAb({ ...base, assignWeights: [46, 54], visitors: 20_000 }, 0);
    // Binomial(20,000, 0.46): s.d. 70; 5 s.d. = 350 visitors.
    expect(Math.abs(o.exposures[0] - 9_200)).toBeLessThan(350);
  });

  it('a large true effect is declared early, by every method, in the right direction', () => {
    const o = runAb({ ...base, rates: [0.05, 0.1], visitors: 20_000 }, 0);
    expect(o.sequential?.decision).toBe('treatment-wins');
    expect(o.fixedPeeking?.decision).toBe('treatment-wins');
    expect(o.fixedAtEnd).toBe('treatment-wins');
    expect(o.sequential?.visitors ?? Infinity).toBeLessThan(20_000);
    // The fixed-horizon test, read at every refresh, fires no later than the wider sequential one.
    expect(o.fixedPeeking?.look ?? Infinity).toBeLessThanOrEqual(o.sequential?.look ?? 0);
  });

  it('the draw split gives the same kind of run without hashing ids', () => {
    const o = runAb({ ...base, split: 'draw' }, 0);
    expect(o.exposures[0] + o.exposures[1]).toBe(4_000);
    expect(Math.abs(o.exposures[0] - 2_000)).toBeLessThan(5 * Math.sqrt(1_000));
  });
});
