import { describe, expect, it } from 'vitest';
import { betaDraw, gammaDraw, normalDraw, seededRandom } from '../../../server/experiments/rng';

/**
 * Sample moments of `n` draws. The checks below allow 5 standard errors of the estimate, so a
 * correct sampler fails one with probability below 1e-6 (and the seeds are fixed).
 */
function moments(n: number, draw: () => number): { mean: number; variance: number } {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    squares += x * x;
  }
  const mean = sum / n;
  return { mean, variance: (squares - n * mean * mean) / (n - 1) };
}

const N = 100_000;

describe('seededRandom', () => {
  it('is sfc32 seeded by splitmix32: the first draws for seed 12345', () => {
    // From an independent Python transcription of the two published algorithms.
    const r = seededRandom(12345);
    expect([r(), r(), r()]).toEqual([0.4638112661195919, 0.5197638362878934, 0.3256458988180384]);
  });

  it('repeats for a seed, differs between seeds, strings hash to a seed', () => {
    const a = seededRandom('experiment:1');
    const b = seededRandom('experiment:1');
    const c = seededRandom('experiment:2');
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
  });

  it('draws in (0, 1), uniformly: mean ½, variance 1/12, deciles even', () => {
    const r = seededRandom(7);
    const counts = new Array<number>(10).fill(0);
    let min = 1;
    let max = 0;
    const m = moments(N, () => {
      const u = r();
      min = Math.min(min, u);
      max = Math.max(max, u);
      counts[Math.floor(u * 10)] = (counts[Math.floor(u * 10)] ?? 0) + 1;
      return u;
    });
    expect(min).toBeGreaterThan(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N));
    expect(Math.abs(m.variance - 1 / 12)).toBeLessThan(0.002);
    // Each decile: Binomial(N, 0.1), s.d. √(N × 0.09) ≈ 95.
    for (const c of counts) expect(Math.abs(c - N / 10)).toBeLessThan(5 * Math.sqrt(N * 0.09));
  });
});

describe('distributions', () => {
  it('normal: mean 0, variance 1', () => {
    const r = seededRandom('normal');
    const m = moments(N, () => normalDraw(r));
    expect(Math.abs(m.mean)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(m.variance - 1)).toBeLessThan(5 * Math.sqrt(2 / N));
  });

  it.each([0.3, 1, 2.5, 40, 5000])('gamma(%d): mean and variance equal the shape', (shape) => {
    const r = seededRandom(`gamma-${shape}`);
    const m = moments(N, () => gammaDraw(r, shape));
    expect(Math.abs(m.mean - shape)).toBeLessThan(5 * Math.sqrt(shape / N));
    // Var of the sample variance of a Gamma(k): (μ4 − σ⁴)/N with μ4 = 3k² + 6k.
    expect(Math.abs(m.variance - shape)).toBeLessThan(5 * Math.sqrt((3 * shape * shape + 6 * shape - shape * shape) / N));
  });

  it('beta(a, b): mean a/(a + b), variance ab/((a + b)²(a + b + 1))', () => {
    for (const [a, b] of [
      [1, 1],
      [51, 951],
      [2, 0.5],
    ] as const) {
      const r = seededRandom(`beta-${a}-${b}`);
      const m = moments(N, () => betaDraw(r, a, b));
      const s = a + b;
      const variance = (a * b) / (s * s * (s + 1));
      expect(Math.abs(m.mean - a / s)).toBeLessThan(5 * Math.sqrt(variance / N));
      expect(Math.abs(m.variance / variance - 1)).toBeLessThan(0.05);
    }
  });

  it('refuses a non-positive gamma shape', () => {
    expect(() => gammaDraw(seededRandom(1), 0)).toThrow(RangeError);
  });
});
