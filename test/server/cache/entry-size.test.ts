// The estimate the visitor cache is bounded by: it grows with what a record holds, and a record at
// every parser cap still weighs a few tens of kB, so maxBytes means something.
import { describe, expect, it } from 'vitest';
import { entryBytes } from '../../../server/cache/entry-size';
import { parseVisitorResponse, VISITOR_LIMITS, VISITOR_PARAMS, type Visitor } from '../../../server/datafast/visitor';
import type { VisitorLookup } from '../../../server/datafast/lookup';

const ID = '3f6c2a1e-9b4d-4c8e-a7f2-1d5e8b9c0a3f';

function found(data: Record<string, unknown>): VisitorLookup {
  const visitor: Visitor | null = parseVisitorResponse({ status: 'success', data: { visitorId: ID, ...data } });
  if (!visitor) throw new Error('did not parse');
  return { kind: 'found', visitor };
}

describe('entryBytes', () => {
  it('charges a bot or unknown answer little, a bare found record more', () => {
    const negative = entryBytes({ kind: 'unknown' }, ID);
    const bare = entryBytes(found({}), ID);
    expect(negative).toBeGreaterThan(0);
    expect(bare).toBeGreaterThan(negative);
    expect(entryBytes({ kind: 'bot' }, ID)).toBe(negative);
  });

  it('grows with the strings, params and goals a record holds, two bytes a character', () => {
    const bare = entryBytes(found({}), ID);
    const withParam = entryBytes(found({ identity: { params: { utm_source: 'x'.repeat(100) } } }), ID);
    const withGoal = entryBytes(found({ activity: { completedGoals: [{ name: 'g'.repeat(10) }] } }), ID);
    expect(withParam - bare).toBeGreaterThanOrEqual(200);
    expect(withGoal - bare).toBeGreaterThanOrEqual(20);
  });

  it('weighs a record at every cap at less than 40 kB', () => {
    const params = Object.fromEntries(VISITOR_PARAMS.map((k) => [k, 'p'.repeat(100_000)]));
    const completedGoals = Array.from({ length: 10_000 }, (_, i) => ({ name: `${i}`.padEnd(VISITOR_LIMITS.goalNameLength, 'g'), timestamp: '2026-02-05T06:00:00.000+00:00' }));
    const bytes = entryBytes(found({ identity: { params, browser: 'b'.repeat(1_000) }, activity: { completedGoals } }), ID);
    expect(bytes).toBeGreaterThan(20_000);
    expect(bytes).toBeLessThan(40_000);
  });
});
