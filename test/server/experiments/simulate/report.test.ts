import { describe, expect, it } from 'vitest';
import { formatSimulation, type SimulationFigures } from '../../../../server/experiments/simulate/report';
import { AA_SCENARIO, BANDIT_SCENARIO, powerScenario, rateOf, SRM_SCENARIO } from '../../../../server/experiments/simulate/scenarios';

const figures: SimulationFigures = {
  aa: {
    scenario: AA_SCENARIO,
    looks: 4032,
    sequential: rateOf(22, 1000),
    fixedPeeking: rateOf(515, 1000),
    fixedOnce: rateOf(55, 1000),
    revenueSequential: rateOf(15, 1000),
    welchOnce: rateOf(61, 1000),
    srmFalseAlarms: rateOf(1, 1000),
  },
  power: [
    { scenario: powerScenario(0.05), sequential: rateOf(651, 1000), wrongDirection: rateOf(0, 1000), fixedOnce: rateOf(881, 1000), medianVisitorsAtDecision: 11_329 },
    { scenario: powerScenario(0.1), sequential: rateOf(962, 1000), wrongDirection: rateOf(1, 1000), fixedOnce: rateOf(998, 1000), medianVisitorsAtDecision: 8_017.5 },
  ],
  srm: { scenario: SRM_SCENARIO, flagged: [{ visitors: 1000, flagged: rateOf(222, 1000) }, { visitors: 10_000, flagged: rateOf(1000, 1000) }] },
  bandit: {
    scenario: BANDIT_SCENARIO,
    reallocations: 1344,
    bestFinalWeight: { median: 0.972, min: 0.793 },
    bestLastDayShare: { median: 0.97, min: 0.791, atLeast70: rateOf(100, 100) },
    bestOverallShare: 0.892,
    returningVisits: 806_200,
    stickinessViolations: 0,
  },
};

describe('formatSimulation', () => {
  const text = formatSimulation(figures);

  it('prints each rate with its count and exact 95 % interval', () => {
    expect(text).toContain('sequential (default), conversion rate          2.2 % (22/1,000, 95 % CI 1.4–3.3 %)  target ≤ 5 % ok');
    expect(text).toContain('fixed-horizon z-test, read at every refresh   51.5 % (515/1,000');
    expect(text).toContain('4,032 reads each');
  });

  it('marks a missed target as MISSED, not hidden', () => {
    const lines = text.split('\n');
    expect(lines.find((l) => l.trimStart().startsWith('5.0 %'))).toContain('MISSED');
    expect(lines.find((l) => l.trimStart().startsWith('10.0 %'))).toContain(' ok ');
  });

  it('describes the SRM and bandit scenarios and their figures', () => {
    expect(text).toContain('really split 46 % / 54 %');
    expect(text).toContain('after 10,000 visitors: flagged in 100.0 %');
    expect(text).toContain('4.0 % / 5.0 % / 6.0 %');
    expect(text).toContain('1,344 times, 1,000 draws each');
    expect(text).toContain('of whom changed arm: 0');
    expect(text).toContain('median visitors at decision');
    expect(text).toContain('8,018');
  });
});
