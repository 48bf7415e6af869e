// How the benchmarks print: numbers with thousands separators, fixed decimals, padded columns, one
// line at a time to stdout, and `ok` / `MISSED` against a target.
export const int = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fixed = (n: number, digits: number): string => n.toFixed(digits);
export const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
export const pad = (s: string, width: number): string => s.padStart(width);
export const padEnd = (s: string, width: number): string => s.padEnd(width);
export const line = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};
export const ok = (pass: boolean): string => (pass ? 'ok' : 'MISSED');

/** The p-th percentile of an ascending list (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}
