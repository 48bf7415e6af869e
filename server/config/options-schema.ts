// The router's options as one schema: the offers file's keys at the top level plus settings.
// `visitorOffers(options)` and the standalone server's environment both end here, so a setting is
// checked the same way wherever it comes from, before anything is opened.
import { z } from 'zod';
import { PROVIDERS } from '../analytics/client.js';
import { trustProxyProblem, type TrustProxySetting } from '../http/trust-proxy.js';
import { obj, offersShape } from './offers-schema.js';
import { tokenWeakness } from './token-strength.js';
import { upstreamUrlProblem } from './upstream-url.js';
import { FEATURES, type Feature } from '../scoring/local-score.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** A pino level, or `silent`. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A URL the server sends a secret or personal data to: upstream-url.ts has the rules. */
const upstreamUrl = (credentialsHint: string) =>
  z.string().superRefine((value, ctx) => {
    const problem = upstreamUrlProblem(value, credentialsHint);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });
const token = z.string().superRefine((value, ctx) => {
  const problem = tokenWeakness(value);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});
// The decision tokens' HMAC secret: as strong as a token, and never repeated in an error.
const secret = z.string().superRefine((value, ctx) => {
  const problem = tokenWeakness(value, 'it is set in an environment variable or a config file');
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});
const perMinute = z.number().int().min(1).max(1_000_000);
const ms = (min: number, max: number) => z.number().int().min(min).max(max);

// Any Redis URL ioredis reads; its password, if any, is never repeated in an error.
const redisUrl = z.string().superRefine((value, ctx) => {
  if (!/^rediss?:\/\/[^\s]+$/.test(value) || !URL.canParse(value)) ctx.addIssue({ code: 'custom', message: 'must be a redis:// or rediss:// URL' });
});

// A Postgres connection URL (pg reads it); it holds a password, so it is never repeated in an error.
const databaseUrl = z.string().superRefine((value, ctx) => {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    url = null;
  }
  const ok = url !== null && (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '' && /^\/[^/]+$/.test(url.pathname);
  if (!ok) ctx.addIssue({ code: 'custom', message: 'must be a postgres:// URL with a host and a database, like postgres://user:password@db.example.com:5432/visitor_offers' });
});

const origin = z.string().superRefine((value, ctx) => {
  if (!isOrigin(value)) ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin like https://shop.example.com (scheme and host, no path)` });
});

const MISSING_KEY = 'is missing: pass your df_… website key or dft_… account token';

/** Each kind of DataFast call (visitor lookups, realtime map, goals) has a breaker with these settings. */
const breakerSchema = obj({
  failureThreshold: z.number().int().min(1).max(1_000).optional(),
  failureWindowMs: ms(1_000, 3_600_000).optional(),
  coolDownMs: ms(1_000, 3_600_000).optional(),
});

const datafastSchema = obj({
  apiKey: z
    .string({ error: (iss) => (iss.input === undefined ? MISSING_KEY : undefined) })
    .min(1, MISSING_KEY)
    .regex(/^dft?_./, 'must start with df_ (website key) or dft_ (account token)')
    // It goes into an HTTP header: anything else there would fail every call, not start-up.
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
  websiteId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a website id of letters, digits, _ and - (up to 64)')
    .nullable()
    .optional(),
  apiUrl: upstreamUrl('the key belongs in the API key setting (DATAFAST_API_KEY)').optional(),
  timeoutMs: ms(1, 60_000).optional(),
  breaker: breakerSchema.optional(),
}).superRefine((d, ctx) => {
  if (d.apiKey.startsWith('dft_') && (d.websiteId === undefined || d.websiteId === null)) {
    ctx.addIssue({ code: 'custom', path: ['websiteId'], message: 'is required with a dft_ account token (it is sent as ?websiteId=)' });
  }
});

const MISSING_POSTMETRIC_KEY = 'is missing: pass your PostMetric API key (website settings → API Keys)';
const MISSING_POSTMETRIC_URL = 'is missing: PostMetric documents no public host, give your API\'s base URL (like https://postmetric.example.com)';

const postmetricSchema = obj({
  apiKey: z
    .string({ error: (iss) => (iss.input === undefined ? MISSING_POSTMETRIC_KEY : undefined) })
    .min(1, MISSING_POSTMETRIC_KEY)
    // It goes into an HTTP header: anything else there would fail every call, not start-up.
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
  apiUrl: z.string({ error: (iss) => (iss.input === undefined ? MISSING_POSTMETRIC_URL : undefined) }).pipe(upstreamUrl('the key belongs in the API key setting (POSTMETRIC_API_KEY)')),
  timeoutMs: ms(1, 60_000).optional(),
  breaker: breakerSchema.optional(),
});

// A cookie name as RFC 6265 allows it (an HTTP token), of a sensible length.
const cookieName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/, 'must be a cookie name: letters, digits and !#$%&\'*+-.^_`|~ (up to 64)');

const cacheSchema = obj({
  max: z.number().int().min(1).max(10_000_000).optional(),
  maxBytes: z.number().int().min(65_536).max(8 * 1024 ** 3).optional(),
  ttlMs: ms(0, 86_400_000).optional(),
  negativeTtlMs: ms(0, 86_400_000).optional(),
  staleIfErrorMs: ms(0, 86_400_000).optional(),
  liveTtlMs: ms(1_000, 3_600_000).optional(),
});

const limitsSchema = obj({
  eventsPerMinutePerIp: perMinute.optional(),
  eventsPerMinutePerVisitor: perMinute.optional(),
  leadsPerMinutePerIp: perMinute.optional(),
  conversionsPerMinute: perMinute.optional(),
  authFailuresPerMinutePerIp: perMinute.optional(),
});

// Express's `trust proxy` syntax, checked by Express's own parser.
const trustProxy = z.custom<TrustProxySetting>().superRefine((value, ctx) => {
  const problem = trustProxyProblem(value);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

const codesSchema = obj({
  holdMinutes: z.number().int().min(1).max(10_080).optional(),
  lowStockWarning: z.number().int().min(0).max(10_000_000).optional(),
});

const reconcileSchema = obj({
  callsPerMinute: z.number().int().min(0).max(10_000).optional(),
  firstCheckMinutes: z.number().int().min(0).max(1_440).optional(),
});

const upstreamSchema = obj({
  callsPerMinute: z.number().int().min(1).max(1_000_000).nullable().optional(),
});

const weight = z.number().finite().min(-50).max(50);
const localScoreSchema = obj({
  mode: z.enum(['off', 'when-missing']).optional(),
  weights: obj({
    intercept: weight.optional(),
    baseline: weight.optional(),
    ...(Object.fromEntries(FEATURES.map((k) => [k, weight.optional()])) as Record<Feature, z.ZodOptional<typeof weight>>),
  }).optional(),
});

const metricsSchema = obj({
  public: z.boolean({ error: 'must be true or false' }).optional(),
});

const readinessSchema = obj({
  maxUpstreamOpenMs: ms(0, 86_400_000).nullable().optional(),
});

const LOGGER_METHODS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
const loggerSchema = z.custom<object>(
  (v) => typeof v === 'object' && v !== null && LOGGER_METHODS.every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
  'expected a pino logger (an object with fatal, error, warn, info, debug and trace methods)',
);

// An offers file as written may name its JSON Schema; accepted (and ignored) wherever offers are.
const offersAsWritten = { $schema: z.string().optional(), ...offersShape };

export const optionsSchema = obj({
  ...offersAsWritten,
  provider: z.enum(PROVIDERS, { error: 'must be "datafast" or "postmetric"' }).optional(),
  datafast: datafastSchema.optional(),
  postmetric: postmetricSchema.optional(),
  visitorCookie: cookieName.optional(),
  offersFile: z.string().trim().min(1, 'must not be empty').optional(),
  watchOffersFile: z.boolean().optional(),
  decisions: obj(offersAsWritten).optional(),
  cache: cacheSchema.optional(),
  liveIntervalMs: ms(1_000, 3_600_000).optional(),
  dataDir: z.string().trim().min(1, 'must not be empty').optional(),
  databaseUrl: databaseUrl.nullable().optional(),
  retentionDays: z.number().int().min(1).max(36_500).nullable().optional(),
  redisUrl: redisUrl.nullable().optional(),
  allowedOrigins: z.array(origin).optional(),
  trustProxy: trustProxy.optional(),
  adminToken: token.nullable().optional(),
  conversionsToken: token.nullable().optional(),
  secret: secret.nullable().optional(),
  previousSecret: secret.nullable().optional(),
  leadsWebhookUrl: upstreamUrl('put a secret in the path instead, like https://hooks.example.com/leads/<secret>').nullable().optional(),
  dashboard: z.enum(['open', 'protected']).optional(),
  sourceMaps: z.enum(['public', 'off']).optional(),
  metrics: metricsSchema.optional(),
  readiness: readinessSchema.optional(),
  limits: limitsSchema.optional(),
  codes: codesSchema.optional(),
  reconcile: reconcileSchema.optional(),
  upstream: upstreamSchema.optional(),
  localScore: localScoreSchema.optional(),
  logger: loggerSchema.optional(),
  logLevel: z.enum(LOG_LEVELS).optional(),
});

export type OptionsData = z.output<typeof optionsSchema>;

/** The offers keys that may sit at the top level of the options. */
export const OFFERS_KEYS = Object.keys(offersShape) as (keyof typeof offersShape)[];

function isOrigin(value: string): boolean {
  try {
    const u = new URL(value);
    // Scheme, host and port only: no user, no path (a lone "/" is tolerated), no query or fragment.
    const bare = u.username === '' && u.password === '' && u.pathname === '/' && u.search === '' && u.hash === '';
    return (u.protocol === 'http:' || u.protocol === 'https:') && bare && !value.includes('?') && !value.includes('#');
  } catch {
    return false;
  }
}
