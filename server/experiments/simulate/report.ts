// The simulation figures as the plain text `npm run simulate` prints. Pure.
import type { AaFigures, BanditFigures, PowerFigures, Rate, SrmFigures } from './scenarios.js';

export interface SimulationFigures {
  aa: AaFigures;
  power: PowerFigures[];
  srm: SrmFigures;
  bandit: BanditFigures;
}

/** Targets the figures are held to. */
export const TARGETS = {
  /** A/A false-positive rate of the sequential test under peeking: at most. */
  falsePositiveRate: 0.05,
  /** Power for a +20 % lift at 10,000 visitors per arm: at least. */
  power: 0.8,
  /** The best bandit arm's share of traffic at the end: at least. */
  banditBestShare: 0.7,
} as const;

const pct = (x: number | null, digits = 1): string => (x === null || Number.isNaN(x) ? '—' : `${(x * 100).toFixed(digits)} %`);
const int = (n: number): string => n.toLocaleString('en-US');
const rate = (r: Rate): string =>
  `${pct(r.rate).padStart(7)} (${int(r.count)}/${int(r.runs)}, 95 % CI ${(r.ci95[0] * 100).toFixed(1)}–${(r.ci95[1] * 100).toFixed(1)} %)`;
const ok = (pass: boolean): string => (pass ? 'ok' : 'MISSED');

function aaSection(f: AaFigures): string[] {
  const s = f.scenario;
  const fpr = TARGETS.falsePositiveRate;
  return [
    `A/A: ${int(f.sequential.runs)} experiments, both arms converting ${pct(s.rates[0])}, ${int(s.visitors)} visitors over ${s.days} days assigned by assign(), read every ${s.lookEveryMinutes} minutes (${int(f.looks)} reads each)`,
    `  false positives (a winner declared at any read):`,
    `  sequential (default), conversion rate        ${rate(f.sequential)}  target ≤ ${pct(fpr, 0)} ${ok(f.sequential.rate <= fpr)}`,
    `  sequential (default), revenue per visitor    ${rate(f.revenueSequential)}  target ≤ ${pct(fpr, 0)} ${ok(f.revenueSequential.rate <= fpr)}`,
    `  fixed-horizon z-test, read at every refresh  ${rate(f.fixedPeeking)}  (what peeking does to it)`,
    `  fixed-horizon z-test, read once at the end   ${rate(f.fixedOnce)}  (its nominal 5 %)`,
    `  Welch t-test on revenue, read once at end    ${rate(f.welchOnce)}  (its nominal 5 %)`,
    `  sample-ratio mismatch flagged at the end     ${rate(f.srmFalseAlarms)}  (its nominal 0.1 %)`,
  ];
}

function powerSection(figures: readonly PowerFigures[]): string[] {
  const first = figures[0];
  if (!first) return [];
  const s = first.scenario;
  const lines = [
    `Power: treatment converting +20 % (relative), ${int(s.visitors / 2)} visitors per arm over ${s.days} days, read every ${s.lookEveryMinutes} minutes; ${int(first.sequential.runs)} experiments per base rate`,
    `  base rate  sequential declares the treatment the winner              fixed z-test once at end  median visitors at decision  wrong way`,
  ];
  for (const f of figures) {
    lines.push(
      `  ${pct(f.scenario.rates[0]).padStart(7)}    ${rate(f.sequential)}  target ≥ ${pct(TARGETS.power, 0)} ${ok(f.sequential.rate >= TARGETS.power).padEnd(6)}  ${pct(f.fixedOnce.rate).padStart(7)}                   ${(f.medianVisitorsAtDecision === null ? '—' : int(Math.round(f.medianVisitorsAtDecision))).padStart(7)}                      ${f.wrongDirection.count}`,
    );
  }
  return lines;
}

function srmSection(f: SrmFigures): string[] {
  const [a, b] = f.scenario.assignWeights;
  const total = a + b;
  return [
    `Sample-ratio mismatch: ${int(f.flagged[0]?.flagged.runs ?? 0)} experiments configured 50/50 that really split ${pct(a / total, 0)} / ${pct(b / total, 0)} (through assign()); flagged when χ² p < 0.001`,
    ...f.flagged.map(({ visitors, flagged }) => `  after ${int(visitors).padStart(6)} visitors: flagged in ${rate(flagged)}`),
  ];
}

function banditSection(f: BanditFigures): string[] {
  const s = f.scenario;
  const share = f.bestLastDayShare;
  return [
    `Bandit: ${int(share.atLeast70.runs)} runs, three arms converting ${s.rates.map((r) => pct(r)).join(' / ')}, ${int(s.visitors / s.days)} new visitors a day for ${s.days} days (+${pct(s.returningShare, 0)} returning), Thompson weights recomputed every 15 minutes (${int(f.reallocations)} times, ${int(s.draws)} draws each), floor 1 %`,
    `  best arm's share of new visitors in the last 24 h: median ${pct(share.median)}, lowest ${pct(share.min)}; ≥ 70 % in ${rate(share.atLeast70)}  ${ok((share.min ?? 0) >= TARGETS.banditBestShare)}`,
    `  best arm's weight at the end: median ${pct(f.bestFinalWeight.median)}, lowest ${pct(f.bestFinalWeight.min)}; its share over the whole run: median ${pct(f.bestOverallShare)}`,
    `  returning visitors asked again: ${int(f.returningVisits)}, of whom changed arm: ${int(f.stickinessViolations)}`,
  ];
}

/** All sections, separated by blank lines, ending with a newline. */
export function formatSimulation(f: SimulationFigures): string {
  return `${[aaSection(f.aa), powerSection(f.power), srmSection(f.srm), banditSection(f.bandit)].map((s) => s.join('\n')).join('\n\n')}\n`;
}
