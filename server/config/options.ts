// Checks the router's options against the one schema and resolves them: old names mapped to the
// current ones, defaults filled in, the offers normalised. Pure: nothing is read or opened here,
// so a mistake is reported before the router touches a file, a socket or a timer.
import type { Logger } from 'pino';
import type { Provider } from '../analytics/client.js';
import { DEFAULT_BREAKER_SETTINGS } from '../datafast/breaker.js';
import type { TrustProxySetting } from '../http/trust-proxy.js';
import { ConfigError, type Problem } from './config-error.js';
import { friendlyMessage, problemsOf } from './messages.js';
import { normaliseOffers, type OffersConfig } from './offers-normalise.js';
import { OFFERS_KEYS, optionsSchema, type LogLevel, type OptionsData } from './options-schema.js';
import type { VisitorOffersOptions } from './options-types.js';
import { dropUndefined } from './objects.js';
import { defaultCallsPerMinute } from '../upstream/token-bucket.js';
import { DEFAULT_WEIGHTS, type ScoreWeights } from '../scoring/local-score.js';
import { defaultLocalScoreMode, type LocalScoreConfig } from '../scoring/score-source.js';

export const DEFAULTS = {
  apiUrl: 'https://datafa.st',
  timeoutMs: 1500,
  breaker: DEFAULT_BREAKER_SETTINGS,
  cache: { max: 10_000, maxBytes: 32 * 1024 * 1024, ttlMs: 60_000, negativeTtlMs: 10_000, staleIfErrorMs: 300_000 },
  liveTtlMs: 15_000,
  dataDir: 'data',
  retentionDays: 400,
  limits: { eventsPerMinutePerIp: 300, eventsPerMinutePerVisitor: 60, leadsPerMinutePerIp: 10, conversionsPerMinute: 600, authFailuresPerMinutePerIp: 10 },
  codes: { holdMinutes: 60, lowStockWarning: 100 },
  reconcile: { callsPerMinute: 30, firstCheckMinutes: 60 },
  logLevel: 'info' as LogLevel,
  // DataFast's outages are every instance's at once: taking them all out of traffic would turn
  // "no offer" into failed pages, events and leads. Opt in for instance-local upstream trouble.
  maxUpstreamOpenMs: null,
} as const;

/**
 * Where the offers come from: given inline (checked now; `place` is where they sat in the
 * options, '' or 'decisions.'), or a file the router loads and may watch.
 */
export type OffersSource = { kind: 'inline'; config: OffersConfig; place: '' | 'decisions.' } | { kind: 'file'; path: string; watch: boolean };

/** The analytics cookie's default name per provider (PostMetric documents none: ours, documented in the README). */
export const DEFAULT_VISITOR_COOKIES: Readonly<Record<Provider, string>> = { datafast: 'datafast_visitor_id', postmetric: 'postmetric_visitor_id' };

type BreakerResolved = { failureThreshold: number; failureWindowMs: number; coolDownMs: number };

export interface ResolvedOptions {
  /** Which analytics API is asked about visitors and sent goals. */
  provider: Provider;
  /** null only with provider `postmetric` and no DataFast settings. */
  datafast: { apiKey: string; websiteId: string | null; apiUrl: string; timeoutMs: number; breaker: BreakerResolved } | null;
  /** null unless given. */
  postmetric: { apiKey: string; apiUrl: string; timeoutMs: number; breaker: BreakerResolved } | null;
  /** The analytics cookie the visitor id is read from. */
  visitorCookie: string;
  offers: OffersSource;
  cache: { max: number; maxBytes: number; ttlMs: number; negativeTtlMs: number; staleIfErrorMs: number };
  liveTtlMs: number;
  dataDir: string;
  /** Postgres for the durable store; null: SQLite in dataDir. */
  databaseUrl: string | null;
  /** null: nothing is pruned. */
  retentionDays: number | null;
  /** Redis for the state instances share (visitor cache, rate limits, realtime map, 429 pause); null: none. */
  redisUrl: string | null;
  /** As browsers send them in `Origin`: scheme and host lowercased, no trailing slash. */
  allowedOrigins: string[];
  /** Whom the router trusts for X-Forwarded-*; null leaves it to the host app's `trust proxy`. */
  trustProxy: TrustProxySetting | null;
  adminToken: string | null;
  conversionsToken: string | null;
  /** The decision tokens' secret; null: generated and kept in the store. */
  secret: string | null;
  /** A rotated-out secret still accepted; null: none. */
  previousSecret: string | null;
  leadsWebhookUrl: string | null;
  dashboard: 'open' | 'protected';
  sourceMaps: 'public' | 'off';
  /** `GET /metrics` without a token. */
  metricsPublic: boolean;
  /** null: an open breaker never makes the router unready. */
  maxUpstreamOpenMs: number | null;
  limits: { eventsPerMinutePerIp: number; eventsPerMinutePerVisitor: number; leadsPerMinutePerIp: number; conversionsPerMinute: number; authFailuresPerMinutePerIp: number };
  /** Single-use codes: how long one is held for a visitor before their exposure claims it; below how many left a pool is logged as low. */
  codes: { holdMinutes: number; lowStockWarning: number };
  /** The DataFast conversion reconciliation: lookups per minute (0: off), minutes to the first look. */
  reconcile: { callsPerMinute: number; firstCheckMinutes: number };
  /** Calls per minute to the analytics API at most (upstream/); null: no budget. */
  upstream: { callsPerMinute: number | null };
  /** The local score for visitors without a prediction (scoring/). */
  localScore: LocalScoreConfig;
  /** The caller's logger, or null for the default one at `logLevel`. */
  logger: Logger | null;
  logLevel: LogLevel;
}

/**
 * @throws ConfigError naming the first problem (`datafast.apiUrl: must be an http(s) URL`); its
 * `problems` lists every one found.
 */
export function parseOptions(input: VisitorOffersOptions): ResolvedOptions {
  const parsed = optionsSchema.safeParse(input, { error: friendlyMessage });
  if (!parsed.success) throw ConfigError.of(problemsOf(parsed.error, input));
  const o = parsed.data;
  const problems: Problem[] = [];

  const inlineKeys = OFFERS_KEYS.filter((k) => o[k] !== undefined);
  if (o.decisions !== undefined && inlineKeys.length > 0) {
    problems.push({ place: 'decisions', problem: `give the offers at the top level or under "decisions" (its old name), not both (found ${inlineKeys.join(', ')} too)` });
  }
  if (o.offersFile !== undefined && (inlineKeys.length > 0 || o.decisions !== undefined)) {
    const given = o.decisions !== undefined ? 'decisions' : inlineKeys.join(', ');
    problems.push({ place: 'offersFile', problem: `load the offers from a file or give them inline, not both (found ${given} too)` });
  }
  if (o.watchOffersFile !== undefined && o.offersFile === undefined) {
    problems.push({ place: 'watchOffersFile', problem: 'only applies with offersFile' });
  }
  if (o.liveIntervalMs !== undefined && o.cache?.liveTtlMs !== undefined) {
    problems.push({ place: 'liveIntervalMs', problem: 'is the old name of cache.liveTtlMs: set only one' });
  }
  if (typeof o.adminToken === 'string' && o.adminToken === o.conversionsToken) {
    // The backend's token must not open the dashboard, experiments and preview links.
    problems.push({ place: 'conversionsToken', problem: 'is the same as the admin token: give the backend a token of its own (`visitor-offers gen-token`)' });
  }
  if (typeof o.previousSecret === 'string' && typeof o.secret !== 'string') {
    problems.push({ place: 'previousSecret', problem: 'only applies with secret: set the new secret there, and the old one here while its tokens live (24 h)' });
  } else if (typeof o.previousSecret === 'string' && o.previousSecret === o.secret) {
    problems.push({ place: 'previousSecret', problem: 'is the same as secret: a rotation needs a new secret (`visitor-offers gen-token`)' });
  }
  if (o.logger !== undefined && o.logLevel !== undefined) {
    problems.push({ place: 'logLevel', problem: 'sets the default logger’s level: with your own logger, set the level on it' });
  }

  let offers: OffersSource;
  if (o.offersFile !== undefined) {
    offers = { kind: 'file', path: o.offersFile, watch: o.watchOffersFile ?? true };
  } else {
    const fromAlias = o.decisions !== undefined;
    const data = fromAlias ? (o.decisions ?? {}) : pickOffers(o);
    const found: Problem[] = [];
    const config = normaliseOffers(data, process.cwd(), found);
    problems.push(...found.map((p) => (fromAlias ? { place: `decisions.${p.place}`, problem: p.problem } : p)));
    offers = { kind: 'inline', config, place: fromAlias ? 'decisions.' : '' };
  }
  const provider = o.provider ?? 'datafast';
  if (provider === 'datafast' && o.datafast === undefined) {
    problems.push({ place: 'datafast', problem: 'is required with provider "datafast" (the default): give { apiKey }, or set provider to "postmetric"' });
  }
  if (provider === 'postmetric' && o.postmetric === undefined) {
    problems.push({ place: 'postmetric', problem: 'is required with provider "postmetric": give { apiKey, apiUrl }' });
  }
  if (problems.length > 0) throw ConfigError.of(problems);

  const d = o.datafast;
  const pm = o.postmetric;
  return {
    provider,
    datafast:
      d === undefined
        ? null
        : {
            apiKey: d.apiKey,
            websiteId: d.websiteId ?? null,
            apiUrl: d.apiUrl ?? DEFAULTS.apiUrl,
            timeoutMs: d.timeoutMs ?? DEFAULTS.timeoutMs,
            breaker: { ...DEFAULTS.breaker, ...dropUndefined(d.breaker ?? {}) },
          },
    postmetric:
      pm === undefined
        ? null
        : { apiKey: pm.apiKey, apiUrl: pm.apiUrl, timeoutMs: pm.timeoutMs ?? DEFAULTS.timeoutMs, breaker: { ...DEFAULTS.breaker, ...dropUndefined(pm.breaker ?? {}) } },
    visitorCookie: o.visitorCookie ?? DEFAULT_VISITOR_COOKIES[provider],
    offers,
    cache: { ...DEFAULTS.cache, ...dropUndefined({ max: o.cache?.max, maxBytes: o.cache?.maxBytes, ttlMs: o.cache?.ttlMs, negativeTtlMs: o.cache?.negativeTtlMs, staleIfErrorMs: o.cache?.staleIfErrorMs }) },
    liveTtlMs: o.cache?.liveTtlMs ?? o.liveIntervalMs ?? DEFAULTS.liveTtlMs,
    dataDir: o.dataDir ?? DEFAULTS.dataDir,
    databaseUrl: o.databaseUrl ?? null,
    retentionDays: o.retentionDays === undefined ? DEFAULTS.retentionDays : o.retentionDays,
    redisUrl: o.redisUrl ?? null,
    allowedOrigins: (o.allowedOrigins ?? []).map((origin) => new URL(origin).origin),
    trustProxy: o.trustProxy ?? null,
    adminToken: o.adminToken ?? null,
    conversionsToken: o.conversionsToken ?? null,
    secret: o.secret ?? null,
    previousSecret: o.previousSecret ?? null,
    leadsWebhookUrl: o.leadsWebhookUrl ?? null,
    dashboard: o.dashboard ?? 'protected',
    sourceMaps: o.sourceMaps ?? 'off',
    metricsPublic: o.metrics?.public ?? false,
    maxUpstreamOpenMs: o.readiness?.maxUpstreamOpenMs === undefined ? DEFAULTS.maxUpstreamOpenMs : o.readiness.maxUpstreamOpenMs,
    limits: { ...DEFAULTS.limits, ...dropUndefined(o.limits ?? {}) },
    codes: { ...DEFAULTS.codes, ...dropUndefined(o.codes ?? {}) },
    reconcile: { ...DEFAULTS.reconcile, ...dropUndefined(o.reconcile ?? {}) },
    // The provider's own limit unless set (null: set to none); DataFast publishes none.
    upstream: { callsPerMinute: o.upstream?.callsPerMinute === undefined ? defaultCallsPerMinute(provider) : o.upstream.callsPerMinute },
    localScore: { mode: o.localScore?.mode ?? defaultLocalScoreMode(provider), weights: weightsOf(o.localScore?.weights) },
    logger: (o.logger as Logger | undefined) ?? null,
    logLevel: o.logLevel ?? DEFAULTS.logLevel,
  };
}

/** The given weights over the defaults (a `$comment` beside them is not a weight). */
function weightsOf(given: Readonly<Record<string, unknown>> | undefined): ScoreWeights {
  const weights: ScoreWeights = { ...DEFAULT_WEIGHTS };
  for (const key of Object.keys(weights) as (keyof ScoreWeights)[]) {
    const value = given?.[key];
    if (typeof value === 'number') weights[key] = value;
  }
  return weights;
}

function pickOffers(o: OptionsData): Parameters<typeof normaliseOffers>[0] {
  return { thresholds: o.thresholds, bySegment: o.bySegment, offers: o.offers, rules: o.rules, experiments: o.experiments, holdout: o.holdout, identifiedVisitors: o.identifiedVisitors };
}
