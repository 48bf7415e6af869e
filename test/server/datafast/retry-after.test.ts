import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../../server/datafast/retry-after';

const NOW = Date.parse('2015-10-21T07:28:00.000Z');

describe('parseRetryAfter', () => {
  describe('delta-seconds', () => {
    it.each<[string, number]>([
      ['0', 0],
      ['1', 1_000],
      ['120', 120_000],
      ['3600', 3_600_000],
      [' 30 ', 30_000],
      ['007', 7_000],
    ])('reads "%s" as %d ms', (value, ms) => {
      expect(parseRetryAfter(value, NOW)).toBe(ms);
    });

    it('does not depend on the clock', () => {
      expect(parseRetryAfter('5', 0)).toBe(5_000);
      expect(parseRetryAfter('5', NOW)).toBe(5_000);
    });
  });

  describe('HTTP date', () => {
    it.each<[string, string, number]>([
      ['IMF-fixdate 90 s ahead', 'Wed, 21 Oct 2015 07:29:30 GMT', 90_000],
      ['obsolete RFC 850 date 60 s ahead', 'Wednesday, 21-Oct-15 07:29:00 GMT', 60_000],
    ])('reads an %s as the time until then', (_label, value, ms) => {
      expect(parseRetryAfter(value, NOW)).toBe(ms);
    });

    it('reads an obsolete asctime date a day ahead as a pause of about a day', () => {
      // asctime carries no zone and Date.parse reads it as local time: allow for any offset.
      const ms = parseRetryAfter('Thu Oct 22 07:28:00 2015', NOW);
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThanOrEqual(2 * 86_400_000);
    });

    it('reads a date that is now as no pause', () => {
      expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', NOW)).toBe(0);
    });

    it.each(['Wed, 21 Oct 2015 07:27:59 GMT', 'Thu, 01 Jan 1970 00:00:00 GMT'])('reads the past date "%s" as no pause, never negative', (value) => {
      expect(parseRetryAfter(value, NOW)).toBe(0);
    });
  });

  describe('values it cannot read (the caller then uses its default pause)', () => {
    it.each<[string, string | null]>([
      ['null (no header)', null],
      ['empty', ''],
      ['blank', '   '],
      ['a word', 'soon'],
      ['a word and a number', 'soon 2'],
      ['fractional seconds', '1.5'],
      ['negative seconds', '-5'],
      ['seconds with a unit', '120s'],
      ['seconds in words', '120 seconds'],
      ['hex', '0x10'],
      ['exponent', '1e3'],
      ['a date without a time of day', 'Wed, 21 Oct 2015'],
      ['a broken date', 'Wed, 32 Foo 2015 07:28:00 GMT'],
    ])('%s', (_label, value) => {
      expect(parseRetryAfter(value, NOW)).toBeUndefined();
    });
  });
});
