import { describe, expect, it } from 'vitest';
import { parseOffersFile, type OffersFileResult } from '../../server/offers-file';

function errorOf(result: OffersFileResult): string {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.decisions)}`);
  return result.error;
}

describe('parseOffersFile', () => {
  describe('a valid file', () => {
    it('gives the thresholds and segment offers it sets', () => {
      const result = parseOffersFile(
        JSON.stringify({
          $schema: './offers.schema.json',
          thresholds: { low: 30, high: 70, minConfidence: 0.6 },
          bySegment: { low: 'welcome-coupon', high: 'popular-plan-urgency', average: null },
        }),
      );
      expect(result).toEqual({
        ok: true,
        decisions: {
          thresholds: { low: 30, high: 70, minConfidence: 0.6 },
          bySegment: { low: 'welcome-coupon', high: 'popular-plan-urgency', average: null },
        },
      });
    });

    it('keeps an explicit null ("no offer for this segment") and leaves out what the file does not set', () => {
      const result = parseOffersFile('{"thresholds":{"low":35},"bySegment":{"unknown":null}}');
      if (!result.ok) throw new Error(result.error);
      expect(Object.keys(result.decisions.thresholds ?? {})).toEqual(['low']);
      expect(result.decisions.bySegment).toStrictEqual({ unknown: null });
    });

    it('accepts an empty object: everything stays at its default', () => {
      const result = parseOffersFile('{}');
      if (!result.ok) throw new Error(result.error);
      expect(result.decisions.thresholds).toEqual({});
      expect(result.decisions.bySegment).toBeUndefined();
    });

    it('accepts equal low and high thresholds (no average band)', () => {
      expect(parseOffersFile('{"thresholds":{"low":50,"high":50}}').ok).toBe(true);
    });

    it.each([
      ['0 and 100 as thresholds', '{"thresholds":{"low":0,"high":100}}'],
      ['a minConfidence of 0', '{"thresholds":{"minConfidence":0}}'],
      ['a minConfidence of 1', '{"thresholds":{"minConfidence":1}}'],
      ['offer ids with digits, _ and -', '{"bySegment":{"low":"spring_2026-coupon"}}'],
    ])('accepts %s', (_label, text) => {
      expect(parseOffersFile(text).ok).toBe(true);
    });
  });

  describe('a file that is not JSON', () => {
    it.each([
      ['a trailing comma', '{"thresholds":{"low":30,},}'],
      ['a comment', '{"thresholds":{"low":30 /* percent */}}'],
      ['an empty file', ''],
      ['YAML', 'thresholds:\n  low: 30\n'],
    ])('is reported as not valid JSON (%s)', (_label, text) => {
      expect(errorOf(parseOffersFile(text))).toMatch(/^not valid JSON \(.+\)$/);
    });
  });

  describe('errors name the exact place', () => {
    it.each([
      ['a string threshold', '{"thresholds":{"low":"30"}}', /^thresholds\.low: .*expected number/],
      ['a threshold above 100', '{"thresholds":{"high":101}}', /^thresholds\.high: /],
      ['a negative threshold', '{"thresholds":{"low":-1}}', /^thresholds\.low: /],
      ['a confidence above 1', '{"thresholds":{"minConfidence":1.5}}', /^thresholds\.minConfidence: /],
      ['thresholds that are not an object', '{"thresholds":[40,60]}', /^thresholds: /],
      ['an unknown key in thresholds', '{"thresholds":{"medium":50}}', /^thresholds: .*"medium"/],
      ['an unknown top-level key', '{"offer":{}}', /^\(top level\): .*"offer"/],
      ['a misspelt top-level key', '{"bySegments":{}}', /^\(top level\): .*"bySegments"/],
      ['a top-level array', '[]', /^\(top level\): .*expected object/],
      ['a top-level null', 'null', /^\(top level\): /],
      ['an unknown segment', '{"bySegment":{"vip":"welcome-coupon"}}', /^bySegment: .*"vip"/],
      ['an offer id with spaces and capitals', '{"bySegment":{"low":"Welcome Coupon!"}}', /^bySegment\.low: expected an offer id/],
      ['an offer id that is a number', '{"bySegment":{"high":7}}', /^bySegment\.high: /],
      ['an empty offer id', '{"bySegment":{"unknown":""}}', /^bySegment\.unknown: expected an offer id/],
      ['an offer id of 65 characters', `{"bySegment":{"customer":"${'a'.repeat(65)}"}}`, /^bySegment\.customer: expected an offer id/],
    ])('%s', (_label, text, expected) => {
      expect(errorOf(parseOffersFile(text))).toMatch(expected);
    });

    it('rejects a low threshold above the high one, saying both values', () => {
      expect(errorOf(parseOffersFile('{"thresholds":{"low":70,"high":30}}'))).toBe(
        'thresholds.low: must not exceed thresholds.high (70 > 30)',
      );
    });

    it('gives one line', () => {
      expect(errorOf(parseOffersFile('{"thresholds":{"low":"a","high":"b"},"x":1}'))).not.toContain('\n');
    });
  });
});
