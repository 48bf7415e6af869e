// The router's options as a developer writes them, documented field by field. The schema in
// options-schema.ts is the one that checks them; a type test keeps the two in step.
import type { Logger } from 'pino';
import type { TrustProxySetting } from '../http/trust-proxy.js';
import type { OffersInput } from './offers-schema.js';
import type { LogLevel } from './options-schema.js';

export type { LogLevel };

/** The DataFast API the router asks about visitors (and sends goals to). */
export interface DataFastOptions {
  /** `df_…` website key, or `dft_…` account token (then `websiteId` is required). Env: `DATAFAST_API_KEY`. Never logged or sent to a browser. */
  apiKey: string;
  /** The website id, sent as `?websiteId=` with a `dft_` token. Env: `DATAFAST_WEBSITE_ID`. */
  websiteId?: string | null;
  /** Base URL of the API: `https://`, no user or password in it (`http://` only to localhost, 127.0.0.0/8 or [::1]). Default `https://datafa.st`. Env: `DATAFAST_API_URL`. */
  apiUrl?: string;
  /** Budget for one DataFast call, its retry included, in ms (1–60000). Default 1500. Env: `DATAFAST_TIMEOUT_MS`. */
  timeoutMs?: number;
  /** The circuit breakers in front of DataFast: one for visitor lookups, one for the realtime map, one for goals. */
  breaker?: BreakerOptions;
}

/**
 * When DataFast keeps failing, calls fail fast instead of waiting for the timeout: a visitor with
 * a cached record is served it at once, others get `upstream-unavailable`. A 429 opens every
 * breaker until its Retry-After.
 */
export interface BreakerOptions {
  /** Failures in a row (timeouts, resets, 5xx; not one record refused as too large or unreadable) that open a breaker (1–1000). Default 5. Env: `DATAFAST_BREAKER_FAILURES`. */
  failureThreshold?: number;
  /** Those failures must fall within this many ms, first to last (1000–3600000). Default 60000. Env: `DATAFAST_BREAKER_WINDOW_MS`. */
  failureWindowMs?: number;
  /** How long an open breaker refuses calls before it lets one probe through, in ms (1000–3600000). Default 30000. Env: `DATAFAST_BREAKER_COOL_DOWN_MS`. */
  coolDownMs?: number;
}

/** How long answers are reused. */
export interface CacheOptions {
  /** Visitors kept in memory (LRU). Default 10000. */
  max?: number;
  /** Estimated bytes of heap the visitor records may take in all (LRU; at least 65536). Default 33554432 (32 MiB). Env: `CACHE_MAX_BYTES`. */
  maxBytes?: number;
  /** How long a visitor record is reused, in ms. Default 60000. */
  ttlMs?: number;
  /** How long a bot (400), unknown-visitor (404) or refused record (over 256 kB, unreadable) is reused, in ms. Default 10000. */
  negativeTtlMs?: number;
  /** How long after expiry a record may still be served while DataFast fails, in ms. Default 300000. */
  staleIfErrorMs?: number;
  /** How long one fetch of DataFast's realtime map serves `/live` for everyone, in ms (1000–3600000). Default 15000. */
  liveTtlMs?: number;
}

/** Requests per minute accepted before answering 429. */
export interface LimitOptions {
  /** `POST /events` per client address (an IPv6 one by its /64). Default 300. Env: `LIMIT_EVENTS_PER_MINUTE_PER_IP`. */
  eventsPerMinutePerIp?: number;
  /** `POST /events` per visitor. Default 60. Env: `LIMIT_EVENTS_PER_MINUTE_PER_VISITOR`. */
  eventsPerMinutePerVisitor?: number;
  /** `POST /leads` per client address (an IPv6 one by its /64). Default 10. Env: `LIMIT_LEADS_PER_MINUTE_PER_IP`. */
  leadsPerMinutePerIp?: number;
  /** `POST /conversions` per client address (an IPv6 one by its /64). Default 600. Env: `LIMIT_CONVERSIONS_PER_MINUTE`. */
  conversionsPerMinute?: number;
  /**
   * Wrong bearer tokens per client address, on every route that takes one together. Past it, each
   * of those routes answers that address 429 (with `Retry-After`) without checking its token, the
   * right one included, until its count slides under the limit. Default 10. Env: `LIMIT_AUTH_FAILURES_PER_MINUTE_PER_IP`.
   */
  authFailuresPerMinutePerIp?: number;
}

/**
 * Single-use codes of pooled coupons (`codePool`). A visitor's code is held for them when their
 * offer is decided, so the offer shows it at once and they get the same one from any instance; their
 * first exposure claims it for good. A hold that no exposure follows lapses, and the code goes to
 * someone else (until then it is still theirs).
 */
export interface CodesOptions {
  /** How long a code is held for a visitor whose offer has not been seen yet, renewed each time they ask, in minutes (1–10080). Default 60. Env: `CODES_HOLD_MINUTES`. */
  holdMinutes?: number;
  /**
   * A pool with fewer codes left than this (free, or held past their hold) is logged as a warning,
   * once each time it falls below; an empty pool is logged as an error. 0 logs only the empty pool. Default 100. Env: `CODES_LOW_STOCK_WARNING`.
   */
  lowStockWarning?: number;
}

/**
 * DataFast as a conversion source: exposed visitors who have not converted are looked up again
 * within their attribution window, and a `payment` or `subscription_*` goal after their exposure
 * counts as their conversion.
 */
export interface ReconcileOptions {
  /** DataFast visitor lookups per minute at most, per instance (0–10000; 0 turns it off). Default 30. Env: `RECONCILE_CALLS_PER_MINUTE`. */
  callsPerMinute?: number;
  /** Minutes from a visitor's exposure to the first look (0–1440). Default 60. Env: `RECONCILE_FIRST_CHECK_MINUTES`. */
  firstCheckMinutes?: number;
}

/**
 * The upstream budget: calls to the analytics API per API key, shared by every instance through
 * Redis when there is one. Past it, a visitor without a record gets no offer (`upstream-budget`)
 * without a call, and a visitor whose record expired is served that record; new visitors are
 * looked up before records are refreshed.
 */
export interface UpstreamOptions {
  /**
   * Calls per minute at most, in any 60 s (1–1000000), or `null` for no budget. Default: the
   * provider's published limit (PostMetric: 100), none for DataFast (it publishes none). X-RateLimit-
   * Remaining/-Reset in the provider's answers tighten it further. Env: `UPSTREAM_CALLS_PER_MINUTE`
   * (a number, or `off` for null).
   */
  callsPerMinute?: number | null;
}

/**
 * A score for visitors the provider has no prediction for (scoring/, README "The local score"):
 * the same 0–100 score and 0–1 confidence, from sessions, page views, recency, session length,
 * pricing and checkout pages, the first visit's source and the device. Decisions then say
 * `scoreSource: "local"`.
 */
export interface LocalScoreOptions {
  /**
   * `when-missing`: score visitors whose prediction is null (DataFast without revenue attribution;
   * an identified visitor is not scored: DataFast gives customers no prediction). `off`: they stay
   * `unknown`. Default `off` for DataFast. Env: `LOCAL_SCORE`.
   */
  mode?: 'off' | 'when-missing';
  /**
   * Weights of the model, each −50 to 50; the ones not given keep their defaults (README's table).
   * `visitor-offers fit-score` prints weights fitted on the site's own visitors in this form.
   * Env: `LOCAL_SCORE_WEIGHTS` (JSON, like `{"pricing":1.2}`).
   */
  weights?: Partial<Record<'intercept' | 'baseline' | 'sessions' | 'pageViews' | 'recency' | 'sessionMinutes' | 'pricing' | 'checkout' | 'search' | 'social' | 'email' | 'paid' | 'referral' | 'mobile' | 'tablet', number>> & { $comment?: string | string[] };
}

/** Who may read the metrics. */
export interface MetricsOptions {
  /**
   * `true`: anyone who can reach the handler reads the metrics (for a scraper on a private network
   * or behind your own access control). Default `false`: the admin token is needed (`Authorization:
   * Bearer <adminToken>`), and without an `adminToken` the handler answers 404. Env: `METRICS_PUBLIC`.
   */
  public?: boolean;
}

/** When the router reports itself not ready (besides a store that takes no writes). */
export interface ReadinessOptions {
  /**
   * How long DataFast's visitor lookups may fail (their breaker not closed since it opened, its
   * last probe failed) before the router is not ready, in ms (0–86400000); readiness then makes
   * the breaker's probe itself, so an instance out of traffic sees DataFast come back. Default
   * `null`: DataFast never makes it unready — an outage is every instance's at once, and offers
   * are still answered (with no offer), events and leads stored, meanwhile. Env:
   * `READINESS_MAX_UPSTREAM_OPEN_MS` (a number of ms, or `off` for null).
   */
  maxUpstreamOpenMs?: number | null;
}

/** The offers file's content (see the README's offers file reference), as options. */
export interface OffersOptions {
  /** The JSON Schema an offers file names for editors; ignored. */
  $schema?: string;
  /** A note for people, as in every object of an offers file; ignored. */
  $comment?: string | string[];
  /** Where scores split into segments: `low` (40), `high` (60), `minConfidence` (0.5). */
  thresholds?: OffersInput['thresholds'];
  /** The offer id (or null) each segment gets when no rule matches. */
  bySegment?: OffersInput['bySegment'];
  /** Offers by id; one with a built-in id replaces the built-in. */
  offers?: OffersInput['offers'];
  /** Checked top to bottom: the first rule whose conditions all hold decides. */
  rules?: OffersInput['rules'];
  /** A/B experiments that rules may start. */
  experiments?: OffersInput['experiments'];
  /** Share of visitors (0–0.5) who never see any offer, to read what the offers add. Default 0. */
  holdout?: OffersInput['holdout'];
  /** How identified visitors are treated: `withoutPrediction` ("customer", default, or "unknown") and `leadMagnets` (default false). */
  identifiedVisitors?: OffersInput['identifiedVisitors'];
}

/** PostMetric's API (docs.postmetric.io), asked about visitors and sent goals with provider `postmetric`. */
export interface PostMetricOptions {
  /** Bearer API key (website settings → API Keys). Env: `POSTMETRIC_API_KEY`. Never logged or sent to a browser. */
  apiKey: string;
  /** Base URL of your PostMetric API (its docs give only a placeholder host): `https://`, `http://` only to localhost. Required. Env: `POSTMETRIC_API_URL`. */
  apiUrl: string;
  /** Budget for one call, its retry included, in ms (1–60000). Default 1500. */
  timeoutMs?: number;
  /** Its circuit breakers, as DataFast's. */
  breaker?: BreakerOptions;
}

/**
 * Everything `visitorOffers()` accepts: the offers file's keys at the top level (or `offersFile`,
 * a path the router loads and watches), plus settings. Checked once, when the router is created;
 * a mistake throws a `ConfigError` naming the option before anything is opened.
 */
export interface VisitorOffersOptions extends OffersOptions {
  /** Which analytics API is asked about visitors and sent goals: `datafast` (default) or `postmetric`. Env: `ANALYTICS_PROVIDER`. */
  provider?: 'datafast' | 'postmetric';
  /** The DataFast API; required with provider `datafast`. */
  datafast?: DataFastOptions;
  /** The PostMetric API; required with provider `postmetric`. */
  postmetric?: PostMetricOptions;
  /**
   * The analytics cookie holding the visitor id. Default `datafast_visitor_id` (DataFast), or
   * `postmetric_visitor_id` (PostMetric, whose docs name no cookie). Env: `VISITOR_COOKIE`.
   */
  visitorCookie?: string;
  /**
   * Path of an offers file to load instead of giving the offers inline. It is watched: a changed
   * file is re-read and re-checked, and a bad one is logged and ignored (the old one stays).
   * Env: `OFFERS_CONFIG`. Relative `codePool` paths are resolved against the file's directory.
   */
  offersFile?: string;
  /** Re-read `offersFile` when it changes. Default true. */
  watchOffersFile?: boolean;
  /**
   * The offers file's content under one key: the first published name, still accepted.
   * @deprecated Put the keys at the top level instead.
   */
  decisions?: OffersOptions;
  /** How long answers are reused (visitor records, the realtime map). */
  cache?: CacheOptions;
  /**
   * How often the realtime map may be fetched for `/live`: the first published name of `cache.liveTtlMs`.
   * @deprecated Use `cache.liveTtlMs`.
   */
  liveIntervalMs?: number;
  /**
   * Directory of the embedded store: an SQLite database (leads, exposures, conversions, orders,
   * coupon codes) that one router at a time may open — a second one, in this process or another,
   * fails at start. An old `visitor-offers.jsonl` journal found there is imported once. Default `./data`. Env: `DATA_DIR`.
   */
  dataDir?: string;
  /**
   * A PostgreSQL database the instances share (`postgres://user:password@host:5432/database`)
   * instead of SQLite in `dataDir`: the tables (`vo_*`) are created and migrated at start. Never
   * logged. Default: none (SQLite). Env: `DATABASE_URL`.
   */
  databaseUrl?: string | null;
  /**
   * Days exposures, conversions, first exposures and orders are kept before they are deleted
   * (checked every 6 hours); `null` keeps them for ever. Leads are kept until deleted. Default 400. Env: `RETENTION_DAYS` (a number, or `off`).
   */
  retentionDays?: number | null;
  /**
   * A Redis the instances share (`redis://` or `rediss://`, a password in it if needed): the visitor
   * cache as a second level, one DataFast call per cold visitor for the fleet, the rate limits, the
   * realtime map (one fetch per interval for the fleet) and DataFast's 429 pause. Each operation has
   * a 50 ms budget; when Redis is down, slow or failing, each instance carries on with its own cache
   * and limits and comes back to sharing by itself. Start-up does not wait for it. Keys are
   * pseudonyms and values sealed with keys derived from the DataFast API key: no visitor id, client
   * address or record is readable in Redis. Default: none (everything per instance). Env: `REDIS_URL`.
   */
  redisUrl?: string | null;
  /** Other origins allowed to POST events and leads, like `https://shop.example.com` (the router's own origin always is). Env: `ALLOWED_ORIGINS`. */
  allowedOrigins?: string[];
  /**
   * Which peers may tell the client's address, scheme and host (`X-Forwarded-For`, `-Proto`,
   * `-Host`) for the requests this router handles, in Express's `trust proxy` syntax: a hop count,
   * addresses, subnets and names (`loopback`, `linklocal`, `uniquelocal`) as a comma-separated
   * string or a list, or `false`. The rate limits key on the address it gives (`req.ip`) and the
   * same-origin check compares `Origin` with the scheme and host it gives. The host app's own
   * `trust proxy` setting is left as it is. Default: the host app's setting (the standalone server:
   * `loopback`). Env: `TRUST_PROXY`.
   */
  trustProxy?: TrustProxySetting;
  /**
   * Bearer token for the dashboard's data, `GET /experiments`, preview links and `POST /conversions`:
   * 32+ printable ASCII characters, at least 8 different ones, not a short piece repeated
   * (`visitor-offers gen-token` prints one). Env: `ADMIN_TOKEN`.
   */
  adminToken?: string | null;
  /** A second bearer token accepted by `POST /conversions` only, for the site's backend: the same rules as `adminToken`, and not the same token. Env: `CONVERSIONS_TOKEN`. */
  conversionsToken?: string | null;
  /**
   * The HMAC-SHA256 secret that signs the decision token `GET /offer` answers with (which `POST
   * /events` and `POST /leads` require): the same rules as `adminToken` (`visitor-offers gen-token`
   * prints one). Default: a random secret generated on first start and kept in the store, so every
   * instance on one `databaseUrl` shares it (SQLite: kept in `dataDir`). Set it when instances do
   * not share a database. Never logged, sent or repeated in an error. Env: `VISITOR_OFFERS_SECRET`.
   */
  secret?: string | null;
  /**
   * A secret being rotated out: tokens it signed are still accepted (for the 24 hours they live),
   * none is signed with it. Only with `secret`, and not the same. Env: `VISITOR_OFFERS_PREVIOUS_SECRET`.
   */
  previousSecret?: string | null;
  /** Where each lead is POSTed as JSON after it is stored: `https://`, no user or password in it (`http://` only to this machine). Env: `LEADS_WEBHOOK_URL`. */
  leadsWebhookUrl?: string | null;
  /** `'protected'` (default): the dashboard's data needs `adminToken`. `'open'`: no token; for the demo only. */
  dashboard?: 'open' | 'protected';
  /**
   * `'public'`: serve the widget's and the dashboard's source maps (`*.map`), and the bundles name
   * them in their `sourceMappingURL` comment. `'off'` (default): the maps answer 404 and the comment
   * is left out of the served bundles. Env: `SOURCE_MAPS`.
   */
  sourceMaps?: 'public' | 'off';
  /** Who may read `router.metrics()` (the standalone server's `GET /metrics`). */
  metrics?: MetricsOptions;
  /** When `health().ready` (the standalone server's `GET /readyz`) turns false. */
  readiness?: ReadinessOptions;
  /** Requests per minute accepted before answering 429. */
  limits?: LimitOptions;
  /** Single-use codes: hold time and the low-stock warning. */
  codes?: CodesOptions;
  /** The DataFast conversion reconciliation: its call budget and first look. */
  reconcile?: ReconcileOptions;
  /** The budget of calls to the analytics API. */
  upstream?: UpstreamOptions;
  /** The local score, for visitors without a prediction. */
  localScore?: LocalScoreOptions;
  /** A pino logger. Default: pino to stderr at `logLevel`. */
  logger?: Logger;
  /** Level of the default logger: `fatal`, `error`, `warn`, `info` (default), `debug`, `trace` or `silent`. Env: `LOG_LEVEL`. */
  logLevel?: LogLevel;
}
