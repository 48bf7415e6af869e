// The goal names this server sends and the POST /api/v1/goals body, against DataFast's rules
// (the safe subset every doc generation accepts).
import { describe, expect, it } from 'vitest';
import {
  GOAL_NAMES,
  GoalBodyError,
  MAX_METADATA_VALUE_LENGTH,
  SAFE_GOAL_NAME,
  goalBody,
  isGoalName,
  sanitizeMetadataValue,
} from '../../../server/datafast/goals';

const VISITOR = '3f6c2a1e-8b4d-4c7a-9e2f-1a5b6c7d8e01';

describe('goal names', () => {
  it('are the documented five, each within the safe subset and distinct', () => {
    expect(Object.values(GOAL_NAMES).sort()).toEqual(
      ['offer_click', 'offer_conversion', 'offer_dismiss', 'offer_exposure', 'offer_lead'].sort(),
    );
    for (const name of Object.values(GOAL_NAMES)) {
      expect(name).toMatch(SAFE_GOAL_NAME);
      expect(isGoalName(name)).toBe(true);
      // Never the reserved name, and valid under every doc generation (max 32, no colon).
      expect(name).not.toBe('identify');
      expect(name.length).toBeLessThanOrEqual(32);
    }
  });

  it.each(['', 'Offer_Click', 'offer click', 'offer:click', 'a'.repeat(33), 'offer.click', 'ofér'])('rejects %j', (name) => {
    expect(isGoalName(name)).toBe(false);
    expect(() => goalBody(VISITOR, name, { offer: 'x' })).toThrow(GoalBodyError);
  });
});

describe('goalBody', () => {
  it('builds the documented body with datafast_visitor_id, name and metadata', () => {
    expect(goalBody(VISITOR, GOAL_NAMES.exposure, { offer: 'spring-coupon', experiment: 'exp1', variant: 'b' })).toEqual({
      datafast_visitor_id: VISITOR,
      name: 'offer_exposure',
      metadata: { offer: 'spring-coupon', experiment: 'exp1', variant: 'b' },
    });
  });

  it('drops undefined and empty values', () => {
    expect(goalBody(VISITOR, GOAL_NAMES.click, { offer: 'o1', experiment: undefined, variant: '  ' }).metadata).toEqual({
      offer: 'o1',
    });
  });

  it('requires the offer and a visitor id', () => {
    expect(() => goalBody(VISITOR, GOAL_NAMES.click, { offer: '' })).toThrow(/offer/);
    expect(() => goalBody('', GOAL_NAMES.click, { offer: 'o1' })).toThrow(/visitor/);
  });

  it('accepts up to 10 metadata keys and refuses an 11th', () => {
    const ten: Record<string, string> = { offer: 'o' };
    for (let i = 1; i < 10; i++) ten[`k${i}`] = 'v';
    expect(Object.keys(goalBody(VISITOR, GOAL_NAMES.click, { offer: 'o', ...ten }).metadata)).toHaveLength(10);
    expect(() => goalBody(VISITOR, GOAL_NAMES.click, { offer: 'o', ...ten, k10: 'v' })).toThrow(/10 metadata keys/);
  });

  it.each(['Offer', 'has space', 'a:b', 'k'.repeat(33), ''])('refuses the metadata key %j', (key) => {
    expect(() => goalBody(VISITOR, GOAL_NAMES.click, { offer: 'o', [key]: 'v' })).toThrow(GoalBodyError);
  });

  it('refuses a non-string value (a caller bypassing the types)', () => {
    const metadata = { offer: 'o', n: 5 } as unknown as { offer: string };
    expect(() => goalBody(VISITOR, GOAL_NAMES.click, metadata)).toThrow(/string/);
  });

  it('cuts long values to 255 characters without splitting a surrogate pair', () => {
    const body = goalBody(VISITOR, GOAL_NAMES.click, { offer: 'x'.repeat(300), variant: '😀'.repeat(300) });
    expect(body.metadata.offer).toHaveLength(MAX_METADATA_VALUE_LENGTH);
    expect(Array.from(body.metadata.variant ?? '')).toHaveLength(MAX_METADATA_VALUE_LENGTH);
    expect(body.metadata.variant).toBe('😀'.repeat(255));
  });

  it('removes control characters and trims', () => {
    expect(sanitizeMetadataValue('  a\u0000b\nc\u007f ')).toBe('abc');
    expect(goalBody(VISITOR, GOAL_NAMES.click, { offer: '\toffer-1\r\n' }).metadata.offer).toBe('offer-1');
  });

  it('serialises to JSON that the rules accept', () => {
    const body = JSON.parse(JSON.stringify(goalBody(VISITOR, GOAL_NAMES.lead, { offer: 'ebook' }))) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['datafast_visitor_id', 'metadata', 'name']);
  });
});
