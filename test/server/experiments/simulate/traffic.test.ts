import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../server/experiments/rng';
import { arrivals, orderValue, visitorId } from '../../../../server/experiments/simulate/traffic';
import { readVisitorId } from '../../../../server/visitor-id';

describe('simulated traffic', () => {
  it('visitor ids are version-4 UUIDs the server accepts, reproducible from the seed', () => {
    const a = seededRandom('ids');
    const b = seededRandom('ids');
    for (let i = 0; i < 500; i++) {
      const id = visitorId(a);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(readVisitorId(id)).toEqual({ kind: 'valid', id });
      expect(visitorId(b)).toBe(id);
    }
  });

  it('arrivals spread exactly the total over the intervals, evenly', () => {
    for (const [intervals, total] of [
      [4032, 20_000],
      [4032, 100],
      [10, 7],
    ] as const) {
      const counts = Array.from({ length: intervals }, (_, i) => arrivals(i, intervals, total));
      expect(counts.reduce((s, c) => s + c, 0)).toBe(total);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
  });

  it('order values are log-normal: median 40, mean 40·e^(0.32) ≈ 55', () => {
    const rng = seededRandom('orders');
    const xs = Array.from({ length: 50_000 }, () => orderValue(rng)).sort((a, b) => a - b);
    expect(Math.abs((xs[25_000] ?? 0) / 40 - 1)).toBeLessThan(0.03);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean / (40 * Math.exp(0.32)) - 1)).toBeLessThan(0.03);
    expect(xs[0]).toBeGreaterThan(0);
  });
});
