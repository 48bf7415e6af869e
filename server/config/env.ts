// The standalone server's settings from the environment. Each variable maps to one router option
// (DATAFAST_API_URL → datafast.apiUrl); the options are checked by the router's one schema, and a
// problem is then named by the variable it came from: `DATAFAST_API_URL: must be an http(s) URL`.
import { z } from 'zod';
import { trustProxyFromText } from '../http/trust-proxy.js';
import { ConfigError, line, type Problem } from './config-error.js';
import { friendlyMessage, problemsOf } from './messages.js';
import { SERVER_LIMITS } from '../server-limits.js';
import { LOG_LEVELS, type LogLevel } from './options-schema.js';
import type { VisitorOffersOptions } from './options-types.js';

/** A variable's text (trimmed, not blank) as the option's value; a value the schema must refuse stays text. */
type Reader = (text: string) => unknown;

const asText: Reader = (text) => text;
const asList: Reader = (text) => text.split(',').map((s) => s.trim()).filter((s) => s !== '');
/** `true` or `false` (any case) as a boolean. */
const asBoolean: Reader = (text) => (text.toLowerCase() === 'true' ? true : text.toLowerCase() === 'false' ? false : text);
/** A decimal number (the schema then says if it must be whole or is out of range). */
const asNumber: Reader = (text) => (/^[+-]?\d+(\.\d+)?$/.test(text) ? Number(text) : text);
/** A number, or `off` (any case) for null: none. */
const asNumberOrOff: Reader = (text) => (text.toLowerCase() === 'off' ? null : asNumber(text));
/** JSON text (an object of weights); text that is not JSON stays text, for the schema to refuse. */
const asJson: Reader = (text) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};
/** A number of ms, or `off` (any case) for null: no limit. */
const asMsOrOff: Reader = (text) => (text.toLowerCase() === 'off' ? null : asNumber(text));

/** Each variable, the option it sets (a dotted path) and how its text is read. */
const VARIABLES: ReadonlyArray<readonly [name: string, path: string, read: Reader]> = [
  ['DATAFAST_API_KEY', 'datafast.apiKey', asText],
  ['DATAFAST_WEBSITE_ID', 'datafast.websiteId', asText],
  ['DATAFAST_API_URL', 'datafast.apiUrl', asText],
  ['DATAFAST_TIMEOUT_MS', 'datafast.timeoutMs', asNumber],
  ['DATAFAST_BREAKER_FAILURES', 'datafast.breaker.failureThreshold', asNumber],
  ['DATAFAST_BREAKER_WINDOW_MS', 'datafast.breaker.failureWindowMs', asNumber],
  ['DATAFAST_BREAKER_COOL_DOWN_MS', 'datafast.breaker.coolDownMs', asNumber],
  ['ANALYTICS_PROVIDER', 'provider', (text) => text.toLowerCase()],
  ['POSTMETRIC_API_KEY', 'postmetric.apiKey', asText],
  ['POSTMETRIC_API_URL', 'postmetric.apiUrl', asText],
  ['VISITOR_COOKIE', 'visitorCookie', asText],
  ['OFFERS_CONFIG', 'offersFile', asText],
  ['DATA_DIR', 'dataDir', asText],
  ['DATABASE_URL', 'databaseUrl', asText],
  ['RETENTION_DAYS', 'retentionDays', asNumberOrOff],
  ['REDIS_URL', 'redisUrl', asText],
  ['CACHE_MAX_BYTES', 'cache.maxBytes', asNumber],
  ['ALLOWED_ORIGINS', 'allowedOrigins', asList],
  ['TRUST_PROXY', 'trustProxy', trustProxyFromText],
  ['ADMIN_TOKEN', 'adminToken', asText],
  ['CONVERSIONS_TOKEN', 'conversionsToken', asText],
  ['VISITOR_OFFERS_SECRET', 'secret', asText],
  ['VISITOR_OFFERS_PREVIOUS_SECRET', 'previousSecret', asText],
  ['LEADS_WEBHOOK_URL', 'leadsWebhookUrl', asText],
  ['SOURCE_MAPS', 'sourceMaps', asText],
  ['METRICS_PUBLIC', 'metrics.public', asBoolean],
  ['READINESS_MAX_UPSTREAM_OPEN_MS', 'readiness.maxUpstreamOpenMs', asMsOrOff],
  // One variable per limit, like every other setting: each is named alone in an error, and set
  // alone by an orchestrator (a Kubernetes env entry, docker -e), with no syntax of its own.
  ['LIMIT_EVENTS_PER_MINUTE_PER_IP', 'limits.eventsPerMinutePerIp', asNumber],
  ['LIMIT_EVENTS_PER_MINUTE_PER_VISITOR', 'limits.eventsPerMinutePerVisitor', asNumber],
  ['LIMIT_LEADS_PER_MINUTE_PER_IP', 'limits.leadsPerMinutePerIp', asNumber],
  ['LIMIT_CONVERSIONS_PER_MINUTE', 'limits.conversionsPerMinute', asNumber],
  ['LIMIT_AUTH_FAILURES_PER_MINUTE_PER_IP', 'limits.authFailuresPerMinutePerIp', asNumber],
  ['CODES_HOLD_MINUTES', 'codes.holdMinutes', asNumber],
  ['CODES_LOW_STOCK_WARNING', 'codes.lowStockWarning', asNumber],
  ['RECONCILE_CALLS_PER_MINUTE', 'reconcile.callsPerMinute', asNumber],
  ['RECONCILE_FIRST_CHECK_MINUTES', 'reconcile.firstCheckMinutes', asNumber],
  ['UPSTREAM_CALLS_PER_MINUTE', 'upstream.callsPerMinute', asNumberOrOff],
  ['LOCAL_SCORE', 'localScore.mode', asText],
  ['LOCAL_SCORE_WEIGHTS', 'localScore.weights', asJson],
  ['LOG_LEVEL', 'logLevel', asText],
];

/** The variables optionsFromEnv reads, each with the option it sets (for documentation and its test). */
export const OPTION_VARIABLES: ReadonlyArray<{ name: string; option: string }> = VARIABLES.map(([name, option]) => ({ name, option }));

/**
 * Marks options made by optionsFromEnv with the value each variable gave, so a problem is named by
 * the variable only while the option still holds that value. A symbol key: it survives
 * `{ ...options, logger }` and is invisible to the schema.
 */
const FROM_ENV: unique symbol = Symbol('visitor-offers.fromEnv');

/** Environment variables, like `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The router's options from environment variables (OPTION_VARIABLES: DATAFAST_API_KEY → datafast.apiKey,
 * LIMIT_LEADS_PER_MINUTE_PER_IP → limits.leadsPerMinutePerIp, …). Blank variables count as unset.
 * The result is checked by `visitorOffers()`, whose ConfigError then names the variable.
 */
export function optionsFromEnv(env: Env): VisitorOffersOptions {
  const given = new Map<string, unknown>();
  const options: Record<string, unknown> = { datafast: {} };
  for (const [name, path, read] of VARIABLES) {
    const text = setting(env, name);
    if (text === undefined) continue;
    const value = read(text);
    const keys = path.split('.');
    const last = keys.pop() as string;
    let node = options;
    for (const key of keys) node = (node[key] ??= {}) as Record<string, unknown>;
    node[last] = value;
    given.set(path, value);
  }
  // The chosen provider's settings always exist, so a missing key is named by its variable; the
  // other provider's are dropped when none of them was given.
  if (options.provider === 'postmetric') {
    options.postmetric ??= {};
    if (Object.keys(options.datafast as object).length === 0) delete options.datafast;
  }
  Object.defineProperty(options, FROM_ENV, { value: given, enumerable: true });
  return options as unknown as VisitorOffersOptions;
}

/** A ConfigError about options made by optionsFromEnv, renamed to the variables the values came from. */
export function namedByEnv(options: unknown, err: ConfigError): ConfigError {
  if (typeof options !== 'object' || options === null || !(FROM_ENV in options)) return err;
  const given = (options as { [FROM_ENV]: Map<string, unknown> })[FROM_ENV];
  const { file } = err;
  // A problem inside the offers file is named by the variable that points at the file.
  if (file !== undefined && given.get('offersFile') === file) {
    return ConfigError.of(err.problems.map((p) => ({ place: 'OFFERS_CONFIG', problem: line(file, p.place, p.problem) })));
  }
  if (file !== undefined) return err;
  const rename = (p: Problem): Problem => {
    const hit = VARIABLES.find(([, path]) => p.place === path || p.place.startsWith(`${path}.`) || p.place.startsWith(`${path}[`));
    if (hit && given.has(hit[1]) && valueAt(options, hit[1]) === given.get(hit[1])) return { place: hit[0], problem: p.problem };
    // A key the environment did not give (no DATAFAST_API_KEY at all) is still the variable's to set.
    if (hit && !given.has(hit[1]) && valueAt(options, hit[1]) === undefined) return { place: hit[0], problem: p.problem };
    return p;
  };
  return ConfigError.of(err.problems.map(rename));
}

function valueAt(root: object, path: string): unknown {
  let node: unknown = root;
  for (const key of path.split('.')) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

/** What only the standalone server reads: where to listen, its own log level, its HTTP server's limits. */
export interface ServerSettings {
  port: number;
  host: string;
  logLevel: LogLevel;
  /** Open connections at most (MAX_CONNECTIONS); null for the default that server-limits.ts works out. */
  maxConnections: number | null;
  /** Time a client has to send a request's headers (HEADERS_TIMEOUT_MS). */
  headersTimeoutMs: number;
  /** How long an idle keep-alive connection is kept (KEEP_ALIVE_TIMEOUT_MS): longer than a load balancer's idle timeout in front. */
  keepAliveTimeoutMs: number;
}

/** A whole number from min to max, as text; the message names the unit and the range. */
const wholeNumber = (unit: string, min: number, max: number) => {
  const message = `must be a whole number of ${unit} from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,10}$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);
};

const serverSchema = z.object({
  PORT: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a port number from 0 to 65535')
    .transform(Number)
    .refine((p) => p <= 65535, 'must be a port number from 0 to 65535'),
  HOST: z.string().min(1),
  LOG_LEVEL: z.enum(LOG_LEVELS),
  MAX_CONNECTIONS: wholeNumber('connections', 1, 1_000_000).nullable(),
  // Node refuses a headers timeout longer than the request timeout (30 s).
  HEADERS_TIMEOUT_MS: wholeNumber('ms', 1_000, SERVER_LIMITS.requestTimeoutMs),
  // Up to 2 h: a load balancer's idle timeout may be set to over an hour (AWS ALB: up to 4000 s).
  KEEP_ALIVE_TIMEOUT_MS: wholeNumber('ms', 1_000, 7_200_000),
});

/** The variables only the standalone server reads (for documentation and its test). */
export const SERVER_VARIABLES: readonly string[] = Object.keys(serverSchema.shape);

/** The variables whose value is repeated in their message (none of them is a secret or a URL). */
const ECHOED = new Set(['PORT', 'MAX_CONNECTIONS', 'HEADERS_TIMEOUT_MS', 'KEEP_ALIVE_TIMEOUT_MS']);

/**
 * PORT (default 3000; 0 picks a free port), HOST (default 0.0.0.0), LOG_LEVEL (default
 * info), MAX_CONNECTIONS, HEADERS_TIMEOUT_MS (default 10000), KEEP_ALIVE_TIMEOUT_MS (default 5000):
 * checked before the server makes its logger or anything else.
 * @throws ConfigError naming the variable
 */
export function serverSettingsFromEnv(env: Env): ServerSettings {
  const input = {
    PORT: setting(env, 'PORT') ?? '3000',
    HOST: setting(env, 'HOST') ?? '0.0.0.0',
    LOG_LEVEL: setting(env, 'LOG_LEVEL') ?? 'info',
    MAX_CONNECTIONS: setting(env, 'MAX_CONNECTIONS') ?? null,
    HEADERS_TIMEOUT_MS: setting(env, 'HEADERS_TIMEOUT_MS') ?? String(SERVER_LIMITS.headersTimeoutMs),
    KEEP_ALIVE_TIMEOUT_MS: setting(env, 'KEEP_ALIVE_TIMEOUT_MS') ?? String(SERVER_LIMITS.keepAliveTimeoutMs),
  };
  const parsed = serverSchema.safeParse(input, { error: friendlyMessage });
  if (!parsed.success) {
    const shown = (p: { place: string; problem: string }): string =>
      ECHOED.has(p.place) ? `${p.problem}, got "${input[p.place as keyof typeof input] ?? ''}"` : p.problem;
    const problems = problemsOf(parsed.error, input).map((p) => ({ ...p, problem: shown(p) }));
    throw ConfigError.of(problems);
  }
  const d = parsed.data;
  return {
    port: d.PORT,
    host: d.HOST,
    logLevel: d.LOG_LEVEL,
    maxConnections: d.MAX_CONNECTIONS,
    headersTimeoutMs: d.HEADERS_TIMEOUT_MS,
    keepAliveTimeoutMs: d.KEEP_ALIVE_TIMEOUT_MS,
  };
}

/** An unset or blank variable is treated as absent. */
function setting(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}
