// The dashboard's pure formatters (widget/dashboard/format.ts), run in Node: flags, names, ages, money.
import { describe, expect, it } from 'vitest';
import { confidence, countryName, flagEmoji, kindLabel, minutesAgo, money, pct, pValue, score, secondsAgo, signedPct } from '../../widget/dashboard/format';

describe('dashboard formatters', () => {
  it('turns a country code into its flag emoji (regional indicators), and anything else into nothing', () => {
    expect(flagEmoji('DE')).toBe('🇩🇪');
    expect(flagEmoji('US')).toBe('\u{1F1FA}\u{1F1F8}');
    for (const bad of [null, undefined, '', 'de', 'DEU', 'D1']) expect(flagEmoji(bad)).toBe('');
  });

  it('names countries in English, falling back to the code', () => {
    expect(countryName('DE')).toBe('Germany');
    expect(countryName('GB')).toBe('United Kingdom');
    expect(countryName('ZZ')).toMatch(/^(ZZ|Unknown Region)$/);
  });

  it('formats rates, lifts and p-values, with a dash for missing values', () => {
    expect(pct(0.1234)).toBe('12.3%');
    expect(pct(0.0218, 2)).toBe('2.18%');
    expect(pct(null)).toBe('—');
    expect(signedPct(2.052)).toBe('+205.2%');
    expect(signedPct(-0.1)).toBe('−10.0%');
    expect(signedPct(null)).toBe('—');
    expect(pValue(0.00181)).toBe('0.0018');
    expect(pValue(0.00001)).toBe('< 0.0001');
    expect(pValue(null)).toBe('—');
  });

  it('says how long ago, in seconds, minutes or hours', () => {
    expect(secondsAgo(0.4)).toBe('just now');
    expect(secondsAgo(12.9)).toBe('12 s ago');
    expect(secondsAgo(185)).toBe('3 min ago');
    expect(secondsAgo(7300)).toBe('2 h ago');
    expect(secondsAgo(-5)).toBe('just now');
    expect(minutesAgo(0)).toBe('just now');
    expect(minutesAgo(4)).toBe('4 min ago');
    expect(minutesAgo(125)).toBe('2 h ago');
  });

  it('formats money with its currency, and copes with unknown or missing ones', () => {
    expect(money(49, 'USD')).toBe('$49.00');
    expect(money(19, 'EUR')).toBe('€19.00');
    expect(money(12.5, null)).toBe('12.5');
    expect(money(null, 'USD')).toBe('—');
    expect(money(5, 'XXXX')).toBe('5 XXXX');
  });

  it('formats scores, confidences and offer kinds', () => {
    expect(score(22.4)).toBe('22');
    expect(score(null)).toBe('—');
    expect(confidence(0.8)).toBe('0.80');
    expect(kindLabel('lead_magnet')).toBe('lead magnet');
  });
});
