// Reads the standalone server's settings from the environment (and the offers file it names).
// A bad or missing setting throws a ConfigError whose one-line message names the setting.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, isHttpUrl } from './config-error.js';
import { buildPolicy } from './decision/policy.js';
import { parseOffersFile } from './offers-file.js';
import type { VisitorOffersOptions } from './router.js';

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
  if (!/^\d+$/.test(portText) || port > 65535) {
    // 0 asks the system for a free port (tests, side-by-side runs).
    throw new ConfigError('PORT', `must be a port number from 0 to 65535, got "${portText}"`);
  }
  const host = setting(env, 'HOST') ?? '0.0.0.0';

  const allowedOrigins: string[] = [];
  for (const origin of (setting(env, 'ALLOWED_ORIGINS') ?? '').split(',').map((o) => o.trim())) {
    if (origin === '') continue;
    if (!isOrigin(origin)) {
      throw new ConfigError('ALLOWED_ORIGINS', `"${origin}" is not an origin like https://shop.example.com`);
    }
    // Stored as the browser sends it in the Origin header (a tolerated trailing slash removed).
    allowedOrigins.push(new URL(origin).origin);
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

  const dataDir = setting(env, 'DATA_DIR') ?? 'data';
  const adminToken = setting(env, 'ADMIN_TOKEN') ?? null;
  if (adminToken !== null && adminToken.length < 16) {
    throw new ConfigError('ADMIN_TOKEN', 'must be at least 16 characters (use a long random string, e.g. openssl rand -hex 24)');
  }
  const leadsWebhookUrl = setting(env, 'LEADS_WEBHOOK_URL') ?? null;
  if (leadsWebhookUrl !== null && !isHttpUrl(leadsWebhookUrl)) {
    // Not echoed: a webhook URL often carries a secret token.
    throw new ConfigError('LEADS_WEBHOOK_URL', 'must be an http(s) URL');
  }

  return {
    port,
    host,
    allowedOrigins,
    redisUrl,
    logLevel,
    offersConfigPath,
    router: { datafast: { apiKey, websiteId, apiUrl }, decisions, dataDir, adminToken, leadsWebhookUrl, allowedOrigins },
  };
}

export function readOffersFile(path: string): VisitorOffersOptions['decisions'] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError('OFFERS_CONFIG', `cannot read "${path}" (${code})`);
  }
  const result = parseOffersFile(text, { baseDir: dirname(path) });
  if (!result.ok) throw new ConfigError('OFFERS_CONFIG', `${path}: ${result.error}`);
  try {
    // What only makes sense with the defaults merged in (low above the default high, unknown offer ids).
    buildPolicy(result.decisions);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError('OFFERS_CONFIG', `${path}: ${err.message}`);
    throw err;
  }
  return result.decisions;
}

/** An unset or blank variable is treated as absent. */
function setting(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function isOrigin(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === value.replace(/\/$/, '');
  } catch {
    return false;
  }
}
