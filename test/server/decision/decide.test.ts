import { describe, expect, it } from 'vitest';
import type { VisitorLookup } from '../../../server/datafast/lookup';
import type { CompletedGoal, Prediction, Visitor } from '../../../server/datafast/visitor';
import { DEFAULT_SEGMENT_OFFERS, decide, noOffer, type Policy } from '../../../server/decision/decide';
import { BUILT_IN_OFFERS, type Offer, type OfferKind } from '../../../server/decision/offer';
import { DEFAULT_THRESHOLDS, type Segment } from '../../../server/decision/segment';
import { buildPolicy } from '../../../server/decision/policy';
import { explain } from '../../../server/decision/explain';

interface VisitorShape {
  score?: number;
  confidence?: number;
  noPrediction?: boolean;
  goals?: string[];
}

/** A visitor as the DataFast parser hands it over; only what the decision reads varies. */
function makeVisitor({ score = 50, confidence = 0.9, noPrediction = false, goals = [] }: VisitorShape = {}): Visitor {
  const prediction: Prediction | null = noPrediction ? null : { score, confidence, conversionRate: 0.01, expectedValue: 2.5 };
  const completedGoals: CompletedGoal[] = goals.map((name) => ({ name, timestamp: null, origin: 'payment_provider' }));
  return {
    visitorId: 'b971cbbf-7ce2-4925-902b-8f95a5fb3449',
    identity: { countryCode: 'US', browser: 'Chrome', os: 'Mac OS', deviceType: 'desktop', params: {} },
    activity: { visitCount: 1, pageViewCount: 1, firstVisitAt: null, lastVisitAt: null, completedGoals },
    identified: false,
    prediction,
  };
}

const found = (shape: VisitorShape = {}, stale?: boolean): VisitorLookup =>
  stale === undefined ? { kind: 'found', visitor: makeVisitor(shape) } : { kind: 'found', visitor: makeVisitor(shape), stale };

function defaultPolicy(): Policy {
  return buildPolicy();
}

describe('decide', () => {
  describe('when there is no visitor record to decide for', () => {
    it.each<[string, VisitorLookup, string]>([
      ['DataFast flags a bot (400)', { kind: 'bot' }, 'bot'],
      ['DataFast does not know the visitor (404)', { kind: 'unknown' }, 'unknown-visitor'],
      ['DataFast timed out', { kind: 'unavailable', cause: 'timeout' }, 'upstream-unavailable'],
      ['DataFast rejected the key', { kind: 'unavailable', cause: 'auth' }, 'upstream-unavailable'],
      ['DataFast is rate limiting', { kind: 'unavailable', cause: 'rate-limited' }, 'upstream-unavailable'],
      ['DataFast sent a malformed body', { kind: 'unavailable', cause: 'malformed' }, 'upstream-unavailable'],
      ['the upstream budget had no call left', { kind: 'unavailable', cause: 'budget' }, 'upstream-budget'],
      ['the visitor\'s record is over the size limit', { kind: 'unusable', cause: 'too-large' }, 'record-too-large'],
      ['the visitor\'s record cannot be read', { kind: 'unusable', cause: 'malformed' }, 'record-unreadable'],
    ])('gives no offer when %s', (_label, lookup, reason) => {
      expect(decide(lookup, defaultPolicy())).toEqual({ offer: null, experiment: null, segment: 'unknown', reason });
    });
  });

  describe('with the default policy', () => {
    it.each<[Segment, VisitorShape, OfferKind | null]>([
      ['low', { score: 10 }, 'coupon'],
      ['average', { score: 50 }, null],
      ['high', { score: 90 }, 'urgency'],
      ['unknown', { noPrediction: true }, 'lead_magnet'],
      ['unknown', { score: 90, confidence: 0.3 }, 'lead_magnet'],
      ['customer', { score: 10, goals: ['payment'] }, null],
      ['customer', { noPrediction: true, goals: ['subscription_renewed'] }, null],
    ])('a "%s" visitor (%j) gets offer kind %s', (segment, shape, kind) => {
      const d = decide(found(shape), defaultPolicy());
      expect(d.segment).toBe(segment);
      expect(d.reason).toBe(`rule:default-${segment}`);
      expect(d.experiment).toBeNull();
      expect(d.offer?.kind ?? null).toBe(kind);
    });

    it.each<Segment>(['low', 'average', 'high', 'unknown', 'customer'])(
      'the "%s" segment gets exactly the built-in offer DEFAULT_SEGMENT_OFFERS names',
      (segment) => {
        const shapes: Record<Segment, VisitorShape> = {
          low: { score: 0 },
          average: { score: 40 },
          high: { score: 100 },
          unknown: { noPrediction: true },
          customer: { goals: ['payment'] },
        };
        const id = DEFAULT_SEGMENT_OFFERS[segment];
        const expected = id === null ? null : BUILT_IN_OFFERS.find((o) => o.id === id);
        expect(expected).toBeDefined();
        expect(decide(found(shapes[segment]), defaultPolicy()).offer).toEqual(expected);
      },
    );

    it('names only offers that exist among the built-in ones', () => {
      const ids = new Set(BUILT_IN_OFFERS.map((o) => o.id));
      for (const id of Object.values(DEFAULT_SEGMENT_OFFERS)) {
        if (id !== null) expect(ids.has(id)).toBe(true);
      }
    });
  });

  it('honours the policy thresholds', () => {
    const policy = { ...defaultPolicy(), thresholds: { low: 20, high: 80, minConfidence: 0.5 } };
    expect(decide(found({ score: 30 }), policy).segment).toBe('average');
    expect(decide(found({ score: 30 }), defaultPolicy()).segment).toBe('low');
  });

  it('gives no offer when the policy maps the segment to null', () => {
    const policy: Policy = { ...defaultPolicy(), bySegment: { ...DEFAULT_SEGMENT_OFFERS, low: null } };
    expect(decide(found({ score: 10 }), policy)).toEqual({
      offer: null,
      experiment: null,
      segment: 'low',
      reason: 'rule:default-low',
    });
  });

  it('gives the offer the policy names for a segment, from the policy offers', () => {
    const custom: Offer = { ...(BUILT_IN_OFFERS[0] as Offer), id: 'spring-sale', headline: 'Spring sale' };
    const base = defaultPolicy();
    const policy: Policy = {
      ...base,
      offers: new Map([...base.offers, [custom.id, custom]]),
      bySegment: { ...DEFAULT_SEGMENT_OFFERS, average: 'spring-sale' },
    };
    expect(decide(found({ score: 50 }), policy).offer).toEqual(custom);
  });

  it('gives no offer (rather than failing) when the named offer is not in the policy', () => {
    const policy: Policy = { ...defaultPolicy(), bySegment: { ...DEFAULT_SEGMENT_OFFERS, high: 'does-not-exist' } };
    const d = decide(found({ score: 90 }), policy);
    expect(d.offer).toBeNull();
    expect(d.segment).toBe('high');
  });

  it.each<VisitorShape>([{ score: 10 }, { score: 50 }, { score: 90 }, { noPrediction: true }, { goals: ['payment'] }])(
    'decides a stale record (%j) exactly like a fresh one',
    (shape) => {
      expect(decide(found(shape, true), defaultPolicy())).toEqual(decide(found(shape), defaultPolicy()));
      expect(decide(found(shape, true), defaultPolicy())).toEqual(decide(found(shape, false), defaultPolicy()));
    },
  );
});

describe('noOffer', () => {
  it.each(['no-cookie', 'invalid-cookie', 'invalid-path'] as const)('says why there is no offer: %s', (reason) => {
    expect(noOffer(reason)).toEqual({ offer: null, experiment: null, segment: 'unknown', reason });
  });
});

describe('decide with rules and experiments', () => {
  const page = (path: string, query: Record<string, string> = {}, referrer: string | null = null) => ({ path, query, referrer });
  const experiment = {
    id: 'pricing-test',
    coverage: 1,
    status: 'running' as const,
    variants: [
      { id: 'control', weight: 1, offer: null },
      { id: 'coupon', weight: 1, offer: 'welcome-coupon' },
    ],
  };

  it('lets the first matching rule decide, with its id as the reason', () => {
    const policy = buildPolicy({
      rules: [
        { id: 'blog-guide', when: { path: ['/blog/**'] }, then: { offer: 'starter-guide' } },
        { id: 'pricing-nothing', when: { path: ['/pricing'] }, then: { offer: null } },
        { id: 'pricing-coupon', when: { path: ['/pricing'] }, then: { offer: 'welcome-coupon' } },
      ],
    });
    expect(decide(found({ score: 90 }), policy, page('/blog/post'))).toMatchObject({ offer: { id: 'starter-guide' }, reason: 'rule:blog-guide', segment: 'high' });
    expect(decide(found({ score: 90 }), policy, page('/pricing'))).toMatchObject({ offer: null, reason: 'rule:pricing-nothing' });
    expect(decide(found({ score: 90 }), policy, page('/about'))).toMatchObject({ offer: { kind: 'urgency' }, reason: 'rule:default-high' });
  });

  it('never applies rules to requests without a visitor record', () => {
    const policy = buildPolicy({ rules: [{ id: 'all', when: {}, then: { offer: 'welcome-coupon' } }] });
    expect(decide({ kind: 'unknown' }, policy, page('/'))).toEqual(noOffer('unknown-visitor'));
  });

  it('assigns an experiment variant deterministically and carries it in the decision', () => {
    const policy = buildPolicy({ experiments: [experiment], rules: [{ id: 'ab', when: { path: ['/pricing'] }, then: { experiment: 'pricing-test' } }] });
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const visitor = { ...makeVisitor({ score: 50 }), visitorId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` };
      const d1 = decide({ kind: 'found', visitor }, policy, page('/pricing'));
      const d2 = decide({ kind: 'found', visitor }, buildPolicy({ experiments: [experiment], rules: [{ id: 'ab', when: {}, then: { experiment: 'pricing-test' } }] }), page('/pricing'));
      expect(d1.experiment?.id).toBe('pricing-test');
      expect(d1.experiment?.variant).toBe(d2.experiment?.variant);
      expect(d1.offer?.id ?? null).toBe(d1.experiment?.variant === 'coupon' ? 'welcome-coupon' : null);
      expect(d1.reason).toBe('rule:ab');
      seen.add(d1.experiment?.variant ?? '');
    }
    expect([...seen].sort()).toEqual(['control', 'coupon']);
  });

  it('lets visitors outside coverage, or a stopped experiment, fall through to later rules', () => {
    const rules = [
      { id: 'ab', when: {}, then: { experiment: 'pricing-test' } },
      { id: 'fallback', when: {}, then: { offer: 'starter-guide' } },
    ];
    const stopped = buildPolicy({ experiments: [{ ...experiment, status: 'stopped' }], rules });
    expect(decide(found(), stopped, page('/'))).toMatchObject({ experiment: null, reason: 'rule:fallback', offer: { id: 'starter-guide' } });
    const noCoverage = buildPolicy({ experiments: [{ ...experiment, coverage: 0 }], rules });
    expect(decide(found(), noCoverage, page('/'))).toMatchObject({ experiment: null, reason: 'rule:fallback' });
  });
});

describe('decide with a global holdout', () => {
  const rules = [{ id: 'everyone', when: {}, then: { offer: 'welcome-coupon' } }];
  const visitorWith = (i: number): VisitorLookup => ({ kind: 'found', visitor: { ...makeVisitor({ score: 20 }), visitorId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` } });

  it('gives the held-out visitors no offer and no experiment, before any rule; everyone else as before', () => {
    const policy = buildPolicy({ rules, holdout: 0.2 });
    const decisions = Array.from({ length: 500 }, (_, i) => decide(visitorWith(i), policy));
    const held = decisions.filter((d) => d.reason === 'holdout');
    expect(held.length).toBeGreaterThan(60);
    expect(held.length).toBeLessThan(140);
    for (const d of held) expect(d).toEqual({ offer: null, experiment: null, segment: 'low', reason: 'holdout' });
    for (const d of decisions.filter((x) => x.reason !== 'holdout')) expect(d).toMatchObject({ offer: { id: 'welcome-coupon' }, reason: 'rule:everyone' });
    // The explanation agrees, and tries no rule for a held-out visitor.
    const i = decisions.findIndex((d) => d.reason === 'holdout');
    expect(explain(visitorWith(i), policy, { path: '/', query: {}, referrer: null })).toMatchObject({ decision: { reason: 'holdout', offer: null }, rules: [] });
    // Without a holdout nobody is held out.
    expect(Array.from({ length: 500 }, (_, i) => decide(visitorWith(i), buildPolicy({ rules }))).every((d) => d.reason === 'rule:everyone')).toBe(true);
  });
});
