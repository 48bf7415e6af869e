// The plain-text results table `visitor-offers results` prints: per arm the counts, rates and
// revenue within the attribution window, the sequential (always-valid) lifts and decision first,
// then the fixed-horizon tests and the Bayesian chance below, labelled; the global holdout last.
import type { ExperimentResult, HoldoutResult, MetricComparison, ResultInterval, VariantResult } from '../contract.js';

const pct = (x: number | null, digits = 1): string => (x === null ? '—' : `${(x * 100).toFixed(digits)}%`);
const signed = (x: number, digits = 1): string => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(digits)}%`;
const money = (x: number | null): string => (x === null ? '—' : x.toFixed(2));
/** A signed number in the metric's unit: percentage points for a rate, money for revenue per visitor. */
type Unit = 'points' | 'money';
const amount = (x: number, unit: Unit): string => `${x >= 0 ? '+' : '−'}${(Math.abs(x) * (unit === 'points' ? 100 : 1)).toFixed(2)}`;
const interval = (i: ResultInterval, unit: Unit): string => `[${amount(i.lower, unit)}, ${amount(i.upper, unit)}]`;

/** The lift, then the difference with its interval (what the decision reads: both agree). */
function lift(c: MetricComparison | null | undefined, unit: Unit): string {
  if (c === undefined) return '—';
  if (c === null) return 'too few data';
  const relative = c.lift === null ? '' : `${signed(c.lift)}, `;
  return `${relative}${amount(c.difference, unit)}${unit === 'points' ? ' pts' : ''} ${interval(c.differenceInterval, unit)}`;
}

const WORDS: Record<MetricComparison['decision'], string> = { 'treatment-wins': 'wins', 'control-wins': 'loses', 'keep-running': 'keep running' };
const word = (c: MetricComparison | null | undefined): string => (c == null ? '—' : WORDS[c.decision]);

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function armRows(r: ExperimentResult, label: (v: VariantResult) => string): string[] {
  const bandit = r.allocation === 'thompson';
  const header = ['variant', 'offer', bandit ? 'weight' : 'share', 'exposures', 'conversions', 'rate', 'revenue/visitor', 'AOV', 'orders'];
  if (bandit) header.push('P(best)');
  else header.push('rate: lift, difference [95% CI]', 'revenue/visitor: lift, difference [95% CI]', 'decision (rate / revenue)');
  const rows = r.variants.map((v) => {
    const cells = [label(v), v.offer ?? '(none)', pct(v.expectedShare, 0), String(v.exposures), String(v.conversions), pct(v.conversionRate, 2), money(v.revenuePerVisitor), money(v.averageOrderValue), String(v.orders)];
    if (bandit) cells.push(pct(v.chanceToBeBest));
    else {
      const c = v.vsControl;
      cells.push(v.isControl ? '—' : lift(c?.conversionRate, 'points'), v.isControl ? '—' : lift(c?.revenuePerVisitor, 'money'), v.isControl ? '—' : `${word(c?.conversionRate)} / ${word(c?.revenuePerVisitor)}`);
    }
    return cells;
  });
  return table(header, rows);
}

/** The fixed-horizon and Bayesian readings, one line per variant, labelled as such. */
function otherMethods(r: ExperimentResult): string[] {
  const lines = r.variants.flatMap((v) => {
    const c = v.vsControl;
    if (v.isControl || c === null) return [];
    const z = c.conversionRate?.fixedHorizon;
    const w = c.revenuePerVisitor?.fixedHorizon;
    const p = (x: number | null | undefined): string => (x == null ? '—' : x.toFixed(4));
    const at = (i: ResultInterval | undefined, unit: Unit): string => (i === undefined ? '' : ` ${interval(i, unit)}`);
    return [`  ${v.id}: rate z-test p ${p(z?.pValue)}${at(z?.differenceInterval, 'points')}; revenue/visitor Welch p ${p(w?.pValue)}${at(w?.differenceInterval, 'money')}; P(beat control) ${pct(c.chanceToBeatControl)}`];
  });
  return lines.length === 0 ? [] : ['Fixed-horizon tests (valid only read once, at a sample size set in advance) and the Bayesian chance to beat control:', ...lines];
}

function srmWarning(r: ExperimentResult): string[] {
  const srm = r.sampleRatioMismatch;
  if (!srm?.mismatch) return [];
  return [`WARNING sample ratio mismatch: exposures do not follow the weights (chi² ${srm.chiSquare.toFixed(2)}, p ${srm.pValue.toExponential(2)}). Do not trust these results until the cause is found.`];
}

function currencyNote(r: ExperimentResult): string {
  const others = r.otherCurrencies.map((o) => `${o.orders} in ${o.currency}`).join(', ');
  const base = r.currency === null ? 'no revenue yet' : `revenue in ${r.currency}`;
  return others === '' ? base : `${base}; orders not in it: ${others}`;
}

function experimentBlock(r: ExperimentResult): string[] {
  const kind = r.allocation === 'thompson' ? `, bandit (Thompson sampling on ${r.allocationMetric === 'revenue' ? 'revenue per visitor' : 'conversion rate'})` : '';
  return [
    `Experiment ${r.id} (${r.status}${kind}, coverage ${pct(r.coverage, 0)}, attribution ${r.attributionDays} days, ${currencyNote(r)})`,
    ...armRows(r, (v) => (v.isControl && r.allocation !== 'thompson' ? `${v.id} (control)` : v.id)),
    ...srmWarning(r),
    ...(r.allocation === 'thompson'
      ? ['A bandit moves new visitors to the arms doing best: weight = its share of new visitors now (at least 1 %), P(best) = the chance the arm is the best; no p-values or intervals (its arms’ visitors come from different times).']
      : otherMethods(r)),
    '',
  ];
}

function holdoutBlock(h: HoldoutResult): string[] {
  const r = h.result;
  const out = [`Global holdout (${pct(h.share, 1)} of visitors see no offer; attribution ${r.attributionDays} days, ${currencyNote(r)})`, ...armRows(r, (v) => v.id), ...srmWarning(r)];
  if (h.incremental !== null) {
    const revenue = h.incremental.revenue === null ? '' : ` and ${h.incremental.revenue.toFixed(2)} ${r.currency ?? ''} of revenue`;
    out.push(`The offers added about ${h.incremental.conversions.toFixed(0)} conversions${revenue} (offers' rate − holdout's, times the visitors who could see offers).`);
  }
  out.push('');
  return out;
}

/** The plain-text table `visitor-offers results` prints. */
export function formatResults(results: readonly ExperimentResult[], holdout: HoldoutResult | null = null): string {
  if (results.length === 0 && holdout === null) return 'No experiments are configured.\n';
  const out = [...results.flatMap(experimentBlock), ...(holdout === null ? [] : holdoutBlock(holdout))];
  const alpha = results[0]?.alpha ?? holdout?.result.alpha ?? 0.05;
  out.push(
    `Intervals and decisions are sequential (always valid, ${pct(1 - alpha, 0)}): read them as often as you like. Differences are in percentage points (rate) and money per visitor; "wins": the interval lies above 0; "loses": below; "keep running": it holds 0.`,
    'Counted per arm: visitors exposed, and their conversions (lead, conversion, order, DataFast payment) and orders within the attribution window after exposure.',
  );
  return `${out.join('\n')}\n`;
}
