// dashboardSnapshot: pure assembly of the operator dashboard's data from the parsed realtime map
// (the simulator's seed, as DataFast documents it), the policy and experiment results. Each active
// visitor is decided by the real decide(); nothing personal survives into the serialised snapshot.
import { describe, expect, it } from 'vitest';
import { personas, realtimeSeed } from '../../../demo/personas';
import {
  dashboardSnapshot,
  MAX_EVENTS,
  MAX_VISITORS,
  pageOf,
  visitorOf,
  type DashboardSnapshot,
  type DashboardVisitor,
} from '../../../server/dashboard/snapshot';
import { parseRealtimeMapResponse, type ActiveVisitor, type RealtimeMap } from '../../../server/datafast/realtime';
import { parseVisitorResponse } from '../../../server/datafast/visitor';
import { decide, type Policy } from '../../../server/decision/decide';
import { buildPolicy, type DecisionSettings } from '../../../server/decision/policy';
import { assign } from '../../../server/experiments/assign';
import { experimentResult, type ExperimentResult } from '../../../server/experiments/results';
import type { Experiment } from '../../../server/experiments/types';
import { FORBIDDEN_KEYS, keysOf, personalValues, SECRETS } from '../../support/forbidden';

const NOW = Date.parse('2026-02-06T12:00:00.000Z');
const MIN = 60_000;

function seededMap(now = NOW): { raw: Record<string, unknown>; map: RealtimeMap } {
  const raw = realtimeSeed(now);
  const map = parseRealtimeMapResponse({ status: 'success', data: raw });
  if (!map) throw new Error('the realtime seed does not parse');
  return { raw, map };
}

const snapshot = (policy: Policy, map: RealtimeMap | null = seededMap().map, results: ExperimentResult[] = []): DashboardSnapshot =>
  dashboardSnapshot({ map, policy, results, now: NOW });

/** The dashboard row of a seeded persona (ids are shortened to 8 characters). */
function rowOf(s: DashboardSnapshot, persona: keyof typeof personas): DashboardVisitor {
  const short = personas[persona].visitorId.slice(0, 8);
  const row = s.visitors.find((v) => v.visitorId === short);
  if (!row) throw new Error(`no dashboard row for ${persona}`);
  return row;
}

/** Every name, email, city, region and coordinate the realtime seed carries. */
function seedPersonalData(raw: unknown): string[] {
  const out = new Set<string>();
  const PERSONAL = new Set(['city', 'region', 'customerName', 'customerEmail', 'displayName', 'userId', 'name', 'email']);
  const walk = (v: unknown, key: string | null): void => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, key));
    // `system.browser.name` and friends are software names, not people.
    if (v && typeof v === 'object') return Object.entries(v).forEach(([k, x]) => k !== 'system' && walk(x, k));
    if (key === null) return;
    if (typeof v === 'string' && PERSONAL.has(key) && v.length >= 3) out.add(v);
    if (typeof v === 'number' && (key === 'latitude' || key === 'longitude')) out.add(String(v));
  };
  walk(raw, null);
  return [...out];
}

const HERO: Experiment = {
  id: 'hero',
  coverage: 1,
  status: 'running',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'urgency', weight: 1, offer: 'popular-plan-urgency' },
  ],
};

describe('dashboardSnapshot', () => {
  it('decides every seeded persona the way /offer would decide its full visitor record (default policy)', () => {
    const policy = buildPolicy();
    const s = snapshot(policy);
    for (const name of ['low', 'average', 'high', 'customer', 'identified', 'lowConfidence', 'legacyShape'] as const) {
      const full = parseVisitorResponse({ status: 'success', data: personas[name].data });
      if (!full) throw new Error(`persona ${name} does not parse`);
      const expected = decide({ kind: 'found', visitor: full }, policy);
      const row = rowOf(s, name);
      expect({ segment: row.segment, offer: row.offer?.id ?? null, reason: row.reason }, name).toEqual({
        segment: expected.segment,
        offer: expected.offer?.id ?? null,
        reason: expected.reason,
      });
    }
  });

  it('shows the offer and the rule per persona: low → coupon, high → urgency, thin data → lead magnet, customer → none', () => {
    const s = snapshot(buildPolicy());
    expect(rowOf(s, 'low')).toMatchObject({
      segment: 'low',
      offer: { id: 'welcome-coupon', kind: 'coupon' },
      experiment: null,
      reason: 'rule:default-low',
      countryCode: 'DE',
      deviceType: 'mobile',
      browser: 'Chrome Mobile',
      os: 'Android',
      page: '/blog/free-templates',
      visitCount: 1,
      score: 22,
      confidence: 0.81,
      isCustomer: false,
    });
    expect(rowOf(s, 'high')).toMatchObject({ segment: 'high', offer: { id: 'popular-plan-urgency', kind: 'urgency' } });
    expect(rowOf(s, 'lowConfidence')).toMatchObject({ segment: 'unknown', offer: { id: 'starter-guide', kind: 'lead_magnet' } });
    expect(rowOf(s, 'legacyShape')).toMatchObject({ segment: 'unknown', score: null, confidence: null });
    // The map gives customers score 100 / confidence 1; the payment goal makes them customers first.
    expect(rowOf(s, 'customer')).toMatchObject({ segment: 'customer', isCustomer: true, offer: null, reason: 'rule:default-customer' });
  });

  it('matches decide() on the realtime row for every visitor, with the page from currentUrl', () => {
    const settings: DecisionSettings = {
      rules: [
        { id: 'pricing-lead', when: { path: ['/pricing'], customer: false }, then: { offer: 'starter-guide' } },
        { id: 'mobile-coupon', when: { device: ['mobile'], country: ['DE'] }, then: { offer: 'welcome-coupon' } },
      ],
    };
    const policy = buildPolicy(settings);
    const { map } = seededMap();
    const s = snapshot(policy, map);
    expect(s.visitors).toHaveLength(map.visitors.length);
    map.visitors.forEach((row, i) => {
      const expected = decide({ kind: 'found', visitor: visitorOf(row) }, policy, pageOf(row.currentUrl) ?? undefined);
      const got = s.visitors[i];
      expect(got?.reason).toBe(expected.reason);
      expect(got?.segment).toBe(expected.segment);
      expect(got?.offer?.id ?? null).toBe(expected.offer?.id ?? null);
    });
    expect(rowOf(s, 'identified')).toMatchObject({ page: '/pricing', reason: 'rule:pricing-lead', offer: { kind: 'lead_magnet' } });
    expect(rowOf(s, 'customer').reason).toBe('rule:default-customer'); // on /pricing, but a customer
    expect(rowOf(s, 'low').reason).toBe('rule:mobile-coupon');
  });

  it('shows the experiment variant each enrolled visitor gets, and passes the results through', () => {
    const policy = buildPolicy({
      experiments: [HERO],
      rules: [{ id: 'hero-test', when: { segment: ['high', 'average'] }, then: { experiment: 'hero' } }],
    });
    const results = [experimentResult(HERO, new Map([['control', { exposures: 120, conversions: 3, orders: 0, revenue: {} }], ['urgency', { exposures: 118, conversions: 11, orders: 0, revenue: {} }]]))];
    const s = snapshot(policy, seededMap().map, results);
    for (const name of ['high', 'average', 'identified'] as const) {
      const a = assign(HERO, personas[name].visitorId);
      const row = rowOf(s, name);
      expect(row.experiment, name).toEqual({ id: 'hero', variant: a?.variantId });
      expect(row.reason).toBe('rule:hero-test');
      expect(row.offer?.id ?? null).toBe(a?.offerId ?? null);
    }
    expect(rowOf(s, 'low').experiment).toBeNull();
    expect(s.experiments).toEqual(results);
    expect(s.alpha).toBe(0.05);
    expect(s.thresholds).toEqual({ low: 40, high: 60, minConfidence: 0.5 });
  });

  it('never contains a name, email, city, region, coordinate, full visitor id or secret', () => {
    const { raw, map } = seededMap();
    const text = JSON.stringify(snapshot(buildPolicy(), map));
    const forbidden = [...seedPersonalData(raw), ...personalValues(), ...SECRETS];
    expect(forbidden).toEqual(expect.arrayContaining(['Marc Tremblay', 'marc.tremblay@example.com', 'aiko.tanaka@example.jp', 'Berlin', 'Jane Doe', '52.52']));
    for (const value of forbidden) expect(text, value).not.toContain(value);
    expect(text).not.toMatch(/@/);
    for (const v of map.visitors) expect(text).not.toContain(v.visitorId);
    const keys = keysOf(JSON.parse(text));
    for (const key of [...FORBIDDEN_KEYS, 'latitude', 'longitude', 'customerName', 'customerEmail', 'displayName', 'referrer']) {
      expect(keys, key).not.toContain(key);
    }
  });

  it('keeps only the path and campaign parameters of a page (a careless form can leave an email in a query)', () => {
    const { map } = seededMap();
    const row = (currentUrl: string | null): ActiveVisitor => ({ ...(map.visitors[0] as ActiveVisitor), currentUrl });
    const m: RealtimeMap = {
      ...map,
      visitors: [
        row('/welcome?email=jane%40example.com&utm_source=newsletter&name=Jane'),
        row('launchkit.example/pricing?ref=producthunt'),
        row('https://launchkit.example/blog/post#top'),
        row(null),
        row('not a url with spaces'),
      ],
    };
    const pages = snapshot(buildPolicy(), m).visitors.map((v) => v.page);
    expect(pages).toEqual(['/welcome?utm_source=newsletter', '/pricing?ref=producthunt', '/blog/post', null, null]);
    expect(pageOf('/pricing?utm_source=x&email=a%40b.co')).toEqual({ path: '/pricing', query: { utm_source: 'x', email: 'a@b.co' }, referrer: null });
  });

  it('lists recent events newest first and visible payments with their country, in minutes ago', () => {
    const { map } = seededMap();
    const s = snapshot(buildPolicy(), {
      ...map,
      recentPayments: [
        ...map.recentPayments,
        { timestamp: new Date(NOW - 1 * MIN).toISOString(), visible: false, amount: 999, currency: 'USD', countryCode: 'US' },
      ],
    });
    expect(s.recentEvents.length).toBeGreaterThan(0);
    expect(s.recentEvents.length).toBeLessThanOrEqual(MAX_EVENTS);
    expect(s.recentEvents[0]).toEqual({ type: 'pageview', path: '/blog/free-templates', countryCode: 'DE', minutesAgo: 1 });
    const ages = s.recentEvents.map((e) => e.minutesAgo);
    expect(ages).toEqual([...ages].sort((a, b) => a - b));
    expect(s.recentPayments).toEqual([
      { amount: 49, currency: 'USD', countryCode: null, minutesAgo: 2 },
      { amount: 129, currency: 'USD', countryCode: null, minutesAgo: 5 },
      { amount: 19, currency: 'EUR', countryCode: null, minutesAgo: 9 },
    ]);
    expect(s.activeVisitors).toBe(map.count);
    expect(s.generatedAt).toBe('2026-02-06T12:00:00.000Z');
    expect(s.realtimeAt).toBe('2026-02-06T12:00:00.000Z');
  });

  it('without a realtime map: no visitors, activeVisitors null, experiments still listed', () => {
    const results = [experimentResult(HERO, new Map())];
    const s = dashboardSnapshot({ map: null, policy: buildPolicy({ experiments: [HERO] }), results, now: NOW, realtimeProblem: 'timeout' });
    expect(s).toMatchObject({ activeVisitors: null, realtimeAt: null, realtimeProblem: 'timeout', visitors: [], recentEvents: [], recentPayments: [] });
    expect(s.experiments).toEqual(results);
  });

  it(`lists at most ${MAX_VISITORS} visitors and says when there were more`, () => {
    const { map } = seededMap();
    const first = map.visitors[0] as ActiveVisitor;
    const many = Array.from({ length: MAX_VISITORS + 5 }, (_, i) => ({ ...first, visitorId: `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000` }));
    const s = snapshot(buildPolicy(), { ...map, count: many.length, visitors: many });
    expect(s.visitors).toHaveLength(MAX_VISITORS);
    expect(s.visitorsTruncated).toBe(true);
    expect(s.activeVisitors).toBe(MAX_VISITORS + 5);
    expect(snapshot(buildPolicy()).visitorsTruncated).toBe(false);
  });

  it('builds the Visitor from the realtime row: prediction only from in-range numbers, a payment goal for customers', () => {
    const { map } = seededMap();
    const base = map.visitors[0] as ActiveVisitor;
    expect(visitorOf({ ...base, score: 22, confidence: 0.81 }).prediction).toEqual({ score: 22, confidence: 0.81, conversionRate: null, expectedValue: null });
    expect(visitorOf({ ...base, score: 22, confidence: null }).prediction).toBeNull();
    expect(visitorOf({ ...base, score: 140, confidence: 0.9 }).prediction).toBeNull();
    expect(visitorOf({ ...base, isCustomer: true }).activity.completedGoals.map((g) => g.name)).toEqual(['payment']);
    expect(visitorOf({ ...base, isCustomer: false }).activity.completedGoals).toEqual([]);
    expect(visitorOf(base).identity.params).toEqual({});
  });
});
