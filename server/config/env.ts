// The standalone server's settings from the environment. Each variable maps to one router option
// (DATAFAST_API_URL → datafast.apiUrl); the options are checked by the router's one schema, and a
// problem is then named by the variable it came from: `DATAFAST_API_URL: must be an http(s) URL`.
import { z } from 'zod';
import { trustProxyFromText } from '../http/trust-proxy.js';
import { ConfigError, line, type Problem } from './config-error.js';
import { friendlyMessage, problemsOf } from './messages.js';
import { LOG_LEVELS, type LogLevel } from './options-schema.js';
import type { VisitorOffersOptions } from './options-types.js';

/** Each variable and the option it sets. */
const VARIABLES = [
  ['DATAFAST_API_KEY', 'datafast.apiKey'],
  ['DATAFAST_WEBSITE_ID', 'datafast.websiteId'],
  ['DATAFAST_API_URL', 'datafast.apiUrl'],
  ['OFFERS_CONFIG', 'offersFile'],
  ['DATA_DIR', 'dataDir'],
  ['ALLOWED_ORIGINS', 'allowedOrigins'],
  ['TRUST_PROXY', 'trustProxy'],
  ['ADMIN_TOKEN', 'adminToken'],
  ['CONVERSIONS_TOKEN', 'conversionsToken'],
  ['LEADS_WEBHOOK_URL', 'leadsWebhookUrl'],
  ['SOURCE_MAPS', 'sourceMaps'],
  ['METRICS_PUBLIC', 'metrics.public'],
  ['LOG_LEVEL', 'logLevel'],
] as const;

/**
 * Marks options made by optionsFromEnv with the value each variable gave, so a problem is named by
 * the variable only while the option still holds that value. A symbol key: it survives
 * `{ ...options, logger }` and is invisible to the schema.
 */
const FROM_ENV: unique symbol = Symbol('visitor-offers.fromEnv');

/** Environment variables, like `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The router's options from environment variables (DATAFAST_API_KEY, DATAFAST_WEBSITE_ID,
 * DATAFAST_API_URL, OFFERS_CONFIG, DATA_DIR, ALLOWED_ORIGINS, TRUST_PROXY, ADMIN_TOKEN, CONVERSIONS_TOKEN,
 * LEADS_WEBHOOK_URL, SOURCE_MAPS, METRICS_PUBLIC, LOG_LEVEL). Blank variables count as unset. The result is checked by
 * `visitorOffers()`, whose ConfigError then names the variable.
 */
export function optionsFromEnv(env: Env): VisitorOffersOptions {
  const given = new Map<string, unknown>();
  const options: Record<string, unknown> = { datafast: {} };
  for (const [name, path] of VARIABLES) {
    const text = setting(env, name);
    if (text === undefined) continue;
    const value = name === 'ALLOWED_ORIGINS' ? text.split(',').map((s) => s.trim()).filter((s) => s !== '') : name === 'TRUST_PROXY' ? trustProxyFromText(text) : name === 'METRICS_PUBLIC' ? booleanFromText(text) : text;
    const [head, tail] = path.split('.') as [string, string | undefined];
    if (tail === undefined) options[head] = value;
    else ((options[head] ??= {}) as Record<string, unknown>)[tail] = value;
    given.set(path, value);
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

/** What only the standalone server reads: where to listen, the shared cache, its own log level. */
export interface ServerSettings {
  port: number;
  host: string;
  redisUrl: string | null;
  logLevel: LogLevel;
  /** Open connections at most (MAX_CONNECTIONS); null for the default that server-limits.ts works out. */
  maxConnections: number | null;
}

const serverSchema = z.object({
  PORT: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a port number from 0 to 65535')
    .transform(Number)
    .refine((p) => p <= 65535, 'must be a port number from 0 to 65535'),
  HOST: z.string().min(1),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').nullable(),
  LOG_LEVEL: z.enum(LOG_LEVELS),
  MAX_CONNECTIONS: z
    .string()
    .regex(/^\d{1,7}$/, 'must be a whole number of connections from 1 to 1000000')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1_000_000, 'must be a whole number of connections from 1 to 1000000')
    .nullable(),
});

/**
 * PORT (default 3000; 0 picks a free port), HOST (default 0.0.0.0), REDIS_URL, LOG_LEVEL (default
 * info), MAX_CONNECTIONS: checked before the server makes its logger or anything else.
 * @throws ConfigError naming the variable
 */
export function serverSettingsFromEnv(env: Env): ServerSettings {
  const input = {
    PORT: setting(env, 'PORT') ?? '3000',
    HOST: setting(env, 'HOST') ?? '0.0.0.0',
    REDIS_URL: setting(env, 'REDIS_URL') ?? null,
    LOG_LEVEL: setting(env, 'LOG_LEVEL') ?? 'info',
    MAX_CONNECTIONS: setting(env, 'MAX_CONNECTIONS') ?? null,
  };
  const parsed = serverSchema.safeParse(input, { error: friendlyMessage });
  if (!parsed.success) {
    const shown = (p: { place: string; problem: string }): string =>
      p.place === 'PORT' || p.place === 'MAX_CONNECTIONS' ? `${p.problem}, got "${input[p.place] ?? ''}"` : p.problem;
    const problems = problemsOf(parsed.error, input).map((p) => ({ ...p, problem: shown(p) }));
    throw ConfigError.of(problems);
  }
  const d = parsed.data;
  return { port: d.PORT, host: d.HOST, redisUrl: d.REDIS_URL, logLevel: d.LOG_LEVEL, maxConnections: d.MAX_CONNECTIONS };
}

/** `true` or `false` (any case) as a boolean; anything else stays text, for the schema to refuse. */
function booleanFromText(text: string): boolean | string {
  const lower = text.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : text;
}

/** An unset or blank variable is treated as absent. */
function setting(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}
