// The shared cache's encoding of an answer: every answer the cache keeps comes back as it went in
// (the visitor id from the caller, never from the bytes), and anything else decodes to null.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLookup, encodeLookup, type CachedLookup } from '../../../server/cache/visitor-codec';
import type { Visitor } from '../../../server/datafast/visitor';

const VISITOR_ID = '3f6c2a1e-8b4d-4c7a-9e2f-1a5b6c7d8e01';

const text = fc.option(fc.string({ maxLength: 64 }), { nil: null });
const visitor: fc.Arbitrary<Visitor> = fc.record({
  visitorId: fc.constant(VISITOR_ID),
  identity: fc.record({
    countryCode: text,
    browser: text,
    os: text,
    deviceType: text,
    params: fc.dictionary(fc.constantFrom('ref', 'source', 'via', 'utm_source', 'utm_medium', 'utm_campaign'), fc.string({ maxLength: 256 })),
  }),
  activity: fc.record({
    visitCount: fc.nat(),
    pageViewCount: fc.nat(),
    firstVisitAt: text,
    lastVisitAt: text,
    completedGoals: fc.array(
      fc.record({ name: fc.string({ minLength: 1, maxLength: 64 }), timestamp: text, origin: fc.constantFrom(null, 'manual' as const, 'payment_provider' as const) }),
      { maxLength: 20 },
    ),
  }),
  identified: fc.boolean(),
  prediction: fc.option(
    fc.record({
      score: fc.integer({ min: 0, max: 100 }),
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
      conversionRate: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
      expectedValue: fc.option(fc.double({ min: 0, max: 10_000, noNaN: true }), { nil: null }),
    }),
    { nil: null },
  ),
  behaviour: fc.record({ avgSessionSeconds: fc.option(fc.nat(), { nil: null }), visitedPricing: fc.boolean(), visitedCheckout: fc.boolean(), referrerHost: fc.option(fc.domain(), { nil: null }) }),
}, { requiredKeys: ['visitorId', 'identity', 'activity', 'identified', 'prediction'] });

const lookup: fc.Arbitrary<CachedLookup> = fc.oneof(
  visitor.map((v) => ({ kind: 'found' as const, visitor: v })),
  visitor.map((v) => ({ kind: 'found' as const, visitor: v, stale: true })),
  fc.constant({ kind: 'bot' as const }),
  fc.constant({ kind: 'unknown' as const }),
  fc.constantFrom('too-large' as const, 'malformed' as const).map((cause) => ({ kind: 'unusable' as const, cause })),
);

describe('encodeLookup / decodeLookup', () => {
  it('gives back every answer the cache keeps', () => {
    fc.assert(
      fc.property(lookup, (value) => {
        expect(decodeLookup(encodeLookup(value), VISITOR_ID)).toEqual(value);
      }),
    );
  });

  it('does not store the visitor id: the caller supplies it', () => {
    const value: CachedLookup = { kind: 'found', visitor: { visitorId: VISITOR_ID, identity: { countryCode: 'FR', browser: 'Firefox', os: 'Linux', deviceType: 'desktop', params: { utm_source: 'x' } }, activity: { visitCount: 3, pageViewCount: 9, firstVisitAt: null, lastVisitAt: null, completedGoals: [{ name: 'signup', timestamp: null, origin: 'manual' }] }, identified: true, prediction: { score: 70, confidence: 0.8, conversionRate: null, expectedValue: null } } };
    const text = encodeLookup(value);
    expect(text).not.toContain(VISITOR_ID);
    expect(text).not.toContain(VISITOR_ID.slice(0, 8));
    // Compact: no field names.
    expect(text).not.toContain('countryCode');
    expect(text.length).toBeLessThan(120);
  });

  it.each([
    ['not JSON', '{'],
    ['not an array', '{"kind":"bot"}'],
    ['another format', '[2,2]'],
    ['an unknown kind', '[1,9]'],
    ['a bot with extras', '[1,2,0]'],
    ['an unusable record with another cause', '[1,4,"timeout"]'],
    ['a found record cut short', '[1,1,0,"FR"]'],
    ['a goal with an unknown origin', '[1,1,0,null,null,null,null,[],1,1,null,null,["signup",null,7],0,null]'],
    ['params of odd length', '[1,1,0,null,null,null,null,["ref"],1,1,null,null,[],0,null]'],
    ['a non-numeric visit count', '[1,1,0,null,null,null,null,[],"1",1,null,null,[],0,null]'],
    ['a prediction of three numbers', '[1,1,0,null,null,null,null,[],1,1,null,null,[],0,[1,2,3]]'],
  ])('refuses %s', (_what, text) => {
    expect(decodeLookup(text, VISITOR_ID)).toBeNull();
  });

  it('reads the well-formed record those are broken from', () => {
    expect(decodeLookup('[1,1,0,null,null,null,null,["ref","x"],1,1,null,null,["signup",null,1],0,null]', VISITOR_ID)).toMatchObject({
      kind: 'found',
      visitor: { visitorId: VISITOR_ID, identity: { params: { ref: 'x' } }, activity: { completedGoals: [{ name: 'signup', origin: 'manual' }] } },
    });
  });
});
