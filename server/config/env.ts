// The standalone server's settings from the environment. Each variable maps to one router option
// (DATAFAST_API_URL → datafast.apiUrl); the options are checked by the router's one schema, and a
// problem is then named by the variable it came from: `DATAFAST_API_URL: must be an http(s) URL`.
import { z } from 'zod';
import { ConfigError, line, type Problem } from './config-error.js';
import { friendlyMessage, problemsOf } from './messages.js';
import type { VisitorOffersOptions } from './options-types.js';

/** Option place (prefix) → the variable it is read from. */
const ENV_OF: ReadonlyArray<[option: string, env: string]> = [
  ['datafast.apiKey', 'DATAFAST_API_KEY'],
  ['datafast.websiteId', 'DATAFAST_WEBSITE_ID'],
  ['datafast.apiUrl', 'DATAFAST_API_URL'],
  ['datafast', 'DATAFAST_API_KEY'],
  ['offersFile', 'OFFERS_CONFIG'],
  ['dataDir', 'DATA_DIR'],
  ['allowedOrigins', 'ALLOWED_ORIGINS'],
  ['adminToken', 'ADMIN_TOKEN'],
  ['conversionsToken', 'CONVERSIONS_TOKEN'],
  ['leadsWebhookUrl', 'LEADS_WEBHOOK_URL'],
  ['logLevel', 'LOG_LEVEL'],
];

/**
 * Marks options made by optionsFromEnv, so their problems are named by variable. A symbol key:
 * it survives `{ ...options, logger }` and is invisible to the schema.
 */
const FROM_ENV: unique symbol = Symbol('visitor-offers.fromEnv');

/** Environment variables, like `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The router's options from environment variables (DATAFAST_API_KEY, DATAFAST_WEBSITE_ID,
 * DATAFAST_API_URL, OFFERS_CONFIG, DATA_DIR, ALLOWED_ORIGINS, ADMIN_TOKEN, CONVERSIONS_TOKEN,
 * LEADS_WEBHOOK_URL, LOG_LEVEL). Blank variables count as unset. The result is checked by
 * `visitorOffers()`, whose ConfigError then names the variable.
 */
export function optionsFromEnv(env: Env): VisitorOffersOptions {
  const origins = setting(env, 'ALLOWED_ORIGINS');
  const options: VisitorOffersOptions = dropUndefined({
    datafast: dropUndefined({
      apiKey: setting(env, 'DATAFAST_API_KEY') as string,
      websiteId: setting(env, 'DATAFAST_WEBSITE_ID'),
      apiUrl: setting(env, 'DATAFAST_API_URL'),
    }),
    offersFile: setting(env, 'OFFERS_CONFIG'),
    dataDir: setting(env, 'DATA_DIR'),
    allowedOrigins: origins === undefined ? undefined : origins.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    adminToken: setting(env, 'ADMIN_TOKEN'),
    conversionsToken: setting(env, 'CONVERSIONS_TOKEN'),
    leadsWebhookUrl: setting(env, 'LEADS_WEBHOOK_URL'),
    logLevel: setting(env, 'LOG_LEVEL') as VisitorOffersOptions['logLevel'],
  }) as VisitorOffersOptions;
  Object.defineProperty(options, FROM_ENV, { value: true, enumerable: true });
  return options;
}

/** A ConfigError about options made by optionsFromEnv, renamed to the variables they came from. */
export function namedByEnv(options: object, err: ConfigError): ConfigError {
  if (!(FROM_ENV in options)) return err;
  const { file } = err;
  // A problem inside the offers file is named by the variable that points at the file.
  if (file !== undefined) return ConfigError.of(err.problems.map((p) => ({ place: 'OFFERS_CONFIG', problem: line(file, p.place, p.problem) })));
  const rename = (p: Problem): Problem => {
    const hit = ENV_OF.find(([option]) => p.place === option || p.place.startsWith(`${option}.`) || p.place.startsWith(`${option}[`));
    return hit ? { place: hit[1], problem: p.problem } : p;
  };
  return ConfigError.of(err.problems.map(rename));
}

/** What only the standalone server reads: where to listen, and the shared cache. */
export interface ListenSettings {
  port: number;
  host: string;
  redisUrl: string | null;
}

const listenSchema = z.object({
  PORT: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a port number from 0 to 65535')
    .transform(Number)
    .refine((p) => p <= 65535, 'must be a port number from 0 to 65535'),
  HOST: z.string().min(1),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').nullable(),
});

/** PORT (default 3000; 0 picks a free port), HOST (default 0.0.0.0), REDIS_URL. @throws ConfigError naming the variable */
export function listenSettingsFromEnv(env: Env): ListenSettings {
  const input = { PORT: setting(env, 'PORT') ?? '3000', HOST: setting(env, 'HOST') ?? '0.0.0.0', REDIS_URL: setting(env, 'REDIS_URL') ?? null };
  const parsed = listenSchema.safeParse(input, { error: friendlyMessage });
  if (!parsed.success) {
    const problems = problemsOf(parsed.error, input).map((p) => ({ ...p, problem: p.place === 'PORT' ? `${p.problem}, got "${input.PORT}"` : p.problem }));
    throw ConfigError.of(problems);
  }
  return { port: parsed.data.PORT, host: parsed.data.HOST, redisUrl: parsed.data.REDIS_URL };
}

/** An unset or blank variable is treated as absent. */
function setting(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
