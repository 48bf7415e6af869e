// What a segment preview shows: the rules in order and then bySegment, for a typical visitor of
// the segment on the previewed page — without DataFast and without experiments.
import { describe, expect, it } from 'vitest';
import { buildPolicy } from '../../../server/decision/policy';
import { segmentOf } from '../../../server/decision/segment';
import type { PageFacts } from '../../../server/decision/decide';
import { segmentPreview, typicalVisitor } from '../../../server/preview/segment-decision';
import { SEGMENTS } from '../../../server/preview/target';

const page = (path: string, query: Record<string, string> = {}): PageFacts => ({ path, query, referrer: null });

describe('segmentPreview', () => {
  it('gives each segment its bySegment offer when no rule matches', () => {
    const policy = buildPolicy({ bySegment: { average: 'starter-guide' } });
    const got = Object.fromEntries(SEGMENTS.map((s) => [s, segmentPreview(policy, s, page('/')).offer?.id ?? null]));
    expect(got).toEqual({ low: 'welcome-coupon', average: 'starter-guide', high: 'popular-plan-urgency', unknown: 'starter-guide', customer: null });
    expect(segmentPreview(policy, 'low', page('/')).rule).toBe('rule:default-low');
  });

  it('follows the first matching rule on the previewed page', () => {
    const policy = buildPolicy({
      rules: [
        { id: 'pricing-low', when: { segment: ['low'], path: ['/pricing'] }, then: { offer: 'starter-guide' } },
        { id: 'newsletter', when: { utm: { source: ['newsletter'] } }, then: { offer: 'popular-plan-urgency' } },
        { id: 'no-offer-for-average', when: { segment: ['average'] }, then: { offer: null } },
      ],
    });
    expect(segmentPreview(policy, 'low', page('/pricing'))).toMatchObject({ offer: { id: 'starter-guide' }, rule: 'rule:pricing-low' });
    expect(segmentPreview(policy, 'low', page('/blog'))).toMatchObject({ offer: { id: 'welcome-coupon' }, rule: 'rule:default-low' });
    expect(segmentPreview(policy, 'high', page('/', { utm_source: 'Newsletter' }))).toMatchObject({ offer: { id: 'popular-plan-urgency' }, rule: 'rule:newsletter' });
    expect(segmentPreview(policy, 'average', page('/'))).toEqual({ offer: null, rule: 'rule:no-offer-for-average' });
  });

  it('passes over a rule that sends visitors into an experiment, as for a visitor it does not enrol', () => {
    const policy = buildPolicy({
      experiments: [{ id: 'hero', coverage: 1, status: 'running', variants: [{ id: 'control', weight: 1, offer: null }, { id: 'guide', weight: 1, offer: 'starter-guide' }] }],
      rules: [
        { id: 'test-everyone', when: {}, then: { experiment: 'hero' } },
        { id: 'after', when: { segment: ['high'] }, then: { offer: 'welcome-coupon' } },
      ],
    });
    expect(segmentPreview(policy, 'high', page('/'))).toMatchObject({ offer: { id: 'welcome-coupon' }, rule: 'rule:after' });
    expect(segmentPreview(policy, 'low', page('/'))).toMatchObject({ offer: { id: 'welcome-coupon' }, rule: 'rule:default-low' });
  });

  it('judges visitor rules for a typical visitor of the segment: a customer has paid, others have not', () => {
    const policy = buildPolicy({
      rules: [
        { id: 'paid', when: { customer: true }, then: { offer: 'starter-guide' } },
        { id: 'very-low', when: { scoreBelow: 25 }, then: { offer: 'popular-plan-urgency' } },
        { id: 'germany', when: { country: ['DE'] }, then: { offer: null } },
      ],
    });
    expect(segmentPreview(policy, 'customer', page('/')).rule).toBe('rule:paid');
    // Low scores run 0–39: the typical one is 20.
    expect(segmentPreview(policy, 'low', page('/')).rule).toBe('rule:very-low');
    expect(segmentPreview(policy, 'average', page('/')).rule).toBe('rule:default-average');
  });

  it('describes a visitor that segmentOf places in the same segment', () => {
    for (const thresholds of [{ low: 40, high: 60, minConfidence: 0.5 }, { low: 10, high: 90, minConfidence: 0.9 }]) {
      for (const s of SEGMENTS) expect(segmentOf(typicalVisitor(s, thresholds), thresholds), s).toBe(s);
    }
  });
});
