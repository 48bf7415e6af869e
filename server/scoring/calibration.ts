// How well predicted conversion rates match what happened: visitors sorted by prediction into ten
// groups of (nearly) equal size, each group's mean prediction beside its observed rate, and the
// calibration error — the visitors' mean |predicted − observed| over the groups, in percentage
// points (the expected calibration error). Pure.

export interface CalibrationBin {
  /** 1 (lowest predictions) … 10. */
  decile: number;
  visitors: number;
  /** Mean predicted rate, 0–1. */
  predicted: number;
  /** Share who converted, 0–1. */
  observed: number;
}

export interface Calibration {
  bins: CalibrationBin[];
  /** Σ visitors × |predicted − observed| / all visitors, in percentage points. */
  errorPoints: number;
}

export function calibrationByDecile(predictions: readonly number[], outcomes: readonly (0 | 1)[]): Calibration {
  if (predictions.length !== outcomes.length) throw new RangeError('calibrationByDecile: one outcome per prediction');
  const order = predictions.map((p, i) => [p, outcomes[i] as number] as const).sort((a, b) => a[0] - b[0]);
  const n = order.length;
  const bins: CalibrationBin[] = [];
  let weighted = 0;
  for (let d = 0; d < 10; d++) {
    const from = Math.floor((d * n) / 10);
    const to = Math.floor(((d + 1) * n) / 10);
    if (to <= from) continue;
    let predicted = 0;
    let observed = 0;
    for (let i = from; i < to; i++) {
      const [p, y] = order[i] as readonly [number, number];
      predicted += p;
      observed += y;
    }
    const visitors = to - from;
    const bin = { decile: d + 1, visitors, predicted: predicted / visitors, observed: observed / visitors };
    bins.push(bin);
    weighted += visitors * Math.abs(bin.predicted - bin.observed);
  }
  return { bins, errorPoints: n === 0 ? 0 : (100 * weighted) / n };
}
