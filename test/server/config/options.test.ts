// One configuration path: offers given inline, under the old name `decisions`, or as an offers
// file are checked by one schema, take the same defaults and normalisation, and fail with the same
// message at the same place. Settings take documented defaults; old names still work.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { ConfigError } from '../../../server/config/config-error';
import { loadOffersFile, parseOffers } from '../../../server/config/offers-file';
import { namedByEnv, optionsFromEnv } from '../../../server/config/env';
import { DEFAULT_WEIGHTS } from '../../../server/scoring/local-score';
import { DEFAULTS, parseOptions } from '../../../server/config/options';
import type { optionsSchema } from '../../../server/config/options-schema';
import type { VisitorOffersOptions } from '../../../server/config/options-types';

const datafast = { apiKey: 'df_test_key' };
const problemsOf = (make: () => unknown): string[] => {
  try {
    make();
  } catch (err) {
    if (err instanceof ConfigError) return err.lines();
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('the options type', () => {
  it('is what the schema accepts, field for field', () => {
    expectTypeOf<VisitorOffersOptions>().toMatchTypeOf<z.input<typeof optionsSchema>>();
    expectTypeOf<Omit<z.input<typeof optionsSchema>, '$comment' | 'logger'>>().toMatchTypeOf<Omit<VisitorOffersOptions, 'logger'>>();
  });

  it('takes a loaded offers file spread into it', () => {
    expectTypeOf<ReturnType<typeof loadOffersFile>>().toMatchTypeOf<Partial<VisitorOffersOptions>>();
  });
});

describe.each(['offers.example.json', 'demo/offers.demo.json'])('%s given three ways', (path) => {
  // The file exactly as written, "$schema" and "$comment" included.
  const content = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const fromFile = loadOffersFile(path);
  const offersOf = (options: VisitorOffersOptions): unknown => {
    const o = parseOptions(options).offers;
    return o.kind === 'inline' ? o.config : loadOffersFile(o.path);
  };

  it('decides with the same offers inline, under "decisions", as a loaded file spread in, and as offersFile', () => {
    // Inline offers resolve a relative codePool against the working directory: run from the file's.
    const cwd = process.cwd();
    process.chdir(dirname(resolve(path)));
    try {
      expect(offersOf({ datafast, ...content })).toEqual(fromFile);
      expect(offersOf({ datafast, decisions: content })).toEqual(fromFile);
    } finally {
      process.chdir(cwd);
    }
    expect(offersOf({ datafast, ...fromFile })).toEqual(fromFile);
    expect(offersOf({ datafast, offersFile: path })).toEqual(fromFile);
  });

  it('is a fixed point: checking checked offers changes nothing', () => {
    expect(parseOffers(fromFile)).toEqual(fromFile);
    expect(parseOffers(JSON.parse(JSON.stringify(fromFile)))).toEqual(fromFile);
  });
});

describe('a mistake in the offers reads the same wherever the offers come from', () => {
  const lead = { id: 'guide', kind: 'lead_magnet', headline: 'H', body: 'B', assetName: 'A', buttonLabel: 'Send', consentText: 'OK' };
  const mistakes: Array<[string, Record<string, unknown>]> = [
    ['a headline that is a number', { offers: [{ ...lead, headline: 42 }] }],
    ['a trigger word that does not exist', { offers: [{ ...lead, trigger: 'immediately' }] }],
    ['a coupon without a code', { offers: [{ id: 'c', kind: 'coupon', headline: 'H', body: 'B', discountLabel: '5%' }] }],
    ['a misspelt condition', { rules: [{ id: 'r', when: { segmnet: 'low' }, then: { offer: null } }] }],
    ['an experiment no rule can find', { rules: [{ id: 'r', then: { experiment: 'e' } }] }],
    ['low above high', { thresholds: { low: 80, high: 20 } }],
  ];
  it.each(mistakes)('%s', (_label, content) => {
    const dir = mkdtempSync(join(tmpdir(), 'vo-options-'));
    const path = join(dir, 'offers.json');
    writeFileSync(path, JSON.stringify(content));
    const inline = problemsOf(() => parseOptions({ datafast, ...content }));
    expect(inline.length).toBeGreaterThan(0);
    expect(problemsOf(() => parseOffers(content))).toEqual(inline);
    expect(problemsOf(() => parseOptions({ datafast, decisions: content }))).toEqual(inline.map((l) => `decisions.${l}`));
    expect(problemsOf(() => loadOffersFile(path))).toEqual(inline.map((l) => `${path}: ${l}`));
  });
});

describe('settings', () => {
  it('take the documented defaults', () => {
    expect(parseOptions({ datafast })).toEqual({
      provider: 'datafast',
      postmetric: null,
      visitorCookie: 'datafast_visitor_id',
      datafast: { apiKey: 'df_test_key', websiteId: null, apiUrl: 'https://datafa.st', timeoutMs: 1500, breaker: { failureThreshold: 5, failureWindowMs: 60_000, coolDownMs: 30_000 } },
      offers: { kind: 'inline', place: '', config: { thresholds: {}, bySegment: {}, offers: [], rules: [], experiments: [], holdout: 0 } },
      cache: DEFAULTS.cache,
      liveTtlMs: 15_000,
      dataDir: 'data',
      databaseUrl: null,
      retentionDays: 400,
      redisUrl: null,
      allowedOrigins: [],
      trustProxy: null,
      adminToken: null,
      conversionsToken: null,
      secret: null,
      previousSecret: null,
      leadsWebhookUrl: null,
      dashboard: 'protected',
      sourceMaps: 'off',
      metricsPublic: false,
      maxUpstreamOpenMs: null,
      limits: { eventsPerMinutePerIp: 300, eventsPerMinutePerVisitor: 60, leadsPerMinutePerIp: 10, conversionsPerMinute: 600, authFailuresPerMinutePerIp: 10 },
      codes: { holdMinutes: 60, lowStockWarning: 100 },
      reconcile: { callsPerMinute: 30, firstCheckMinutes: 60 },
      upstream: { callsPerMinute: null },
      localScore: { mode: 'off', weights: DEFAULT_WEIGHTS },
      logger: null,
      logLevel: 'info',
    });
  });

  it('the local score: off by default with the documented weights; a mode and some weights, the rest kept; from LOCAL_SCORE and LOCAL_SCORE_WEIGHTS (JSON)', () => {
    expect(parseOptions({ datafast, localScore: { mode: 'when-missing', weights: { pricing: 2, $comment: 'fitted in March' } } }).localScore).toEqual({ mode: 'when-missing', weights: { ...DEFAULT_WEIGHTS, pricing: 2 } });
    expect(parseOptions(optionsFromEnv({ DATAFAST_API_KEY: 'df_test_key', LOCAL_SCORE: 'when-missing', LOCAL_SCORE_WEIGHTS: '{"mobile":-1}' })).localScore).toEqual({ mode: 'when-missing', weights: { ...DEFAULT_WEIGHTS, mobile: -1 } });
    expect(() => parseOptions({ datafast, localScore: { mode: 'always' as 'off' } })).toThrow(/localScore\.mode/);
    expect(() => parseOptions({ datafast, localScore: { weights: { pricing: 99 } } })).toThrow(/localScore\.weights\.pricing/);
    expect(() => parseOptions({ datafast, localScore: { weights: { price: 1 } as never } })).toThrow(/localScore\.weights/);
    const fromEnv = optionsFromEnv({ DATAFAST_API_KEY: 'df_test_key', LOCAL_SCORE_WEIGHTS: '{pricing: 1}' });
    try {
      parseOptions(fromEnv);
      expect.unreachable('not JSON: refused');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect(namedByEnv(fromEnv, err as ConfigError).message).toMatch(/^LOCAL_SCORE_WEIGHTS: /);
    }
  });

  it('the upstream budget: none for DataFast unless set, a whole number of calls a minute or null; from UPSTREAM_CALLS_PER_MINUTE (a number or off)', () => {
    expect(parseOptions({ datafast, upstream: { callsPerMinute: 120 } }).upstream).toEqual({ callsPerMinute: 120 });
    expect(parseOptions({ datafast, upstream: { callsPerMinute: null } }).upstream).toEqual({ callsPerMinute: null });
    expect(parseOptions(optionsFromEnv({ DATAFAST_API_KEY: 'df_test_key', UPSTREAM_CALLS_PER_MINUTE: '90' })).upstream).toEqual({ callsPerMinute: 90 });
    expect(parseOptions(optionsFromEnv({ DATAFAST_API_KEY: 'df_test_key', UPSTREAM_CALLS_PER_MINUTE: 'off' })).upstream).toEqual({ callsPerMinute: null });
    expect(() => parseOptions({ datafast, upstream: { callsPerMinute: 0 } })).toThrow(/upstream\.callsPerMinute/);
    expect(() => parseOptions({ datafast, upstream: { callsPerMinute: 1.5 } })).toThrow(/upstream\.callsPerMinute/);
  });

  it('the store: Postgres with databaseUrl (SQLite in dataDir without), rows kept retentionDays (null: for ever); from DATABASE_URL and RETENTION_DAYS', () => {
    const url = 'postgres://shop:pw@db.example.com:5432/offers';
    expect(parseOptions({ datafast, databaseUrl: url, retentionDays: 30 })).toMatchObject({ databaseUrl: url, retentionDays: 30 });
    expect(parseOptions({ datafast, databaseUrl: null, retentionDays: null })).toMatchObject({ databaseUrl: null, retentionDays: null });
    expect(parseOptions(optionsFromEnv({ DATAFAST_API_KEY: 'df_test_key', DATABASE_URL: url, RETENTION_DAYS: 'off' }))).toMatchObject({ databaseUrl: url, retentionDays: null });
    expect(parseOptions(optionsFromEnv({ DATAFAST_API_KEY: 'df_test_key', RETENTION_DAYS: '90' })).retentionDays).toBe(90);
  });

  it('single-use codes: hold time and low-stock warning, each alone or both; from CODES_HOLD_MINUTES and CODES_LOW_STOCK_WARNING', () => {
    expect(parseOptions({ datafast, codes: { holdMinutes: 15 } }).codes).toEqual({ holdMinutes: 15, lowStockWarning: 100 });
    expect(parseOptions({ datafast, codes: { lowStockWarning: 0 } }).codes).toEqual({ holdMinutes: 60, lowStockWarning: 0 });
    expect(parseOptions(optionsFromEnv({ DATAFAST_API_KEY: 'df_test_key', CODES_HOLD_MINUTES: '30', CODES_LOW_STOCK_WARNING: '25' })).codes).toEqual({ holdMinutes: 30, lowStockWarning: 25 });
    expect(() => parseOptions({ datafast, codes: { holdMinutes: 0 } })).toThrow('codes.holdMinutes: must be at least 1, got 0');
    expect(() => parseOptions({ datafast, codes: { lowStockWarning: -1 } })).toThrow('codes.lowStockWarning: must be at least 0, got -1');
  });

  it('the DataFast reconciliation: its call budget (0 turns it off) and first look, each alone; out of range refused', () => {
    expect(parseOptions({ datafast, reconcile: { callsPerMinute: 0 } }).reconcile).toEqual({ callsPerMinute: 0, firstCheckMinutes: 60 });
    expect(parseOptions({ datafast, reconcile: { firstCheckMinutes: 5 } }).reconcile).toEqual({ callsPerMinute: 30, firstCheckMinutes: 5 });
    expect(() => parseOptions({ datafast, reconcile: { callsPerMinute: 10_001 } })).toThrow('reconcile.callsPerMinute: must be at most 10000, got 10001');
    expect(() => parseOptions({ datafast, reconcile: { firstCheckMinutes: 1.5 } })).toThrow('reconcile.firstCheckMinutes');
  });

  it('metrics and readiness: public metrics on request; an open breaker may be left out of readiness with null', () => {
    expect(parseOptions({ datafast, metrics: { public: true } }).metricsPublic).toBe(true);
    expect(parseOptions({ datafast, metrics: {} }).metricsPublic).toBe(false);
    expect(parseOptions({ datafast, readiness: { maxUpstreamOpenMs: 60_000 } }).maxUpstreamOpenMs).toBe(60_000);
    expect(parseOptions({ datafast, readiness: { maxUpstreamOpenMs: null } }).maxUpstreamOpenMs).toBeNull();
    expect(parseOptions({ datafast, readiness: {} }).maxUpstreamOpenMs).toBeNull();
  });

  it('keep what is given, next to the defaults of what is not', () => {
    const o = parseOptions({ datafast, cache: { ttlMs: 5000 }, limits: { leadsPerMinutePerIp: 3 }, allowedOrigins: ['HTTPS://Shop.Example.com/'] });
    expect(o.cache).toEqual({ ...DEFAULTS.cache, ttlMs: 5000 });
    expect(o.limits).toEqual({ ...DEFAULTS.limits, leadsPerMinutePerIp: 3 });
    expect(o.allowedOrigins).toEqual(['https://shop.example.com']);
  });

  it('accept the published old names: liveIntervalMs for cache.liveTtlMs', () => {
    expect(parseOptions({ datafast, liveIntervalMs: 5000 }).liveTtlMs).toBe(5000);
    expect(parseOptions({ datafast, cache: { liveTtlMs: 7000 } }).liveTtlMs).toBe(7000);
  });

  it('load an offers file only when the router is made, and watch it unless told not to', () => {
    expect(parseOptions({ datafast, offersFile: '/nowhere/offers.json' }).offers).toEqual({ kind: 'file', path: '/nowhere/offers.json', watch: true });
    expect(parseOptions({ datafast, offersFile: 'o.json', watchOffersFile: false }).offers).toEqual({ kind: 'file', path: 'o.json', watch: false });
  });
});
