// A seeded pseudo-random generator and the draws the bandit and the simulation need (normal, gamma,
// beta). Deterministic for a given seed, so a bandit's weights can be recomputed and every
// simulated figure reproduced. Not for anything secret.
//
// Generator: sfc32, Chris Doty-Humphrey's Small Fast Counting generator (32-bit variant, from
// PractRand, which it passes), seeded through splitmix32 and warmed up by 12 rounds. A uniform is
// one 32-bit output, centred in its cell: (k + 0.5) / 2³², never exactly 0 or 1 (so logarithms of
// draws are finite); 2⁻³² resolution is ample for rates, shares and Monte Carlo counts.
import { fnv32a } from './hash.js';

/** A uniform draw in (0, 1). */
export type Random = () => number;

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A generator seeded by a number (its low 32 bits) or a string (its FNV-1a hash). */
export function seededRandom(seed: number | string): Random {
  const init = splitmix32(typeof seed === 'string' ? fnv32a(seed) : seed);
  let a = init();
  let b = init();
  let c = init();
  let d = 1;
  const next = (): number => {
    d = (d + 1) | 0;
    const t = (((a + b) | 0) + d) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  return () => (next() + 0.5) / 4294967296;
}

/** Standard normal draw (Marsaglia's polar method). */
export function normalDraw(rng: Random): number {
  for (;;) {
    const u = 2 * rng() - 1;
    const v = 2 * rng() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
  }
}

/**
 * Gamma(shape, 1) draw for shape > 0: Marsaglia & Tsang, "A simple method for generating gamma
 * variables", ACM TOMS 26(3), 2000; below shape 1, Gamma(shape + 1) · U^(1/shape) (their §6).
 */
export function gammaDraw(rng: Random, shape: number): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be positive, got ${shape}`);
  if (shape < 1) return gammaDraw(rng, shape + 1) * rng() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normalDraw(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(a, b) draw as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function betaDraw(rng: Random, a: number, b: number): number {
  const x = gammaDraw(rng, a);
  const y = gammaDraw(rng, b);
  return x / (x + y);
}
