// Deterministic visitor ids for tests that need many visitors: valid lowercase UUID v4s derived
// from a label, so a run is reproducible (the same ids, hence the same experiment assignments).
import { createHash } from 'node:crypto';
import { assign } from '../../server/experiments/assign';
import type { Experiment } from '../../server/experiments/types';

/** A lowercase UUID v4 derived from `label` (version and variant bits set as RFC 4122 requires). */
export function uuidFrom(label: string): string {
  const b = createHash('sha256').update(label).digest();
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** `n` distinct deterministic visitor ids. */
export function visitorIds(n: number, label = 'visitor'): string[] {
  return Array.from({ length: n }, (_, i) => uuidFrom(`${label}-${i}`));
}

/**
 * The first deterministic visitor the experiment puts in `variantId` (or, with null, leaves in the
 * holdout), computed with the real `assign`.
 */
export function visitorIn(experiment: Experiment, variantId: string | null, label = 'pick'): string {
  for (let i = 0; i < 100_000; i++) {
    const id = uuidFrom(`${label}-${experiment.id}-${i}`);
    const a = assign(experiment, id);
    if ((a?.variantId ?? null) === variantId) return id;
  }
  throw new Error(`no visitor found in ${experiment.id}/${String(variantId)}`);
}
