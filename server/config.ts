// Reads the standalone server's settings from the environment (and the offers file it names).
// A bad or missing setting throws a ConfigError whose one-line message names the setting.
import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';
import { parseOffersFile } from './offers-file';
import type { VisitorOffersOptions } from './router';

export interface ServerConfig {
  port: number;
  host: string;
  allowedOrigins: string[];
  redisUrl: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  offersConfigPath: string | null;
  router: Omit<VisitorOffersOptions, 'logger'>;
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env): ServerConfig {
  const apiKey = setting(env, 'DATAFAST_API_KEY');
  if (apiKey === undefined) {
    throw new ConfigError('DATAFAST_API_KEY', 'is not set: use your df_… website key or a dft_… account token');
  }
  if (!/^dft?_\S+$/.test(apiKey)) {
    // Never echo the value: it may be a real secret pasted into the wrong variable.
    throw new ConfigError('DATAFAST_API_KEY', 'must start with df_ (website key) or dft_ (account token)');
  }
  const websiteId = setting(env, 'DATAFAST_WEBSITE_ID');
  if (apiKey.startsWith('dft_') && websiteId === undefined) {
    throw new ConfigError('DATAFAST_WEBSITE_ID', 'is required with a dft_ account token (it is sent as ?websiteId=)');
  }
  if (websiteId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(websiteId)) {
    throw new ConfigError('DATAFAST_WEBSITE_ID', `is not a website id: "${websiteId}"`);
  }
  const apiUrl = setting(env, 'DATAFAST_API_URL') ?? 'https://datafa.st';
  if (!isHttpUrl(apiUrl)) throw new ConfigError('DATAFAST_API_URL', `must be an http(s) URL, got "${apiUrl}"`);

  const portText = setting(env, 'PORT') ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new ConfigError('PORT', `must be a port number from 1 to 65535, got "${portText}"`);
  }
  const host = setting(env, 'HOST') ?? '0.0.0.0';

  const allowedOrigins = (setting(env, 'ALLOWED_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  for (const origin of allowedOrigins) {
    if (!isOrigin(origin)) {
      throw new ConfigError('ALLOWED_ORIGINS', `"${origin}" is not an origin like https://shop.example.com`);
    }
  }

  const redisUrl = setting(env, 'REDIS_URL') ?? null;
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }

  const logLevelText = setting(env, 'LOG_LEVEL') ?? 'info';
  const logLevel = LOG_LEVELS.find((l) => l === logLevelText);
  if (!logLevel) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevelText}"`);

  const offersConfigPath = setting(env, 'OFFERS_CONFIG') ?? null;
  const decisions = offersConfigPath === null ? undefined : readOffersFile(offersConfigPath);

  return {
    port,
    host,
    allowedOrigins,
    redisUrl,
    logLevel,
    offersConfigPath,
    router: { datafast: { apiKey, websiteId, apiUrl }, decisions },
  };
}

function readOffersFile(path: string): VisitorOffersOptions['decisions'] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError('OFFERS_CONFIG', `cannot read "${path}" (${code})`);
  }
  const result = parseOffersFile(text);
  if (!result.ok) throw new ConfigError('OFFERS_CONFIG', `${path}: ${result.error}`);
  return result.decisions;
}

/** An unset or blank variable is treated as absent. */
function setting(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function isOrigin(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === value.replace(/\/$/, '');
  } catch {
    return false;
  }
}
