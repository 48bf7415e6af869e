// Identified visitors (a profile with a userId): a null prediction means a customer by default
// (DataFast gives customers none), and they are never asked for the email they already gave.
import { describe, expect, it } from 'vitest';
import type { Prediction, Visitor } from '../../../server/analytics/visitor';
import { decide } from '../../../server/decision/decide';
import { buildPolicy } from '../../../server/decision/policy';
import { segmentOf } from '../../../server/decision/segment';

function visitor(identified: boolean, prediction: Prediction | null): Visitor {
  return {
    visitorId: '3f6c2a1e-9b4d-4c8e-a7f2-1d5e8b9c0a3f',
    identity: { countryCode: 'US', browser: 'Chrome', os: 'Mac OS', deviceType: 'desktop', params: {} },
    activity: { visitCount: 2, pageViewCount: 5, firstVisitAt: null, lastVisitAt: null, completedGoals: [] },
    identified,
    prediction,
  };
}
const unsure: Prediction = { score: 50, confidence: 0.2, conversionRate: null, expectedValue: null };
const found = (v: Visitor) => ({ kind: 'found' as const, visitor: v });

describe('an identified visitor without a prediction', () => {
  it('is a customer by default, and gets the customer default (no offer)', () => {
    expect(segmentOf(visitor(true, null))).toBe('customer');
    expect(decide(found(visitor(true, null)), buildPolicy())).toMatchObject({ segment: 'customer', offer: null, reason: 'rule:default-customer' });
  });

  it('stays unknown when the policy says so (identifiedVisitors.withoutPrediction: "unknown")', () => {
    const policy = buildPolicy({ identifiedVisitors: { withoutPrediction: 'unknown', leadMagnets: true } });
    expect(decide(found(visitor(true, null)), policy)).toMatchObject({ segment: 'unknown', offer: { kind: 'lead_magnet' } });
  });

  it('an anonymous visitor without a prediction is unknown and gets the lead magnet, as before', () => {
    expect(decide(found(visitor(false, null)), buildPolicy())).toMatchObject({ segment: 'unknown', offer: { id: 'starter-guide' } });
  });
});

describe('lead magnets for identified visitors', () => {
  it('are withheld by default, with a truthful reason (a weak prediction makes the segment unknown)', () => {
    expect(decide(found(visitor(true, unsure)), buildPolicy())).toMatchObject({ segment: 'unknown', offer: null, reason: 'identified-visitor' });
  });

  it('are withheld when a rule names one too', () => {
    const policy = buildPolicy({ rules: [{ id: 'guide', when: { path: ['/blog/*'] }, then: { offer: 'starter-guide' } }] });
    const page = { path: '/blog/post', query: {}, referrer: null };
    expect(decide(found(visitor(true, unsure)), policy, page)).toMatchObject({ offer: null, reason: 'identified-visitor' });
    expect(decide(found(visitor(false, unsure)), policy, page)).toMatchObject({ offer: { id: 'starter-guide' }, reason: 'rule:guide' });
  });

  it('are given when the policy allows them (identifiedVisitors.leadMagnets: true)', () => {
    const policy = buildPolicy({ identifiedVisitors: { leadMagnets: true } });
    expect(decide(found(visitor(true, unsure)), policy)).toMatchObject({ offer: { id: 'starter-guide' }, reason: 'rule:default-unknown' });
  });

  it('other offers are not affected', () => {
    const low: Prediction = { score: 10, confidence: 0.9, conversionRate: null, expectedValue: null };
    expect(decide(found(visitor(true, low)), buildPolicy())).toMatchObject({ segment: 'low', offer: { kind: 'coupon' } });
  });
});
