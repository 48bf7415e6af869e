import { describe, expect, it } from 'vitest';
import type { CompletedGoal, Prediction, Visitor } from '../../../server/datafast/visitor';
import { DEFAULT_THRESHOLDS, isCustomer, segmentOf, type Segment, type Thresholds } from '../../../server/decision/segment';

function goal(name: string, origin: CompletedGoal['origin'] = 'payment_provider'): CompletedGoal {
  return { name, timestamp: '2026-02-06T05:27:20.000Z', origin };
}

function visitor(prediction: Prediction | null, goals: CompletedGoal[] = []): Visitor {
  return {
    visitorId: 'a3ab2331-989f-4cfa-91c6-2461c9e3c6bd',
    identity: { countryCode: 'US', browser: 'Chrome', os: 'Mac OS', deviceType: 'desktop', params: {} },
    activity: { visitCount: 2, pageViewCount: 5, firstVisitAt: null, lastVisitAt: null, completedGoals: goals },
    identified: false,
    prediction,
  };
}

const predict = (score: number, confidence = 0.9): Prediction => ({ score, confidence, conversionRate: null, expectedValue: null });

describe('isCustomer', () => {
  it.each(['payment', 'subscription_started', 'subscription_renewed', 'subscription_ended'])(
    'counts a visitor who completed the paying goal "%s" as a customer',
    (name) => {
      expect(isCustomer(visitor(null, [goal(name)]))).toBe(true);
    },
  );

  it.each(['free_trial', 'trial_started', 'newsletter_signup', 'initiate_checkout', 'Payment', 'payment_received'])(
    'does not count the goal "%s" as paying',
    (name) => {
      expect(isCustomer(visitor(null, [goal(name, 'manual')]))).toBe(false);
    },
  );

  it('is false for a visitor without goals', () => {
    expect(isCustomer(visitor(predict(50)))).toBe(false);
  });

  it('finds a paying goal among non-paying ones', () => {
    expect(isCustomer(visitor(null, [goal('free_trial'), goal('newsletter_signup', 'manual'), goal('payment')]))).toBe(true);
  });
});

describe('segmentOf', () => {
  describe('a customer', () => {
    it.each([
      ['no prediction', null],
      ['a very low score', predict(0)],
      ['an average score', predict(50)],
      ['a very high score', predict(100)],
      ['an unconfident prediction', predict(10, 0.1)],
    ])('is "customer" whatever the prediction (%s)', (_label, prediction) => {
      expect(segmentOf(visitor(prediction, [goal('payment')]))).toBe('customer');
    });

    it.each(['payment', 'subscription_started', 'subscription_renewed', 'subscription_ended'])(
      'is "customer" after the paying goal "%s" even with a low score',
      (name) => {
        expect(segmentOf(visitor(predict(5), [goal(name)]))).toBe('customer');
      },
    );

    it('is not made by a free trial: the prediction still decides', () => {
      expect(segmentOf(visitor(predict(5), [goal('free_trial'), goal('trial_started')]))).toBe('low');
    });
  });

  it('is "unknown" when DataFast has no prediction', () => {
    expect(segmentOf(visitor(null))).toBe('unknown');
  });

  describe('confidence', () => {
    it('is "unknown" just below the minimum confidence, even for an extreme score', () => {
      expect(segmentOf(visitor(predict(95, 0.49)))).toBe('unknown');
      expect(segmentOf(visitor(predict(5, 0.4999)))).toBe('unknown');
    });

    it('trusts a prediction exactly at the minimum confidence', () => {
      expect(segmentOf(visitor(predict(95, 0.5)))).toBe('high');
      expect(segmentOf(visitor(predict(5, 0.5)))).toBe('low');
    });

    it('uses a custom minimum confidence', () => {
      const t: Thresholds = { ...DEFAULT_THRESHOLDS, minConfidence: 0.8 };
      expect(segmentOf(visitor(predict(95, 0.79)), t)).toBe('unknown');
      expect(segmentOf(visitor(predict(95, 0.8)), t)).toBe('high');
    });

    it('with a minimum confidence of 0 trusts even a zero-confidence prediction', () => {
      expect(segmentOf(visitor(predict(95, 0)), { ...DEFAULT_THRESHOLDS, minConfidence: 0 })).toBe('high');
    });
  });

  describe('score thresholds (strict comparisons, defaults low 40 / high 60)', () => {
    it.each<[number, Segment]>([
      [0, 'low'],
      [39, 'low'],
      [39.99, 'low'],
      [40, 'average'],
      [50, 'average'],
      [60, 'average'],
      [60.01, 'high'],
      [61, 'high'],
      [100, 'high'],
    ])('score %s → %s', (score, expected) => {
      expect(segmentOf(visitor(predict(score)))).toBe(expected);
    });

    it('uses the defaults when no thresholds are passed', () => {
      expect(DEFAULT_THRESHOLDS).toEqual({ low: 40, high: 60, minConfidence: 0.5 });
    });

    it.each<[Thresholds, number, Segment]>([
      [{ low: 20, high: 80, minConfidence: 0.5 }, 19, 'low'],
      [{ low: 20, high: 80, minConfidence: 0.5 }, 20, 'average'],
      [{ low: 20, high: 80, minConfidence: 0.5 }, 39, 'average'],
      [{ low: 20, high: 80, minConfidence: 0.5 }, 80, 'average'],
      [{ low: 20, high: 80, minConfidence: 0.5 }, 81, 'high'],
      [{ low: 50, high: 50, minConfidence: 0.5 }, 49, 'low'],
      [{ low: 50, high: 50, minConfidence: 0.5 }, 50, 'average'],
      [{ low: 50, high: 50, minConfidence: 0.5 }, 51, 'high'],
      [{ low: 0, high: 100, minConfidence: 0.5 }, 0, 'average'],
      [{ low: 0, high: 100, minConfidence: 0.5 }, 100, 'average'],
    ])('with thresholds %j, score %s → %s', (t, score, expected) => {
      expect(segmentOf(visitor(predict(score)), t)).toBe(expected);
    });
  });

  describe('exhaustive sweep over score 0..100', () => {
    const confidences = [0, 0.25, 0.49, 0.5, 0.51, 0.831, 1];
    const thresholdSets: Thresholds[] = [DEFAULT_THRESHOLDS, { low: 30, high: 70, minConfidence: 0.6 }, { low: 50, high: 50, minConfidence: 0.5 }];

    it.each(thresholdSets)('is consistent with thresholds %j for every score and confidence', (t) => {
      const seen = new Set<Segment>();
      for (const confidence of confidences) {
        for (let score = 0; score <= 100; score++) {
          const segment = segmentOf(visitor(predict(score, confidence)), t);
          seen.add(segment);
          if (confidence < t.minConfidence) {
            expect(segment, `score ${score}, confidence ${confidence}`).toBe('unknown');
          } else if (score < t.low) {
            expect(segment, `score ${score}, confidence ${confidence}`).toBe('low');
          } else if (score > t.high) {
            expect(segment, `score ${score}, confidence ${confidence}`).toBe('high');
          } else {
            expect(segment, `score ${score}, confidence ${confidence}`).toBe('average');
          }
        }
      }
      expect(seen).toEqual(new Set(['unknown', 'low', 'average', 'high']));
    });

    it('never lowers the segment as the score rises (low → average → high)', () => {
      const rank: Record<Segment, number> = { low: 0, average: 1, high: 2, unknown: -1, customer: -1 };
      let previous = -1;
      for (let score = 0; score <= 100; score++) {
        const r = rank[segmentOf(visitor(predict(score, 0.9)))];
        expect(r).toBeGreaterThanOrEqual(previous);
        previous = r;
      }
      expect(previous).toBe(2);
    });
  });
});
