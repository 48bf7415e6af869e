// Which score a decision uses: the provider's when it has one; the local one for a visitor without
// a prediction when configured; none for an identified visitor or a customer, nor with it off.
import { describe, expect, it } from 'vitest';
import type { VisitorLookup } from '../../../server/datafast/lookup';
import type { Visitor } from '../../../server/datafast/visitor';
import { DEFAULT_WEIGHTS } from '../../../server/scoring/local-score';
import { defaultLocalScoreMode, scoreLookup, type LocalScoreConfig } from '../../../server/scoring/score-source';

const NOW = Date.UTC(2026, 10, 30, 12);
const ON: LocalScoreConfig = { mode: 'when-missing', weights: DEFAULT_WEIGHTS };
const OFF: LocalScoreConfig = { mode: 'off', weights: DEFAULT_WEIGHTS };

function visitor(over: Partial<Visitor> = {}): Visitor {
  return {
    visitorId: 'v',
    identity: { countryCode: 'DE', browser: null, os: null, deviceType: 'desktop', params: {} },
    activity: { visitCount: 3, pageViewCount: 9, firstVisitAt: null, lastVisitAt: new Date(NOW).toISOString(), completedGoals: [] },
    identified: false,
    prediction: null,
    behaviour: { visitedPricing: true, visitedCheckout: false, avgSessionSeconds: 240, referrerHost: null },
    ...over,
  };
}
const found = (v: Visitor): VisitorLookup => ({ kind: 'found', visitor: v });

describe('scoreLookup', () => {
  it("keeps the provider's prediction and says so", () => {
    const lookup = found(visitor({ prediction: { score: 20, confidence: 0.9, conversionRate: null, expectedValue: null } }));
    expect(scoreLookup(lookup, ON, NOW)).toEqual({ lookup, scoreSource: 'provider' });
  });

  it('scores a visitor without a prediction locally when-missing', () => {
    const scored = scoreLookup(found(visitor()), ON, NOW);
    expect(scored.scoreSource).toBe('local');
    const p = scored.lookup.kind === 'found' ? scored.lookup.visitor.prediction : null;
    expect(p?.score).toBeGreaterThan(60);
    expect(p?.confidence).toBe(0.738);
  });

  it.each([
    ['the local score is off', found(visitor()), OFF],
    ['the visitor is identified (DataFast gives customers no prediction)', found(visitor({ identified: true })), ON],
    ['the visitor has paid', found(visitor({ activity: { ...visitor().activity, completedGoals: [{ name: 'payment', timestamp: null, origin: 'payment_provider' }] } })), ON],
    ['there is no record', { kind: 'unavailable', cause: 'budget' } as VisitorLookup, ON],
  ])('leaves the lookup as it is, without a score source, when %s', (_what, lookup, config) => {
    expect(scoreLookup(lookup, config, NOW)).toEqual({ lookup, scoreSource: null });
  });

  it('is on by default for PostMetric (it has no prediction at all), off for DataFast', () => {
    expect(defaultLocalScoreMode('postmetric')).toBe('when-missing');
    expect(defaultLocalScoreMode('datafast')).toBe('off');
  });
});
