import { describe, expect, it } from 'vitest';
import type { Prediction, Visitor } from '../../../server/datafast/visitor';
import {
  compileRule,
  compileRules,
  firstMatch,
  matches,
  referrerParts,
  type Rule,
  type RuleConditions,
  type RuleContext,
} from '../../../server/decision/rules';
import type { Segment } from '../../../server/decision/segment';

interface Shape {
  segment?: Segment;
  score?: number;
  confidence?: number;
  noPrediction?: boolean;
  goals?: string[];
  country?: string | null;
  device?: string | null;
  visits?: number;
  params?: Record<string, string>;
  path?: string;
  query?: Record<string, string>;
  referrer?: string | null;
}

/** One request as the decision sees it; every field has a plain default and only what a case names varies. */
function ctxOf(s: Shape = {}): RuleContext {
  const prediction: Prediction | null = s.noPrediction
    ? null
    : { score: s.score ?? 50, confidence: s.confidence ?? 0.9, conversionRate: null, expectedValue: null };
  const visitor: Visitor = {
    visitorId: 'b971cbbf-7ce2-4925-902b-8f95a5fb3449',
    identity: {
      countryCode: s.country === undefined ? 'US' : s.country,
      browser: 'Chrome',
      os: 'Mac OS',
      deviceType: s.device === undefined ? 'desktop' : s.device,
      params: s.params ?? {},
    },
    activity: {
      visitCount: s.visits ?? 1,
      pageViewCount: 1,
      firstVisitAt: null,
      lastVisitAt: null,
      completedGoals: (s.goals ?? []).map((name) => ({ name, timestamp: null, origin: 'manual' })),
    },
    identified: false,
    prediction,
  };
  return {
    visitor,
    segment: s.segment ?? 'average',
    path: s.path ?? '/',
    query: s.query ?? {},
    referrer: s.referrer === undefined ? null : s.referrer,
  };
}

function when(conditions: RuleConditions, shape: Shape): boolean {
  return matches(compileRule({ id: 'r', when: conditions, then: { offer: null } }), ctxOf(shape));
}

type Case = [label: string, conditions: RuleConditions, shape: Shape, expected: boolean];

function table(cases: Case[]): void {
  it.each(cases)('%s', (_label, conditions, shape, expected) => {
    expect(when(conditions, shape)).toBe(expected);
  });
}

describe('rules', () => {
  describe('a rule without conditions matches every request', () => {
    it.each<[string, Shape]>([
      ['a plain visitor', {}],
      ['a visitor without prediction', { noPrediction: true, segment: 'unknown' }],
      ['a customer', { goals: ['payment'], segment: 'customer' }],
      ['a visitor without country or device', { country: null, device: null }],
      ['any page and referrer', { path: '/x/y', referrer: 'https://example.com/' }],
    ])('%s', (_label, shape) => {
      expect(when({}, shape)).toBe(true);
    });
  });

  describe('segment: the request segment is one of the list', () => {
    table([
      ['high in [high]', { segment: ['high'] }, { segment: 'high' }, true],
      ['low in [high]', { segment: ['high'] }, { segment: 'low' }, false],
      ['high in [low, high] (a list is "any of")', { segment: ['low', 'high'] }, { segment: 'high' }, true],
      ['customer in [low, high]', { segment: ['low', 'high'] }, { segment: 'customer' }, false],
      ['unknown in [unknown]', { segment: ['unknown'] }, { segment: 'unknown', noPrediction: true }, true],
      ['an empty list matches nothing', { segment: [] }, { segment: 'average' }, false],
    ]);
  });

  describe('score and confidence: strict bounds on the raw prediction', () => {
    table([
      ['score 39.9 is below 40', { scoreBelow: 40 }, { score: 39.9 }, true],
      ['score 40 is not below 40', { scoreBelow: 40 }, { score: 40 }, false],
      ['score 41 is not below 40', { scoreBelow: 40 }, { score: 41 }, false],
      ['score 0 is below 1', { scoreBelow: 1 }, { score: 0 }, true],
      ['score 61 is above 60', { scoreAbove: 60 }, { score: 61 }, true],
      ['score 60 is not above 60', { scoreAbove: 60 }, { score: 60 }, false],
      ['score 10 is not above 60', { scoreAbove: 60 }, { score: 10 }, false],
      ['confidence 0.5 is at least 0.5', { confidenceAtLeast: 0.5 }, { confidence: 0.5 }, true],
      ['confidence 0.49 is not at least 0.5', { confidenceAtLeast: 0.5 }, { confidence: 0.49 }, false],
      ['confidence 0.49 is below 0.5', { confidenceBelow: 0.5 }, { confidence: 0.49 }, true],
      ['confidence 0.5 is not below 0.5', { confidenceBelow: 0.5 }, { confidence: 0.5 }, false],
      ['a low-confidence score still counts (no minConfidence filter)', { scoreBelow: 40 }, { score: 10, confidence: 0.1 }, true],
      ['score within a band (above 40, below 60)', { scoreAbove: 40, scoreBelow: 60 }, { score: 50 }, true],
      ['score outside a band', { scoreAbove: 40, scoreBelow: 60 }, { score: 70 }, false],
    ]);

    describe('a visitor without a prediction never matches one', () => {
      table([
        ['scoreBelow 100', { scoreBelow: 100 }, { noPrediction: true }, false],
        ['scoreAbove 0', { scoreAbove: 0 }, { noPrediction: true }, false],
        ['confidenceAtLeast 0', { confidenceAtLeast: 0 }, { noPrediction: true }, false],
        ['confidenceBelow 1', { confidenceBelow: 1 }, { noPrediction: true }, false],
      ]);
    });
  });

  describe('customer: a payment goal completed', () => {
    table([
      ['payment → customer: true', { customer: true }, { goals: ['payment'] }, true],
      ['subscription_renewed → customer: true', { customer: true }, { goals: ['subscription_renewed'] }, true],
      ['no goals → not customer: true', { customer: true }, {}, false],
      ['a non-paying goal → not customer: true', { customer: true }, { goals: ['signup'] }, false],
      ['no goals → customer: false', { customer: false }, {}, true],
      ['payment → not customer: false', { customer: false }, { goals: ['payment'] }, false],
      // customer reads the goals, not the segment the caller computed
      ['goals decide, not the segment', { customer: true }, { goals: ['payment'], segment: 'high' }, true],
    ]);
  });

  describe('path: case-sensitive globs on the path without query', () => {
    table([
      ['exact path', { path: ['/pricing'] }, { path: '/pricing' }, true],
      ['a trailing slash on the page is ignored', { path: ['/pricing'] }, { path: '/pricing/' }, true],
      ['a trailing slash in the pattern is ignored', { path: ['/pricing/'] }, { path: '/pricing' }, true],
      ['a deeper page does not match an exact path', { path: ['/pricing'] }, { path: '/pricing/annual' }, false],
      ['case matters', { path: ['/pricing'] }, { path: '/Pricing' }, false],
      ['"/" matches the home page', { path: ['/'] }, { path: '/' }, true],
      ['"/" does not match other pages', { path: ['/'] }, { path: '/about' }, false],
      ['* matches one segment', { path: ['/blog/*'] }, { path: '/blog/launch' }, true],
      ['* does not cross /', { path: ['/blog/*'] }, { path: '/blog/2026/launch' }, false],
      ['** crosses /', { path: ['/blog/**'] }, { path: '/blog/2026/launch' }, true],
      ['/blog/** does not match /blog itself', { path: ['/blog/**'] }, { path: '/blog' }, false],
      ['/blog/** does not match /blog/ (trailing slash ignored)', { path: ['/blog/**'] }, { path: '/blog/' }, false],
      ['a list is "any of": second pattern', { path: ['/blog', '/blog/**'] }, { path: '/blog' }, true],
      ['a list is "any of": none', { path: ['/blog', '/blog/**'] }, { path: '/pricing' }, false],
      ['**/pricing matches localised pricing pages', { path: ['**/pricing'] }, { path: '/de/pricing' }, true],
    ]);
  });

  describe('utm: the current page first, else the first-session params', () => {
    table([
      ['from the page query', { utm: { source: ['google'] } }, { query: { utm_source: 'google' } }, true],
      ['from first-session params', { utm: { source: ['newsletter'] } }, { params: { utm_source: 'newsletter' } }, true],
      [
        'the page wins over first-session params',
        { utm: { source: ['newsletter'] } },
        { query: { utm_source: 'google' }, params: { utm_source: 'newsletter' } },
        false,
      ],
      [
        'the page value is the one compared',
        { utm: { source: ['google'] } },
        { query: { utm_source: 'google' }, params: { utm_source: 'newsletter' } },
        true,
      ],
      [
        'an empty page value falls back to params',
        { utm: { source: ['newsletter'] } },
        { query: { utm_source: '' }, params: { utm_source: 'newsletter' } },
        true,
      ],
      ['neither → no match', { utm: { source: ['google'] } }, {}, false],
      ['a different value → no match', { utm: { source: ['google'] } }, { query: { utm_source: 'bing' } }, false],
      ['case-insensitive', { utm: { source: ['Newsletter'] } }, { query: { utm_source: 'NEWSLETTER' } }, true],
      ['trimmed', { utm: { source: [' newsletter '] } }, { query: { utm_source: 'newsletter ' } }, true],
      ['exact, not a substring', { utm: { source: ['news'] } }, { query: { utm_source: 'newsletter' } }, false],
      ['a list is "any of"', { utm: { campaign: ['spring', 'summer'] } }, { query: { utm_campaign: 'summer' } }, true],
      ['medium', { utm: { medium: ['email'] } }, { query: { utm_medium: 'email' } }, true],
      ['content', { utm: { content: ['hero-button'] } }, { params: { utm_content: 'hero-button' } }, true],
      ['term', { utm: { term: ['analytics'] } }, { query: { utm_term: 'analytics' } }, true],
      ['the key is utm_<name>, not <name>', { utm: { source: ['google'] } }, { query: { source: 'google' } }, false],
      [
        'several keys: all must hold',
        { utm: { source: ['newsletter'], campaign: ['spring'] } },
        { query: { utm_source: 'newsletter', utm_campaign: 'summer' } },
        false,
      ],
      [
        'several keys: all hold',
        { utm: { source: ['newsletter'], campaign: ['spring'] } },
        { query: { utm_source: 'newsletter', utm_campaign: 'spring' } },
        true,
      ],
      [
        'each key falls back on its own (source from the page, campaign from params)',
        { utm: { source: ['newsletter'], campaign: ['spring'] } },
        { query: { utm_source: 'newsletter' }, params: { utm_campaign: 'spring' } },
        true,
      ],
      ['an empty utm object is no condition', { utm: {} }, {}, true],
    ]);
  });

  describe('ref: same lookup as utm, on the `ref` parameter', () => {
    table([
      ['from the page query', { ref: ['producthunt'] }, { query: { ref: 'producthunt' } }, true],
      ['from first-session params', { ref: ['producthunt'] }, { params: { ref: 'producthunt' } }, true],
      ['the page wins', { ref: ['producthunt'] }, { query: { ref: 'twitter' }, params: { ref: 'producthunt' } }, false],
      ['case-insensitive', { ref: ['ProductHunt'] }, { query: { ref: 'producthunt' } }, true],
      ['absent', { ref: ['producthunt'] }, {}, false],
      ['only `ref`, not `source` or `via`', { ref: ['producthunt'] }, { query: { source: 'producthunt', via: 'producthunt' } }, false],
      ['a list is "any of"', { ref: ['hn', 'producthunt'] }, { params: { ref: 'hn' } }, true],
    ]);
  });

  describe('referrer: globs on host (pattern without /) or host + path (pattern with /)', () => {
    table([
      ['"" matches no referrer (null)', { referrer: [''] }, { referrer: null }, true],
      ['"" matches an empty referrer', { referrer: [''] }, { referrer: '' }, true],
      ['"" does not match a real referrer', { referrer: [''] }, { referrer: 'https://www.google.com/' }, false],
      ['no referrer does not match a host pattern', { referrer: ['*'] }, { referrer: null }, false],
      ['a referrer that is not a URL counts as none: matches ""', { referrer: [''] }, { referrer: 'not a url' }, true],
      ['a referrer that is not a URL matches no pattern', { referrer: ['*', '**'] }, { referrer: 'not a url' }, false],
      ['a bare host without scheme is not a URL', { referrer: ['google.com'] }, { referrer: 'google.com' }, false],
      ['a URL without a host counts as none', { referrer: [''] }, { referrer: 'file:///tmp/page.html' }, true],
      ['*.google.* matches www.google.com', { referrer: ['*.google.*'] }, { referrer: 'https://www.google.com/search?q=x' }, true],
      ['*.google.* matches www.google.co.uk', { referrer: ['*.google.*'] }, { referrer: 'https://www.google.co.uk/' }, true],
      ['*.google.* does not match google.com', { referrer: ['*.google.*'] }, { referrer: 'https://google.com/' }, false],
      ['a host pattern matches any path on that host', { referrer: ['news.ycombinator.com'] }, { referrer: 'https://news.ycombinator.com/item?id=1' }, true],
      ['a host pattern is the whole host', { referrer: ['ycombinator.com'] }, { referrer: 'https://news.ycombinator.com/' }, false],
      ['host + path, query ignored', { referrer: ['news.ycombinator.com/item'] }, { referrer: 'https://news.ycombinator.com/item?id=1' }, true],
      ['host + path: another path', { referrer: ['news.ycombinator.com/item'] }, { referrer: 'https://news.ycombinator.com/newest' }, false],
      ['host + /** matches the home page', { referrer: ['news.ycombinator.com/**'] }, { referrer: 'https://news.ycombinator.com' }, true],
      ['host + /** matches deep pages', { referrer: ['news.ycombinator.com/**'] }, { referrer: 'https://news.ycombinator.com/a/b' }, true],
      ['host + "/" is the home page only', { referrer: ['news.ycombinator.com/'] }, { referrer: 'https://news.ycombinator.com/item' }, false],
      ['case-insensitive host and path', { referrer: ['news.ycombinator.com/item'] }, { referrer: 'https://NEWS.YCombinator.com/Item' }, true],
      ['the scheme does not matter (http)', { referrer: ['example.com'] }, { referrer: 'http://example.com/' }, true],
      ['the port is ignored', { referrer: ['localhost'] }, { referrer: 'http://localhost:3000/x' }, true],
      ['a port in the pattern never matches', { referrer: ['localhost:3000'] }, { referrer: 'http://localhost:3000/x' }, false],
      ['an app referrer has a host', { referrer: ['com.google.android.gm'] }, { referrer: 'android-app://com.google.android.gm/' }, true],
      ['t.co', { referrer: ['t.co'] }, { referrer: 'https://t.co/abc123' }, true],
      ['surrounding spaces are trimmed', { referrer: ['t.co'] }, { referrer: '  https://t.co/abc123 ' }, true],
      ['a list is "any of": none or google (none)', { referrer: ['', '*.google.*'] }, { referrer: null }, true],
      ['a list is "any of": none or google (google)', { referrer: ['', '*.google.*'] }, { referrer: 'https://www.google.de/' }, true],
      ['a list is "any of": none or google (bing)', { referrer: ['', '*.google.*'] }, { referrer: 'https://www.bing.com/' }, false],
    ]);

    it.each<[string | null, { host: string; path: string } | null]>([
      [null, null],
      ['', null],
      ['   ', null],
      ['nonsense', null],
      ['file:///x', null],
      ['https://Example.COM:8443/a/B?q=1#h', { host: 'example.com', path: '/a/B' }],
      ['https://example.com', { host: 'example.com', path: '/' }],
    ])('referrerParts(%j) → %j', (referrer, parts) => {
      expect(referrerParts(referrer)).toEqual(parts);
    });
  });

  describe('country and device: case-insensitive, a visitor without one never matches', () => {
    table([
      ['US in [us]', { country: ['us'] }, { country: 'US' }, true],
      ['FR in [DE, FR]', { country: ['DE', 'FR'] }, { country: 'FR' }, true],
      ['US not in [DE, FR]', { country: ['DE', 'FR'] }, { country: 'US' }, false],
      ['no country', { country: ['US'] }, { country: null }, false],
      ['mobile in [Mobile]', { device: ['Mobile'] }, { device: 'mobile' }, true],
      ['mobile in [desktop, mobile]', { device: ['desktop', 'mobile'] }, { device: 'mobile' }, true],
      ['mobile not in [desktop]', { device: ['desktop'] }, { device: 'mobile' }, false],
      ['tablet not in [mobile]', { device: ['mobile'] }, { device: 'tablet' }, false],
      ['no device', { device: ['desktop'] }, { device: null }, false],
    ]);
  });

  describe('visit count: at least n, below n', () => {
    table([
      ['3 visits, at least 3', { visitCountAtLeast: 3 }, { visits: 3 }, true],
      ['2 visits, at least 3', { visitCountAtLeast: 3 }, { visits: 2 }, false],
      ['0 visits, at least 0', { visitCountAtLeast: 0 }, { visits: 0 }, true],
      ['2 visits, below 3', { visitCountBelow: 3 }, { visits: 2 }, true],
      ['3 visits, below 3', { visitCountBelow: 3 }, { visits: 3 }, false],
      ['1 visit, below 2 (first visit)', { visitCountBelow: 2 }, { visits: 1 }, true],
      ['between 2 and 5: 4', { visitCountAtLeast: 2, visitCountBelow: 5 }, { visits: 4 }, true],
      ['between 2 and 5: 5', { visitCountAtLeast: 2, visitCountBelow: 5 }, { visits: 5 }, false],
    ]);
  });

  describe('goals: all of goalsCompleted, none of goalsNotCompleted', () => {
    table([
      ['one goal completed', { goalsCompleted: ['signup'] }, { goals: ['signup'] }, true],
      ['one goal not completed', { goalsCompleted: ['signup'] }, { goals: ['pricing_viewed'] }, false],
      ['all of two completed', { goalsCompleted: ['signup', 'trial_started'] }, { goals: ['trial_started', 'signup', 'x'] }, true],
      ['only one of two completed (goalsCompleted is "all of")', { goalsCompleted: ['signup', 'trial_started'] }, { goals: ['signup'] }, false],
      ['no goals at all', { goalsCompleted: ['signup'] }, {}, false],
      ['case-insensitive', { goalsCompleted: ['Signup'] }, { goals: ['signup'] }, true],
      ['not completed: absent', { goalsNotCompleted: ['signup'] }, { goals: ['x'] }, true],
      ['not completed: present', { goalsNotCompleted: ['signup'] }, { goals: ['signup'] }, false],
      ['not completed: any one of the list present', { goalsNotCompleted: ['signup', 'newsletter'] }, { goals: ['newsletter'] }, false],
      ['not completed: no goals at all', { goalsNotCompleted: ['signup'] }, {}, true],
      ['both lists', { goalsCompleted: ['trial_started'], goalsNotCompleted: ['payment'] }, { goals: ['trial_started'] }, true],
      ['both lists, excluded goal present', { goalsCompleted: ['trial_started'], goalsNotCompleted: ['payment'] }, { goals: ['trial_started', 'payment'] }, false],
    ]);
  });

  describe('conditions combine with AND', () => {
    const conditions: RuleConditions = {
      segment: ['high'],
      path: ['/pricing'],
      country: ['US'],
      device: ['desktop'],
      visitCountAtLeast: 2,
      utm: { source: ['google'] },
      referrer: ['*.google.*'],
      goalsNotCompleted: ['signup'],
      scoreAbove: 60,
      confidenceAtLeast: 0.5,
      customer: false,
    };
    const all: Shape = {
      segment: 'high',
      score: 80,
      confidence: 0.8,
      path: '/pricing',
      country: 'US',
      device: 'desktop',
      visits: 2,
      query: { utm_source: 'google' },
      referrer: 'https://www.google.com/',
    };

    it('all hold → match', () => {
      expect(when(conditions, all)).toBe(true);
    });

    it.each<[string, Shape]>([
      ['segment', { segment: 'average' }],
      ['path', { path: '/about' }],
      ['country', { country: 'DE' }],
      ['device', { device: 'mobile' }],
      ['visit count', { visits: 1 }],
      ['utm source', { query: { utm_source: 'bing' } }],
      ['referrer', { referrer: null }],
      ['goals', { goals: ['signup'] }],
      ['score', { score: 60 }],
      ['confidence', { confidence: 0.4 }],
      ['customer', { goals: ['payment'] }],
      ['prediction', { noPrediction: true }],
    ])('one failing (%s) → no match', (_label, change) => {
      expect(when(conditions, { ...all, ...change })).toBe(false);
    });
  });

  describe('firstMatch: ordered, the first rule whose conditions all hold wins', () => {
    const rules: Rule[] = [
      { id: 'checkout-quiet', when: { path: ['/checkout/**'] }, then: { offer: null } },
      { id: 'customers', when: { customer: true }, then: { offer: null } },
      { id: 'pricing-low', when: { path: ['/pricing'], scoreBelow: 40 }, then: { experiment: 'pricing-coupon' } },
      { id: 'pricing', when: { path: ['/pricing'] }, then: { offer: 'popular-plan-urgency' } },
      { id: 'high', when: { segment: ['high'] }, then: { offer: 'popular-plan-urgency' } },
    ];
    const compiled = compileRules(rules);

    it.each<[string, Shape, string | undefined]>([
      ['a customer on checkout: the earlier rule wins', { path: '/checkout/pay', goals: ['payment'] }, 'checkout-quiet'],
      ['a customer on pricing', { path: '/pricing', goals: ['payment'], score: 10 }, 'customers'],
      ['a low scorer on pricing: the more specific rule listed first', { path: '/pricing', score: 10 }, 'pricing-low'],
      ['an average visitor on pricing', { path: '/pricing', score: 50 }, 'pricing'],
      ['a high visitor on pricing: pricing comes before high', { path: '/pricing', score: 90, segment: 'high' }, 'pricing'],
      ['a high visitor elsewhere', { path: '/features', segment: 'high' }, 'high'],
      ['nothing matches', { path: '/features', segment: 'average' }, undefined],
    ])('%s → %s', (_label, shape, id) => {
      expect(firstMatch(compiled, ctxOf(shape))?.id).toBe(id);
    });

    it('an empty rule list matches nothing', () => {
      expect(firstMatch([], ctxOf())).toBeUndefined();
    });

    it('a catch-all at the end catches what nothing else did', () => {
      const withFallback = compileRules([...rules, { id: 'fallback', when: {}, then: { offer: 'starter-guide' } }]);
      expect(firstMatch(withFallback, ctxOf({ path: '/features' }))?.id).toBe('fallback');
      expect(firstMatch(withFallback, ctxOf({ path: '/pricing' }))?.id).toBe('pricing');
    });

    it('the matched rule carries its action', () => {
      expect(firstMatch(compiled, ctxOf({ path: '/pricing', score: 10 }))?.then).toEqual({ experiment: 'pricing-coupon' });
      expect(firstMatch(compiled, ctxOf({ path: '/checkout/x' }))?.then).toEqual({ offer: null });
    });
  });

  describe('compileRules', () => {
    it('keeps order, ids, conditions and actions', () => {
      const rules: Rule[] = [
        { id: 'a', when: { segment: ['low'] }, then: { offer: 'x' } },
        { id: 'b', when: {}, then: { experiment: 'e' } },
      ];
      const compiled = compileRules(rules);
      expect(compiled.map((r) => [r.id, r.when, r.then])).toEqual(rules.map((r) => [r.id, r.when, r.then]));
    });

    it('has one check per condition present (utm: one per key)', () => {
      expect(compileRule({ id: 'a', when: {}, then: { offer: null } }).checks).toHaveLength(0);
      const rule = compileRule({
        id: 'a',
        when: { segment: ['low'], path: ['/x'], utm: { source: ['a'], campaign: ['b'] }, referrer: [''] },
        then: { offer: null },
      });
      expect(rule.checks).toHaveLength(5);
    });

    it('builds no RegExp when matching', () => {
      const compiled = compileRules([{ id: 'a', when: { path: ['/blog/**'], referrer: ['*.google.*', 'x.com/**'] }, then: { offer: null } }]);
      const Original = globalThis.RegExp;
      let built = 0;
      globalThis.RegExp = new Proxy(Original, {
        construct(target, args: [string, string?]) {
          built++;
          return new target(...args);
        },
      });
      try {
        for (let i = 0; i < 10; i++) matches(compiled[0]!, ctxOf({ path: '/blog/a', referrer: 'https://x.com/a' }));
      } finally {
        globalThis.RegExp = Original;
      }
      expect(built).toBe(0);
    });

    it('does not change the rules it is given', () => {
      const rule: Rule = { id: 'a', when: { country: ['us'], device: ['Mobile'], path: ['/x/'] }, then: { offer: null } };
      const copy = structuredClone(rule);
      compileRules([rule]);
      expect(rule).toEqual(copy);
    });
  });
});
