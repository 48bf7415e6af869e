// `npm run simulate`: the statistics engine's proofs by simulation, in full (server/experiments/
// simulate/): 1,000 A/A experiments read every 5 minutes for 14 days, 1,000 power runs per base
// rate, 1,000 SRM runs and 100 bandit runs. Seeded: every run prints the same figures. The tests
// (test/server/experiments/simulate/) run the same scenarios with fewer runs.
import { formatSimulation, type SimulationFigures } from '../server/experiments/simulate/report';
import { simulateAa, simulateBandit, simulatePower, simulateSrm } from '../server/experiments/simulate/scenarios';

const RUNS = { aa: 1_000, power: 1_000, srm: 1_000, bandit: 100 } as const;
const BASE_RATES = [0.05, 0.06, 0.07, 0.08, 0.1] as const;

function timed<T>(label: string, f: () => T): T {
  const start = performance.now();
  const result = f();
  process.stderr.write(`${label}: ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  return result;
}

const figures: SimulationFigures = {
  aa: timed('A/A', () => simulateAa(RUNS.aa)),
  power: timed('power', () => BASE_RATES.map((base) => simulatePower(RUNS.power, base))),
  srm: timed('SRM', () => simulateSrm(RUNS.srm)),
  bandit: timed('bandit', () => simulateBandit(RUNS.bandit)),
};
process.stdout.write(formatSimulation(figures));
