import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CouponOffer, Offer } from '../../../server/decision/offer';
import { buildPolicy } from '../../../server/decision/policy';
import { ConfigError } from '../../../server/config/config-error';
import { checkOffers, loadOffersFile, parseOffersText, type ParseOffersOptions } from '../../../server/config/offers-file';
import { OFFER_DEFAULTS, type OffersConfig } from '../../../server/config/offers-normalise';

type OffersFileDecisions = OffersConfig;
type OffersFileResult = { ok: true; decisions: OffersConfig } | { ok: false; error: string; problems: string[] };

/** The file's text checked; every problem's line, the first of which is the ConfigError's message. */
function parseOffersFile(text: string, options: ParseOffersOptions = {}): OffersFileResult {
  try {
    return { ok: true, decisions: parseOffersText(text, options) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const problems = err.lines();
    expect(err.message).toBe(problems[0]);
    return { ok: false, error: problems.join('; '), problems };
  }
}

function parseOffersObject(value: unknown): OffersFileResult {
  const r = checkOffers(value);
  return r.ok ? { ok: true, decisions: r.config } : { ok: false, error: r.problems.map((p) => `${p.place}: ${p.problem}`).join('; '), problems: [] };
}

function errorOf(result: OffersFileResult): string {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.decisions)}`);
  return result.error;
}

function decisionsOf(result: OffersFileResult): OffersFileDecisions {
  if (!result.ok) throw new Error(result.error);
  return result.decisions;
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BASE = '/srv/site/config';

/** Parses a file given as an object (written as JSON first, like a real file). */
const parse = (file: unknown): OffersFileResult => parseOffersFile(JSON.stringify(file), { baseDir: BASE });
const ok = (file: unknown): OffersFileDecisions => decisionsOf(parse(file));
const fails = (file: unknown): string => errorOf(parse(file));

// Minimal valid offers of each kind; cases spread over them to change one thing.
const coupon = { id: 'c', kind: 'coupon', headline: 'H', body: 'B', discountLabel: '10% off', code: 'SAVE10' };
const urgency = { id: 'u', kind: 'urgency', headline: 'H', body: 'B' };
const lead = { id: 'l', kind: 'lead_magnet', headline: 'H', body: 'B', assetName: 'Guide', buttonLabel: 'Send', consentText: 'OK to email' };
const rule = (when: unknown, then: unknown = { offer: null }) => ({ id: 'r', when, then });
const experiment = (extra: Record<string, unknown> = {}) => ({
  id: 'e',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'coupon', weight: 1, offer: 'welcome-coupon' },
  ],
  ...extra,
});
const offerOf = (file: unknown): Offer => {
  const o = ok(file).offers[0];
  if (!o) throw new Error('no offer');
  return o;
};

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
          offers: [],
          rules: [],
          experiments: [],
          holdout: 0,
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
      expect(result.decisions.bySegment).toStrictEqual({});
    });

    it('accepts equal low and high thresholds (no average band)', () => {
      expect(parseOffersFile('{"thresholds":{"low":50,"high":50}}').ok).toBe(true);
    });

    it.each([
      ['0 and 100 as thresholds', '{"thresholds":{"low":0,"high":100}}'],
      ['a minConfidence of 0', '{"thresholds":{"minConfidence":0}}'],
      ['a minConfidence of 1', '{"thresholds":{"minConfidence":1}}'],
      [
        'offer ids with digits, _ and -',
        '{"bySegment":{"low":"spring_2026-coupon"},"offers":[{"id":"spring_2026-coupon","kind":"coupon","headline":"h","body":"b","discountLabel":"d","code":"C"}]}',
      ],
    ])('accepts %s', (_label, text) => {
      expect(parseOffersFile(text).ok).toBe(true);
    });
  });

  describe('a file that is not JSON', () => {
    it.each([
      ['a trailing comma', '{"thresholds":{"low":30,},}'],
      ['a comment', '{"thresholds":{"low":30 /* percent */}}'],
      ['YAML', 'thresholds:\n  low: 30\n'],
    ])('is reported as not valid JSON (%s)', (_label, text) => {
      expect(errorOf(parseOffersFile(text))).toMatch(/^line \d+, column \d+: not valid JSON: .+$/);
    });

    it.each(['', '  \n'])('is reported as empty when it holds nothing (%j)', (text) => {
      expect(errorOf(parseOffersFile(text))).toBe('the file is empty: an offers file is a JSON object, at least {}');
    });

    it('reads a file saved with a UTF-8 byte-order mark', () => {
      expect(parseOffersFile('\uFEFF{"thresholds":{"low":35}}')).toMatchObject({ ok: true, decisions: { thresholds: { low: 35 } } });
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

describe('offers.example.json (shipped in the repo)', () => {
  const path = join(REPO, 'offers.example.json');
  const decisions = decisionsOf(parseOffersFile(readFileSync(path, 'utf8'), { baseDir: dirname(path) }));

  it('parses and builds a policy', () => {
    expect(() => buildPolicy(decisions)).not.toThrow();
  });

  it('has all three offer kinds, a coupon pool resolved to coupons.example.txt, and a fixed code', () => {
    expect(new Set(decisions.offers.map((o) => o.kind))).toEqual(new Set(['coupon', 'urgency', 'lead_magnet']));
    const coupons = decisions.offers.filter((o): o is CouponOffer => o.kind === 'coupon');
    const pool = coupons.find((c) => c.codePool !== null);
    expect(pool?.codePool).toBe(join(REPO, 'coupons.example.txt'));
    expect(pool?.code).toBeNull();
    expect(coupons.some((c) => c.code !== null && c.codePool === null)).toBe(true);
  });

  it('ships about 20 distinct, plausible pool codes', () => {
    const codes = readFileSync(join(REPO, 'coupons.example.txt'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    expect(codes.length).toBeGreaterThanOrEqual(15);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^[A-Z0-9-]{6,32}$/);
  });

  it('has about 6 rules covering every kind of condition', () => {
    expect(decisions.rules.length).toBeGreaterThanOrEqual(6);
    const used = new Set(decisions.rules.flatMap((r) => Object.keys(r.when)));
    for (const key of ['path', 'utm', 'ref', 'referrer', 'country', 'device', 'visitCountAtLeast', 'goalsCompleted', 'goalsNotCompleted', 'segment', 'scoreBelow', 'customer']) {
      expect(used, key).toContain(key);
    }
  });

  it('has one running A/B experiment with a control and two offers, coverage 0.9, that a rule starts', () => {
    expect(decisions.experiments).toHaveLength(1);
    const [e] = decisions.experiments;
    expect(e?.coverage).toBe(0.9);
    expect(e?.status).toBe('running');
    expect(e?.variants.map((v) => v.offer === null)).toEqual([true, false, false]);
    expect(decisions.rules.some((r) => 'experiment' in r.then && r.then.experiment === e?.id)).toBe(true);
  });

  it('loads with loadOffersFile, with the pool path resolved against the file', () => {
    const loaded = loadOffersFile(path);
    expect(loaded.rules).toEqual(decisions.rules);
    expect(loaded.offers.find((o) => o.kind === 'coupon' && o.codePool !== null)).toMatchObject({ codePool: resolve(dirname(path), 'coupons.example.txt') });
  });
});

describe('parseOffersFile: offers', () => {
  it('gives each kind in full, with its defaults filled in', () => {
    expect(ok({ offers: [coupon, urgency, lead] }).offers).toStrictEqual([
      {
        id: 'c',
        kind: 'coupon',
        placement: 'slide-in',
        trigger: { type: 'delay', seconds: 8 },
        headline: 'H',
        body: 'B',
        code: 'SAVE10',
        codePool: null,
        discountLabel: '10% off',
        expiresInMinutes: null,
      },
      {
        id: 'u',
        kind: 'urgency',
        placement: 'bar',
        trigger: { type: 'immediate' },
        headline: 'H',
        body: 'B',
        deadline: null,
        countdownMinutes: null,
        showLiveActivity: false,
      },
      {
        id: 'l',
        kind: 'lead_magnet',
        placement: 'inline',
        trigger: { type: 'immediate' },
        headline: 'H',
        body: 'B',
        assetName: 'Guide',
        buttonLabel: 'Send',
        consentText: 'OK to email',
      },
    ]);
  });

  it.each([
    ['coupon', coupon],
    ['urgency', urgency],
    ['lead_magnet', lead],
  ] as const)('a %s takes OFFER_DEFAULTS placement and trigger, and its own when given', (kind, offer) => {
    const defaults = OFFER_DEFAULTS[kind];
    expect(offerOf({ offers: [offer] })).toMatchObject({ placement: defaults.placement, trigger: defaults.trigger });
    expect(offerOf({ offers: [{ ...offer, placement: 'modal', trigger: { type: 'scroll', percent: 50 } }] })).toMatchObject({
      placement: 'modal',
      trigger: { type: 'scroll', percent: 50 },
    });
  });

  it('keeps every field a kind may set', () => {
    expect(offerOf({ offers: [{ ...coupon, expiresInMinutes: 30 }] })).toMatchObject({ expiresInMinutes: 30 });
    expect(offerOf({ offers: [{ ...urgency, deadline: '2026-06-30T23:59:00+02:00', showLiveActivity: true }] })).toMatchObject({
      deadline: '2026-06-30T23:59:00+02:00',
      countdownMinutes: null,
      showLiveActivity: true,
    });
    expect(offerOf({ offers: [{ ...urgency, countdownMinutes: 45, deadline: null }] })).toMatchObject({ deadline: null, countdownMinutes: 45 });
  });

  describe('triggers', () => {
    it.each<[string, unknown, unknown]>([
      ['"immediate"', 'immediate', { type: 'immediate' }],
      ['"exit-intent"', 'exit-intent', { type: 'exit-intent' }],
      ['{ type: immediate }', { type: 'immediate' }, { type: 'immediate' }],
      ['a delay of 0 s', { type: 'delay', seconds: 0 }, { type: 'delay', seconds: 0 }],
      ['a delay of 600 s', { type: 'delay', seconds: 600 }, { type: 'delay', seconds: 600 }],
      ['a delay of 2.5 s', { type: 'delay', seconds: 2.5 }, { type: 'delay', seconds: 2.5 }],
      ['a scroll of 1 %', { type: 'scroll', percent: 1 }, { type: 'scroll', percent: 1 }],
      ['a scroll of 100 %', { type: 'scroll', percent: 100 }, { type: 'scroll', percent: 100 }],
      ['exit intent with a $comment', { type: 'exit-intent', $comment: 'desktop only' }, { type: 'exit-intent' }],
    ])('accepts %s', (_label, trigger, expected) => {
      expect(offerOf({ offers: [{ ...lead, trigger }] }).trigger).toStrictEqual(expected);
    });

    it.each<[string, unknown, string]>([
      ['a delay above 600 s', { type: 'delay', seconds: 601 }, 'offers[0].trigger.seconds: must be at most 600, got 601'],
      ['a negative delay', { type: 'delay', seconds: -1 }, 'offers[0].trigger.seconds: must be at least 0, got -1'],
      ['a delay without seconds', { type: 'delay' }, 'offers[0].trigger.seconds: is required (expected number)'],
      ['"delay" as a string (needs seconds)', 'delay', 'offers[0].trigger.seconds: is required (expected number)'],
      ['a scroll of 0 %', { type: 'scroll', percent: 0 }, 'offers[0].trigger.percent: must be at least 1, got 0'],
      ['a scroll of 101 %', { type: 'scroll', percent: 101 }, 'offers[0].trigger.percent: must be at most 100, got 101'],
      ['seconds as a string', { type: 'delay', seconds: '5' }, 'offers[0].trigger.seconds: expected number, got string "5"'],
      ['seconds on a scroll trigger', { type: 'scroll', percent: 5, seconds: 5 }, 'offers[0].trigger: unknown key "seconds"'],
      ['an unknown type', { type: 'hover' }, 'offers[0].trigger.type: expected one of "immediate", "delay", "scroll", "exit-intent", got string "hover"'],
      ['an unknown string', 'soon', 'offers[0].trigger.type: expected one of "immediate", "delay", "scroll", "exit-intent", got string "soon"'],
      ['a number', 5, 'offers[0].trigger: expected object, got 5'],
    ])('rejects %s', (_label, trigger, error) => {
      expect(fails({ offers: [{ ...lead, trigger }] })).toBe(error);
    });
  });

  describe('required fields of each kind', () => {
    it.each<[string, Record<string, unknown>, string]>([
      ['coupon', coupon, 'id'],
      ['coupon', coupon, 'headline'],
      ['coupon', coupon, 'body'],
      ['coupon', coupon, 'discountLabel'],
      ['urgency', urgency, 'id'],
      ['urgency', urgency, 'headline'],
      ['urgency', urgency, 'body'],
      ['lead_magnet', lead, 'headline'],
      ['lead_magnet', lead, 'body'],
      ['lead_magnet', lead, 'assetName'],
      ['lead_magnet', lead, 'buttonLabel'],
      ['lead_magnet', lead, 'consentText'],
    ])('a %s without %s', (_kind, offer, field) => {
      const { [field]: _dropped, ...rest } = offer;
      expect(fails({ offers: [lead, rest] })).toMatch(new RegExp(`^offers\\[1\\]\\.${field}: is required \\(expected string\\)$`));
    });

    it('an offer without kind', () => {
      expect(fails({ offers: [{ id: 'x', headline: 'H', body: 'B' }] })).toBe(
        'offers[0].kind: is required (one of "coupon", "urgency", "lead_magnet")',
      );
    });

    it('an unknown kind', () => {
      expect(fails({ offers: [{ ...coupon, kind: 'discount' }] })).toBe(
        'offers[0].kind: expected one of "coupon", "urgency", "lead_magnet", got string "discount"',
      );
    });

    it('a field of another kind', () => {
      expect(fails({ offers: [{ ...urgency, discountLabel: '10%' }] })).toBe('offers[0]: unknown key "discountLabel"');
    });
  });

  describe('coupon codes', () => {
    it('needs exactly one of code and codePool', () => {
      const { code: _code, ...noCode } = coupon;
      expect(fails({ offers: [noCode] })).toBe(
        'offers[0]: a coupon needs "code" (one code for everyone) or "codePool" (a file of single-use codes)',
      );
      expect(fails({ offers: [{ ...coupon, code: null, codePool: null }] })).toMatch(/^offers\[0\]: a coupon needs "code"/);
      expect(fails({ offers: [{ ...coupon, codePool: 'codes.txt' }] })).toBe('offers[0]: set either "code" or "codePool", not both');
    });

    it.each<[string, string, string]>([
      ['a relative path, against baseDir', 'coupons.txt', `${BASE}/coupons.txt`],
      ['a relative path in a folder', 'pools/spring.txt', `${BASE}/pools/spring.txt`],
      ['a path up a folder', '../shared/coupons.txt', '/srv/site/shared/coupons.txt'],
      ['./ removed', './coupons.txt', `${BASE}/coupons.txt`],
      ['an absolute path as it is', '/var/lib/offers/codes.txt', '/var/lib/offers/codes.txt'],
      ['trimmed', '  coupons.txt ', `${BASE}/coupons.txt`],
    ])('resolves codePool: %s', (_label, codePool, absolute) => {
      const { code: _code, ...pooled } = coupon;
      expect(offerOf({ offers: [{ ...pooled, codePool }] })).toMatchObject({ code: null, codePool: absolute });
    });

    it('does not read the pool file (a missing file is not the parser\'s concern)', () => {
      const { code: _code, ...pooled } = coupon;
      expect(parse({ offers: [{ ...pooled, codePool: 'does-not-exist.txt' }] }).ok).toBe(true);
    });

    it('resolves against the working directory without a baseDir', () => {
      const { code: _code, ...pooled } = coupon;
      const result = decisionsOf(parseOffersObject({ offers: [{ ...pooled, codePool: 'x.txt' }] }));
      expect((result.offers[0] as CouponOffer).codePool).toBe(resolve(process.cwd(), 'x.txt'));
    });

    it.each<[string, unknown, string]>([
      ['a code with a space', 'SAVE 10', 'offers[0].code: expected a code of 1 to 64 visible characters without spaces'],
      ['an empty code', '', 'offers[0].code: expected a code of 1 to 64 visible characters without spaces'],
      ['a code of 65 characters', 'A'.repeat(65), 'offers[0].code: expected a code of 1 to 64 visible characters without spaces'],
      ['a numeric code', 10, 'offers[0].code: expected string, got 10'],
    ])('rejects %s', (_label, code, error) => {
      expect(fails({ offers: [{ ...coupon, code }] })).toBe(error);
    });

    it.each<[unknown, string | null]>([
      [1, null],
      [10_080, null],
      [null, null],
      [0, 'offers[0].expiresInMinutes: must be at least 1, got 0'],
      [10_081, 'offers[0].expiresInMinutes: must be at most 10080, got 10081'],
      [1.5, 'offers[0].expiresInMinutes: expected whole number, got 1.5'],
      ['30', 'offers[0].expiresInMinutes: expected number, got string "30"'],
    ])('expiresInMinutes %j → %s', (expiresInMinutes, error) => {
      const result = parse({ offers: [{ ...coupon, expiresInMinutes }] });
      if (error === null) expect(decisionsOf(result).offers[0]).toMatchObject({ expiresInMinutes });
      else expect(errorOf(result)).toBe(error);
    });
  });

  describe('urgency timing', () => {
    it.each<[string, Record<string, unknown>, string | null]>([
      ['a UTC deadline', { deadline: '2026-06-30T23:59:00Z' }, null],
      ['a deadline with an offset and fractions', { deadline: '2026-06-30T23:59:00.500-05:00' }, null],
      ['a deadline without time zone', { deadline: '2026-06-30T23:59:00' }, 'offers[0].deadline: expected an ISO date-time with a time zone, like "2026-06-30T23:59:00Z"'],
      ['a date only', { deadline: '2026-06-30' }, 'offers[0].deadline: expected an ISO date-time with a time zone, like "2026-06-30T23:59:00Z"'],
      ['a human date', { deadline: 'June 30' }, 'offers[0].deadline: expected an ISO date-time with a time zone, like "2026-06-30T23:59:00Z"'],
      ['a countdown of 10080 minutes', { countdownMinutes: 10_080 }, null],
      ['a countdown of 0', { countdownMinutes: 0 }, 'offers[0].countdownMinutes: must be at least 1, got 0'],
      ['both', { deadline: '2026-06-30T23:59:00Z', countdownMinutes: 30 }, 'offers[0].countdownMinutes: set either "deadline" or "countdownMinutes", not both'],
      ['both, one null', { deadline: null, countdownMinutes: 30 }, null],
      ['showLiveActivity as a string', { showLiveActivity: 'yes' }, 'offers[0].showLiveActivity: expected boolean, got string "yes"'],
    ])('%s', (_label, extra, error) => {
      const result = parse({ offers: [{ ...urgency, ...extra }] });
      if (error === null) expect(result.ok).toBe(true);
      else expect(errorOf(result)).toBe(error);
    });
  });

  describe('text fields: trimmed, not empty, bounded', () => {
    it('trims', () => {
      expect(offerOf({ offers: [{ ...lead, headline: '  Get the guide  ', buttonLabel: ' Send ' }] })).toMatchObject({
        headline: 'Get the guide',
        buttonLabel: 'Send',
      });
    });

    it.each<[string, number]>([
      ['headline', 120],
      ['body', 600],
      ['assetName', 120],
      ['buttonLabel', 40],
      ['consentText', 600],
    ])('%s: up to %i characters', (field, max) => {
      expect(parse({ offers: [{ ...lead, [field]: 'x'.repeat(max) }] }).ok).toBe(true);
      expect(fails({ offers: [{ ...lead, [field]: 'x'.repeat(max + 1) }] })).toBe(
        `offers[0].${field}: must be at most ${max} characters (got ${max + 1})`,
      );
      expect(fails({ offers: [{ ...lead, [field]: '   ' }] })).toBe(`offers[0].${field}: must not be empty`);
    });

    it('discountLabel: up to 40 characters', () => {
      expect(fails({ offers: [{ ...coupon, discountLabel: 'x'.repeat(41) }] })).toBe(
        'offers[0].discountLabel: must be at most 40 characters (got 41)',
      );
    });
  });

  describe('ids and placement', () => {
    it.each<[unknown, string]>([
      ['Spring Sale', 'offers[0].id: expected an offer id of a-z, 0-9, _ and -'],
      ['-spring', 'offers[0].id: expected an offer id of a-z, 0-9, _ and -'],
      ['a'.repeat(65), 'offers[0].id: expected an offer id of a-z, 0-9, _ and -'],
      [7, 'offers[0].id: expected string, got 7'],
    ])('offer id %j', (id, error) => {
      expect(fails({ offers: [{ ...lead, id }] })).toBe(error);
    });

    it('accepts a 64-character id', () => {
      expect(parse({ offers: [{ ...lead, id: 'a'.repeat(64) }] }).ok).toBe(true);
    });

    it('rejects an unknown placement', () => {
      expect(fails({ offers: [{ ...lead, placement: 'popup' }] })).toBe(
        'offers[0].placement: expected one of "inline", "bar", "slide-in", "modal", got string "popup"',
      );
    });
  });

  it('may redefine a built-in offer by its id', () => {
    const decisions = ok({ offers: [{ ...coupon, id: 'welcome-coupon', code: 'MINE' }], bySegment: { low: 'welcome-coupon' } });
    expect(buildPolicy(decisions).offers.get('welcome-coupon')).toMatchObject({ code: 'MINE' });
  });
});

describe('parseOffersFile: rules', () => {
  it('gives rules in file order, with `when` normalised', () => {
    const decisions = ok({
      offers: [coupon],
      experiments: [experiment()],
      rules: [
        { id: 'quiet', when: { path: '/checkout/**' }, then: { offer: null } },
        { id: 'low', when: { segment: 'low', scoreBelow: 30 }, then: { offer: 'c' } },
        { id: 'test', when: { utm: { source: 'newsletter' } }, then: { experiment: 'e' } },
        { id: 'fallback', then: { offer: 'starter-guide' } },
      ],
    });
    expect(decisions.rules).toStrictEqual([
      { id: 'quiet', when: { path: ['/checkout/**'] }, then: { offer: null } },
      { id: 'low', when: { segment: ['low'], scoreBelow: 30 }, then: { offer: 'c' } },
      { id: 'test', when: { utm: { source: ['newsletter'] } }, then: { experiment: 'e' } },
      { id: 'fallback', when: {}, then: { offer: 'starter-guide' } },
    ]);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['segment', { segment: 'high' }, { segment: ['high'] }],
    ['path', { path: '/pricing' }, { path: ['/pricing'] }],
    ['ref', { ref: 'producthunt' }, { ref: ['producthunt'] }],
    ['referrer', { referrer: '*.google.*' }, { referrer: ['*.google.*'] }],
    ['referrer ""', { referrer: '' }, { referrer: [''] }],
    ['country (upper-cased)', { country: 'de' }, { country: ['DE'] }],
    ['device (lower-cased)', { device: 'Mobile' }, { device: ['mobile'] }],
    ['goalsCompleted', { goalsCompleted: 'signup' }, { goalsCompleted: ['signup'] }],
    ['goalsNotCompleted', { goalsNotCompleted: 'signup' }, { goalsNotCompleted: ['signup'] }],
    ['utm values', { utm: { source: 'google', campaign: ['a', 'b'] } }, { utm: { source: ['google'], campaign: ['a', 'b'] } }],
    ['lists stay lists, trimmed', { country: [' us', 'FR '] }, { country: ['US', 'FR'] }],
    ['numbers and booleans as they are', { scoreAbove: 60, confidenceAtLeast: 0.5, customer: false, visitCountAtLeast: 2, visitCountBelow: 10 }, { scoreAbove: 60, confidenceAtLeast: 0.5, customer: false, visitCountAtLeast: 2, visitCountBelow: 10 }],
    ['an empty utm object is dropped', { utm: {} }, {}],
    ['a utm object with only a $comment is dropped', { utm: { $comment: 'none yet' } }, {}],
  ])('normalises %s', (_label, when, expected) => {
    expect(ok({ rules: [rule(when)] }).rules[0]?.when).toStrictEqual(expected);
  });

  describe('errors name the exact place', () => {
    it('rules[2].when.scoreBelow: a string where a number is expected', () => {
      expect(fails({ rules: [{ ...rule({}), id: 'a' }, { ...rule({}), id: 'b' }, rule({ scoreBelow: '40' })] })).toBe(
        'rules[2].when.scoreBelow: expected number, got string "40"',
      );
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['an unknown segment (single string)', { segment: 'vip' }, 'rules[0].when.segment: expected one of "low", "average", "high", "customer", "unknown", got string "vip"'],
      ['an unknown segment in a list', { segment: ['high', 'vip'] }, 'rules[0].when.segment[1]: expected one of "low", "average", "high", "customer", "unknown", got string "vip"'],
      ['an empty list', { country: [] }, 'rules[0].when.country: needs at least 1 item'],
      ['a score above 100', { scoreAbove: 101 }, 'rules[0].when.scoreAbove: must be at most 100, got 101'],
      ['a confidence above 1', { confidenceAtLeast: 50 }, 'rules[0].when.confidenceAtLeast: must be at most 1, got 50'],
      ['customer as a string', { customer: 'yes' }, 'rules[0].when.customer: expected boolean, got string "yes"'],
      ['a path without leading /', { path: 'pricing' }, 'rules[0].when.path: expected a path starting with "/", like "/pricing" or "/blog/**"'],
      ['a path with a query', { path: ['/pricing?plan=pro'] }, 'rules[0].when.path[0]: paths are matched without their query: remove "?…" / "#…" (use utm or ref for parameters)'],
      ['a referrer with its scheme', { referrer: 'https://news.ycombinator.com/**' }, 'rules[0].when.referrer: write the referrer without its scheme, like "news.ycombinator.com/**" or "*.google.*"'],
      ['a three-letter country', { country: 'USA' }, 'rules[0].when.country: expected a two-letter country code, like "US"'],
      ['an unknown utm key', { utm: { name: 'x' } }, 'rules[0].when.utm: unknown key "name"'],
      ['utm_source as the key', { utm: { utm_source: 'x' } }, 'rules[0].when.utm: unknown key "utm_source"'],
      ['an unknown condition', { pages: ['/x'] }, 'rules[0].when: unknown key "pages"'],
      ['a fractional visit count', { visitCountAtLeast: 1.5 }, 'rules[0].when.visitCountAtLeast: expected whole number, got 1.5'],
      ['visitCountBelow 0', { visitCountBelow: 0 }, 'rules[0].when.visitCountBelow: must be at least 1, got 0'],
      ['an empty goal name', { goalsCompleted: '' }, 'rules[0].when.goalsCompleted: must not be empty'],
      ['a number where a list is expected', { device: 3 }, 'rules[0].when.device: expected array, got 3'],
      ['scoreAbove not below scoreBelow', { scoreAbove: 60, scoreBelow: 40 }, 'rules[0].when.scoreAbove: 60 is not below scoreBelow 40: the rule could never match'],
      ['scoreAbove equal to scoreBelow', { scoreAbove: 50, scoreBelow: 50 }, 'rules[0].when.scoreAbove: 50 is not below scoreBelow 50: the rule could never match'],
      ['confidence range empty', { confidenceAtLeast: 0.8, confidenceBelow: 0.5 }, 'rules[0].when.confidenceAtLeast: 0.8 is not below confidenceBelow 0.5: the rule could never match'],
      ['visit range empty', { visitCountAtLeast: 3, visitCountBelow: 3 }, 'rules[0].when.visitCountAtLeast: 3 is not below visitCountBelow 3: the rule could never match'],
      ['a goal both required and excluded', { goalsCompleted: ['a', 'Signup'], goalsNotCompleted: 'signup' }, 'rules[0].when.goalsNotCompleted: "Signup" is also in goalsCompleted: the rule could never match'],
    ])('%s', (_label, when, error) => {
      expect(fails({ rules: [rule(when)] })).toBe(error);
    });

    it.each<[string, unknown, string]>([
      ['an empty then', {}, 'rules[0].then: expected {"offer": "<id>"}, {"offer": null} (no offer) or {"experiment": "<id>"}'],
      ['both offer and experiment', { offer: 'c', experiment: 'e' }, 'rules[0].then: expected {"offer": "<id>"}, {"offer": null} (no offer) or {"experiment": "<id>"}'],
      ['an unknown action', { show: 'c' }, 'rules[0].then: unknown key "show"'],
      ['a bad offer id', { offer: 'Big Sale' }, 'rules[0].then.offer: expected an offer id of a-z, 0-9, _ and -'],
      ['a null experiment', { experiment: null }, 'rules[0].then.experiment: expected string, got null'],
      ['a string', 'c', 'rules[0].then: expected object, got string "c"'],
    ])('then: %s', (_label, then, error) => {
      expect(fails({ offers: [coupon], experiments: [experiment()], rules: [rule({}, then)] })).toBe(error);
    });

    it('a rule without id or then', () => {
      expect(fails({ rules: [{ when: {} }] })).toBe('rules[0].id: is required (expected string); rules[0].then: is required (expected object)');
    });
  });
});

describe('parseOffersFile: experiments', () => {
  it('fills in coverage 1, status running and a 7-day attribution window, and keeps a seed', () => {
    expect(ok({ experiments: [experiment()] }).experiments).toStrictEqual([
      {
        id: 'e',
        coverage: 1,
        status: 'running',
        attributionDays: 7,
        variants: [
          { id: 'control', weight: 1, offer: null },
          { id: 'coupon', weight: 1, offer: 'welcome-coupon' },
        ],
      },
    ]);
    expect(ok({ experiments: [experiment({ seed: 'spring-2026', coverage: 0.25, status: 'stopped' })] }).experiments[0]).toMatchObject({
      seed: 'spring-2026',
      coverage: 0.25,
      status: 'stopped',
    });
  });

  it('keeps an attribution window and a result currency (upper-cased); refuses ones out of range', () => {
    expect(ok({ experiments: [experiment({ attributionDays: 30, currency: 'eur' })] }).experiments[0]).toMatchObject({ attributionDays: 30, currency: 'EUR' });
    for (const bad of [{ attributionDays: 0 }, { attributionDays: 91 }, { attributionDays: 1.5 }, { currency: 'euro' }]) {
      const result = parse({ experiments: [experiment(bad)] });
      expect(result.ok, JSON.stringify(bad)).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/experiments\[0\]\.(attributionDays|currency)/);
    }
  });

  it('makes an experiment a bandit with "allocation": "thompson", on conversion unless revenue is asked for; refuses a metric without a bandit', () => {
    expect(ok({ experiments: [experiment({ allocation: 'thompson' })] }).experiments[0]).toMatchObject({ allocation: 'thompson', allocationMetric: 'conversion' });
    expect(ok({ experiments: [experiment({ allocation: 'thompson', allocationMetric: 'revenue' })] }).experiments[0]).toMatchObject({ allocationMetric: 'revenue' });
    expect(ok({ experiments: [experiment({ allocation: 'fixed' })] }).experiments[0]).not.toHaveProperty('allocation');
    expect(fails({ experiments: [experiment({ allocationMetric: 'revenue' })] })).toBe('experiments[0].allocationMetric: only a bandit has one: set "allocation": "thompson" too, or remove it');
    expect(fails({ experiments: [experiment({ allocation: 'epsilon-greedy' })] })).toMatch(/^experiments\[0\]\.allocation: /);
    expect(fails({ experiments: [experiment({ allocation: 'thompson', allocationMetric: 'clicks' })] })).toMatch(/^experiments\[0\]\.allocationMetric: /);
  });

  it('takes a global holdout share from 0 to 0.5, default 0', () => {
    expect(ok({}).holdout).toBe(0);
    expect(ok({ holdout: 0.05 }).holdout).toBe(0.05);
    for (const bad of [-0.1, 0.6, '5%']) {
      const result = parse({ holdout: bad });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/holdout/);
    }
  });

  it('accepts a variant switched off with weight 0, and coverage 0 and 1', () => {
    const variants = [
      { id: 'a', weight: 0, offer: null },
      { id: 'b', weight: 3, offer: 'starter-guide' },
    ];
    expect(parse({ experiments: [experiment({ variants, coverage: 0 })] }).ok).toBe(true);
    expect(parse({ experiments: [experiment({ variants, coverage: 1 })] }).ok).toBe(true);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['coverage above 1', { coverage: 1.5 }, 'experiments[0].coverage: must be at most 1, got 1.5'],
    ['coverage as a percentage string', { coverage: '90%' }, 'experiments[0].coverage: expected number, got string "90%"'],
    ['an unknown status', { status: 'paused' }, 'experiments[0].status: expected one of "running", "stopped", got string "paused"'],
    ['an empty seed', { seed: '' }, 'experiments[0].seed: must not be empty'],
    ['one variant', { variants: [{ id: 'a', weight: 1, offer: null }] }, 'experiments[0].variants: needs at least 2 variants (a control with "offer": null counts)'],
    [
      'all weights 0',
      { variants: [{ id: 'a', weight: 0, offer: null }, { id: 'b', weight: 0, offer: null }] },
      'experiments[0].variants: at least one variant needs a weight above 0',
    ],
    [
      'a negative weight',
      { variants: [{ id: 'a', weight: -1, offer: null }, { id: 'b', weight: 1, offer: null }] },
      'experiments[0].variants[0].weight: must be at least 0, got -1',
    ],
    [
      'a duplicate variant id',
      { variants: [{ id: 'a', weight: 1, offer: null }, { id: 'b', weight: 1, offer: null }, { id: 'a', weight: 1, offer: 'starter-guide' }] },
      'experiments[0].variants[2].id: "a" is already used by variants[0]',
    ],
    [
      'a variant without offer (write null for a control)',
      { variants: [{ id: 'a', weight: 1 }, { id: 'b', weight: 1, offer: null }] },
      'experiments[0].variants[0].offer: is required (expected string)',
    ],
    [
      'a bad variant id',
      { variants: [{ id: 'A', weight: 1, offer: null }, { id: 'b', weight: 1, offer: null }] },
      'experiments[0].variants[0].id: expected a variant id of a-z, 0-9, _ and - (1 to 64, starting with a letter or digit)',
    ],
  ])('%s', (_label, extra, error) => {
    expect(fails({ experiments: [experiment(extra)] })).toBe(error);
  });
});

describe('parseOffersFile: cross-references', () => {
  it.each<[string, unknown, string]>([
    ['a duplicate offer id', { offers: [lead, coupon, { ...urgency, id: 'l' }] }, 'offers[2].id: "l" is already defined by offers[0]'],
    ['a duplicate rule id', { rules: [rule({}), rule({ segment: 'low' })] }, 'rules[1].id: "r" is already defined by rules[0]'],
    ['a duplicate experiment id', { experiments: [experiment(), experiment()] }, 'experiments[1].id: "e" is already defined by experiments[0]'],
    ['a rule naming an unknown offer', { rules: [rule({}, { offer: 'x' })] }, 'rules[0].then.offer: names offer "x", which is not defined'],
    ['a rule naming an unknown experiment', { rules: [rule({}, { experiment: 'x' })] }, 'rules[0].then.experiment: names experiment "x", which is not defined'],
    ['a rule naming an offer id as an experiment', { offers: [coupon], rules: [rule({}, { experiment: 'c' })] }, 'rules[0].then.experiment: names experiment "c", which is not defined'],
    [
      'a variant naming an unknown offer',
      { experiments: [experiment({ variants: [{ id: 'a', weight: 1, offer: null }, { id: 'b', weight: 1, offer: 'x' }] })] },
      'experiments[0].variants[1].offer: names offer "x", which is not defined',
    ],
    ['bySegment naming an unknown offer', { bySegment: { high: 'x' } }, 'bySegment.high: names offer "x", which is not defined'],
  ])('%s', (_label, file, error) => {
    expect(fails(file)).toBe(error);
  });

  it.each<[string, unknown]>([
    ['a rule naming a built-in offer', { rules: [rule({}, { offer: 'popular-plan-urgency' })] }],
    ['a rule naming a file offer', { offers: [coupon], rules: [rule({}, { offer: 'c' })] }],
    ['a rule naming an experiment defined after it', { rules: [rule({}, { experiment: 'e' })], experiments: [experiment()] }],
    ['a variant naming a file offer', { offers: [lead], experiments: [experiment({ variants: [{ id: 'a', weight: 1, offer: null }, { id: 'b', weight: 1, offer: 'l' }] })] }],
    ['bySegment naming a file offer', { offers: [lead], bySegment: { unknown: 'l' } }],
    ['the same id for an offer, a rule and an experiment', { offers: [{ ...coupon, id: 'x' }], rules: [{ id: 'x', then: { experiment: 'x' } }], experiments: [{ ...experiment(), id: 'x' }] }],
  ])('accepts %s', (_label, file) => {
    expect(parse(file).ok).toBe(true);
  });

  it('names the first problem in its message and lists every one, in file order', () => {
    const result = parse({
      bySegment: { low: 'nope' },
      offers: [coupon, coupon],
      rules: [rule({}, { offer: 'missing' }), rule({}, { experiment: 'missing' })],
      experiments: [experiment({ variants: [{ id: 'a', weight: 1, offer: 'gone' }, { id: 'b', weight: 1, offer: null }] })],
    });
    if (result.ok) throw new Error('expected problems');
    expect(result.problems).toEqual([
      'bySegment.low: names offer "nope", which is not defined',
      'offers[1].id: "c" is already defined by offers[0]',
      'rules[0].then.offer: names offer "missing", which is not defined',
      'rules[1].id: "r" is already defined by rules[0]',
      'rules[1].then.experiment: names experiment "missing", which is not defined',
      'experiments[0].variants[0].offer: names offer "gone", which is not defined',
    ]);
  });

  it('reports schema problems before cross-references (those wait until the file has the right shape)', () => {
    expect(fails({ bySegment: { low: 'nope' }, rules: [rule({ scoreBelow: 'x' })] })).toBe('rules[0].when.scoreBelow: expected number, got string "x"');
  });
});

describe('parseOffersFile: $comment', () => {
  it('is allowed in every object (string or list of strings) and dropped', () => {
    const c = { $comment: 'note' };
    const decisions = ok({
      $comment: ['a file', 'with notes'],
      thresholds: { ...c, low: 30 },
      bySegment: { ...c, low: 'c' },
      offers: [{ ...coupon, ...c, trigger: { type: 'delay', seconds: 3, ...c } }],
      rules: [{ id: 'r', ...c, when: { ...c, utm: { ...c, source: 'x' } }, then: { ...c, experiment: 'e' } }],
      experiments: [{ ...experiment(), ...c, variants: [{ id: 'a', weight: 1, offer: null, ...c }, { id: 'b', weight: 1, offer: 'c' }] }],
    });
    expect(JSON.stringify(decisions)).not.toContain('$comment');
    expect(decisions.thresholds).toStrictEqual({ low: 30 });
    expect(decisions.rules[0]).toStrictEqual({ id: 'r', when: { utm: { source: ['x'] } }, then: { experiment: 'e' } });
  });

  it('must be text', () => {
    expect(fails({ offers: [{ ...coupon, $comment: 5 }] })).toMatch(/^offers\[0\]\.\$comment: /);
  });
});

describe('OFFERS_CONFIG: codePool is resolved against the offers file\'s directory', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'visitor-offers-file-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('not the working directory', () => {
    const { code: _code, ...pooled } = coupon;
    const path = join(dir, 'offers.json');
    writeFileSync(path, JSON.stringify({ offers: [{ ...pooled, codePool: 'pool/codes.txt' }] }));
    const offer = loadOffersFile(path).offers[0];
    expect(offer).toMatchObject({ codePool: join(dir, 'pool', 'codes.txt') });
    expect(existsSync(join(dir, 'pool'))).toBe(false);
  });
});
