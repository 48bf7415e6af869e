// Simulated traffic: seeded visitor ids shaped like the real ones, arrivals spread over the
// reading intervals, and order values. Pure (all randomness from the generator passed in).
import { normalDraw, type Random } from '../rng.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Eight hex digits from one draw (a byte table: number formatting was the simulation's hot spot). */
function hex8(rng: Random): string {
  const x = Math.floor(rng() * 4294967296);
  return `${HEX[x >>> 24]}${HEX[(x >>> 16) & 255]}${HEX[(x >>> 8) & 255]}${HEX[x & 255]}`;
}

/** A random version-4 UUID from the generator (the shape of a DataFast visitor id). */
export function visitorId(rng: Random): string {
  const a = hex8(rng);
  const b = hex8(rng);
  const c = hex8(rng);
  const d = hex8(rng);
  const variant = '89ab'[Math.floor(rng() * 4)] ?? '8';
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
}

/**
 * How many visitors arrive in interval i of `intervals` so that exactly `total` arrive in all:
 * ⌊(i + 1) T / I⌋ − ⌊i T / I⌋ (an even stream; the tests' error rates do not depend on its shape).
 */
export function arrivals(i: number, intervals: number, total: number): number {
  return Math.floor(((i + 1) * total) / intervals) - Math.floor((i * total) / intervals);
}

/** A log-normal order value: median × e^(σ Z). Median 40 and σ 0.8 give a mean of about 55. */
export function orderValue(rng: Random, median = 40, sigma = 0.8): number {
  return median * Math.exp(sigma * normalDraw(rng));
}
