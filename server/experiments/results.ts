// Experiment results from the counts this server keeps: rates, a two-proportion test and the
// Bayesian chance to beat control per variant, and a sample-ratio-mismatch check. Pure.
import type { VariantCounts } from '../store/store.js';
import { normaliseWeights } from './assign.js';
import { chanceToBeatControl, sampleRatioMismatch, twoProportionTest } from './stats.js';
import type { Experiment } from './types.js';

export interface VariantResult {
  id: string;
  offer: string | null;
  /** Share of enrolled visitors this variant should get (weights normalised). */
  expectedShare: number;
  isControl: boolean;
  exposures: number;
  conversions: number;
  conversionRate: number | null;
  /** Relative change of the conversion rate against control; null for control or without data. */
  lift: number | null;
  /** Two-sided p-value of the pooled two-proportion z-test against control. */
  pValue: number | null;
  /** Bayesian probability that this variant's rate beats control's (Beta(1,1) priors). */
  chanceToBeatControl: number | null;
}

export interface ExperimentResult {
  id: string;
  status: Experiment['status'];
  coverage: number;
  variants: VariantResult[];
  /** Exposures split differently from the weights (p < 0.001): assignment or tracking is broken. */
  sampleRatioMismatch: { chiSquare: number; pValue: number; mismatch: boolean } | null;
}

/** Significance level used for the "significant" mark in the table. */
export const ALPHA = 0.05;

/** Control is the first variant without an offer, else the first variant. */
export function controlOf(experiment: Experiment): string | undefined {
  return (experiment.variants.find((v) => v.offer === null) ?? experiment.variants[0])?.id;
}

export function experimentResult(experiment: Experiment, counts: ReadonlyMap<string, VariantCounts>): ExperimentResult {
  const weights = normaliseWeights(experiment.variants.map((v) => v.weight)) ?? experiment.variants.map(() => 0);
  const controlId = controlOf(experiment);
  const control = counts.get(controlId ?? '') ?? { exposures: 0, conversions: 0 };
  const variants = experiment.variants.map((v, i): VariantResult => {
    const c = counts.get(v.id) ?? { exposures: 0, conversions: 0 };
    const isControl = v.id === controlId;
    const test = isControl ? null : twoProportionTest(control.conversions, control.exposures, c.conversions, c.exposures);
    return {
      id: v.id,
      offer: v.offer,
      expectedShare: weights[i] ?? 0,
      isControl,
      exposures: c.exposures,
      conversions: c.conversions,
      conversionRate: c.exposures > 0 ? c.conversions / c.exposures : null,
      lift: test?.lift ?? null,
      pValue: test?.pValue ?? null,
      chanceToBeatControl: isControl ? null : chanceToBeatControl(control.conversions, control.exposures, c.conversions, c.exposures),
    };
  });
  const total = variants.reduce((n, v) => n + v.exposures, 0);
  return {
    id: experiment.id,
    status: experiment.status,
    coverage: experiment.coverage,
    variants,
    sampleRatioMismatch:
      total > 0 && variants.length > 1
        ? sampleRatioMismatch(
            variants.map((v) => v.exposures),
            variants.map((v) => v.expectedShare),
          )
        : null,
  };
}

const pct = (x: number | null, digits = 1): string => (x === null ? '—' : `${(x * 100).toFixed(digits)}%`);

/** The plain-text table `npm run results` prints. */
export function formatResults(results: readonly ExperimentResult[]): string {
  if (results.length === 0) return 'No experiments are configured.\n';
  const out: string[] = [];
  for (const r of results) {
    out.push(`Experiment ${r.id} (${r.status}, coverage ${pct(r.coverage, 0)})`);
    const header = ['variant', 'offer', 'share', 'exposures', 'conversions', 'rate', 'lift', 'p-value', 'P(beat control)'];
    const rows = r.variants.map((v) => [
      v.isControl ? `${v.id} (control)` : v.id,
      v.offer ?? '(none)',
      pct(v.expectedShare, 0),
      String(v.exposures),
      String(v.conversions),
      pct(v.conversionRate, 2),
      v.lift === null ? '—' : `${v.lift >= 0 ? '+' : ''}${(v.lift * 100).toFixed(1)}%`,
      v.pValue === null ? '—' : `${v.pValue.toFixed(4)}${v.pValue < ALPHA ? ' *' : ''}`,
      pct(v.chanceToBeatControl, 1),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
    const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
    out.push(line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line));
    const srm = r.sampleRatioMismatch;
    if (srm?.mismatch) {
      out.push(`WARNING sample ratio mismatch: exposures do not follow the weights (chi² ${srm.chiSquare.toFixed(2)}, p ${srm.pValue.toExponential(2)}). Do not trust these results until the cause is found.`);
    }
    out.push('');
  }
  out.push(`* p < ${ALPHA} (two-sided two-proportion z-test against control). Peeking repeatedly inflates false positives: decide the sample size first.`);
  return `${out.join('\n')}\n`;
}
