// Every mistake in the router's options or its offers file gives one pointed ConfigError when the
// router is created — naming the exact place, on one line, never echoing a secret — and nothing
// has been opened: no data directory, no watcher, no socket, no timer.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../server/config/config-error';
import { optionsFromEnv, serverSettingsFromEnv } from '../../../server/config/env';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { createLogger } from '../../../server/logger';
import { visitorOffers } from '../../../server/router';

const KEY = 'df_test_0123456789';
const SECRET = 'sk_live_SECRET_4f9a';
const GOOD_TOKEN = 'bad-configs-token-5e8b2d7f1a9c4e06';
const lead = { id: 'guide', kind: 'lead_magnet' as const, headline: 'H', body: 'B', assetName: 'Guide', buttonLabel: 'Send', consentText: 'OK' };
const coupon = { id: 'save', kind: 'coupon', headline: 'H', body: 'B', discountLabel: '10%' };
const urgency = { id: 'soon', kind: 'urgency', headline: 'H', body: 'B' };

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'vo-bad-configs-'));
  writeFileSync(join(base, 'syntax.json'), '{\n  "thresholds": {\n    "low": 30,\n  }\n}\n');
  writeFileSync(join(base, 'typo.json'), JSON.stringify({ offers: [{ ...lead, hedline: 'x' }] }));
  writeFileSync(join(base, 'pool-missing.json'), JSON.stringify({ offers: [{ ...coupon, codePool: 'nope.txt' }] }));
  writeFileSync(join(base, 'dupes.txt'), 'A1\nB2\nA1\n');
  writeFileSync(join(base, 'pool-dupes.json'), JSON.stringify({ offers: [{ ...coupon, codePool: 'dupes.txt' }] }));
  writeFileSync(join(base, 'unknown-offer.json'), JSON.stringify({ bySegment: { low: 'nope' } }));
  mkdirSync(join(base, 'a-directory.json'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** The expected message: exactly this (computed once the temp directory exists), or matching. */
type Case = [label: string, options: () => unknown, place: RegExp | (() => string)];
const df = { apiKey: KEY };
const file = (name: string): string => join(base, name);

const OPTIONS: Case[] = [
  ['no datafast settings', () => ({}), /^datafast: is required/],
  ['no API key', () => ({ datafast: {} }), /^datafast\.apiKey: is missing/],
  ['a key of another service', () => ({ datafast: { apiKey: SECRET } }), /^datafast\.apiKey: must start with df_/],
  ['the key given as the whole datafast setting', () => ({ datafast: SECRET }), /^datafast: expected object, got string$/],
  ['a token where a word belongs', () => ({ datafast: df, dashboard: SECRET }), /^dashboard: expected one of "open", "protected", got a string of \d+ characters \(not shown: it may be a secret\)$/],
  ['a key as an offer id', () => ({ datafast: df, bySegment: { low: SECRET } }), /^bySegment\.low: expected an offer id/],
  ['an account token without website id', () => ({ datafast: { apiKey: 'dft_abc' } }), /^datafast\.websiteId: is required with a dft_/],
  ['a website id with a path in it', () => ({ datafast: { ...df, websiteId: '../admin' } }), /^datafast\.websiteId: /],
  ['an API URL without scheme', () => ({ datafast: { ...df, apiUrl: 'datafa.st' } }), /^datafast\.apiUrl: must be an http\(s\) URL$/],
  ['a zero timeout', () => ({ datafast: { ...df, timeoutMs: 0 } }), /^datafast\.timeoutMs: must be at least 1, got 0$/],
  ['a fractional timeout', () => ({ datafast: { ...df, timeoutMs: 1.5 } }), /^datafast\.timeoutMs: expected whole number/],
  ['a cache of no entries', () => ({ datafast: df, cache: { max: 0 } }), /^cache\.max: must be at least 1/],
  ['a negative TTL', () => ({ datafast: df, cache: { ttlMs: -1 } }), /^cache\.ttlMs: must be at least 0/],
  ['a realtime TTL under a second', () => ({ datafast: df, cache: { liveTtlMs: 10 } }), /^cache\.liveTtlMs: must be at least 1000/],
  ['a misspelt cache key', () => ({ datafast: df, cache: { ttl: 5 } }), /^cache: unknown key "ttl" \(did you mean "ttlMs"\?\)$/],
  ['a byte bound too small for one record', () => ({ datafast: df, cache: { maxBytes: 1000 } }), /^cache\.maxBytes: must be at least 65536/],
  ['a byte bound in words', () => ({ datafast: df, cache: { maxBytes: '32MB' } }), /^cache\.maxBytes: expected number, got string "32MB"$/],
  ['a breaker that never opens', () => ({ datafast: { ...df, breaker: { failureThreshold: 0 } } }), /^datafast\.breaker\.failureThreshold: must be at least 1/],
  ['a breaker cool-down under a second', () => ({ datafast: { ...df, breaker: { coolDownMs: 10 } } }), /^datafast\.breaker\.coolDownMs: must be at least 1000/],
  ['a misspelt breaker key', () => ({ datafast: { ...df, breaker: { cooldownMs: 5000 } } }), /^datafast\.breaker: unknown key "cooldownMs" \(did you mean "coolDownMs"\?\)$/],
  ['a zero rate limit', () => ({ datafast: df, limits: { eventsPerMinutePerIp: 0 } }), /^limits\.eventsPerMinutePerIp: must be at least 1/],
  ['a misspelt limit', () => ({ datafast: df, limits: { leadsPerMinutePerlp: 5 } }), /^limits: unknown key "leadsPerMinutePerlp" \(did you mean "leadsPerMinutePerIp"\?\)$/],
  ['limits as a word', () => ({ datafast: df, limits: 'lots' }), /^limits: expected object, got string "lots"$/],
  ['a short admin token', () => ({ datafast: df, adminToken: 'short' }), /^adminToken: is too short: at least 32 characters \(got 5\); `visitor-offers gen-token` prints a good one$/],
  ['a short conversions token', () => ({ datafast: df, conversionsToken: 'twelve-chars' }), /^conversionsToken: is too short: at least 32 characters \(got 12\)/],
  ['an admin token of one repeated character', () => ({ datafast: df, adminToken: 'a'.repeat(40) }), /^adminToken: is too easy to guess: only 1 different character \(at least 8\); `visitor-offers gen-token` prints a good one$/],
  ['an admin token of a short piece repeated', () => ({ datafast: df, adminToken: 'Kx7-Qp2!'.repeat(5) }), /^adminToken: is too easy to guess: a short piece repeated; `visitor-offers gen-token`/],
  ['a token with a space in it', () => ({ datafast: df, conversionsToken: 'correct horse battery staple 2024!' }), /^conversionsToken: must be printable ASCII without spaces/],
  ['the same token for admin and backend', () => ({ datafast: df, adminToken: GOOD_TOKEN, conversionsToken: GOOD_TOKEN }), /^conversionsToken: is the same as the admin token: give the backend a token of its own/],
  ['a webhook that is not http(s)', () => ({ datafast: df, leadsWebhookUrl: `ftp://${SECRET}@hooks.example.com` }), /^leadsWebhookUrl: must be an http\(s\) URL$/],
  ['a webhook with a password in it', () => ({ datafast: df, leadsWebhookUrl: `https://leads:${SECRET}@hooks.example.com/in` }), /^leadsWebhookUrl: must not contain a user name or password \(user:password@\): put a secret in the path instead/],
  ['a webhook over plain http', () => ({ datafast: df, leadsWebhookUrl: 'http://hooks.example.com/in' }), /^leadsWebhookUrl: must use https:\/\/ \(plain http:\/\/ only to this machine: localhost, 127\.0\.0\.0\/8 or \[::1\]\)$/],
  ['an API URL with the key in it', () => ({ datafast: { ...df, apiUrl: `https://user:${SECRET}@datafa.st` } }), /^datafast\.apiUrl: must not contain a user name or password \(user:password@\): the key belongs in the API key setting \(DATAFAST_API_KEY\)$/],
  ['an API URL with only a user name', () => ({ datafast: { ...df, apiUrl: `https://${SECRET}@datafa.st` } }), /^datafast\.apiUrl: must not contain a user name or password/],
  ['an API URL over plain http to another host', () => ({ datafast: { ...df, apiUrl: 'http://datafa.st' } }), /^datafast\.apiUrl: must use https:\/\//],
  ['an API URL over http to a private address', () => ({ datafast: { ...df, apiUrl: 'http://10.0.0.5:4010' } }), /^datafast\.apiUrl: must use https:\/\//],
  ['source maps as a yes', () => ({ datafast: df, sourceMaps: 'yes' }), /^sourceMaps: expected one of "public", "off", got string "yes"$/],
  ['public metrics as a word', () => ({ datafast: df, metrics: { public: 'yes' } }), /^metrics\.public: must be true or false$/],
  ['a misspelt metrics key', () => ({ datafast: df, metrics: { publc: true } }), /^metrics: unknown key "publc" \(did you mean "public"\?\)$/],
  ['a negative breaker limit for readiness', () => ({ datafast: df, readiness: { maxUpstreamOpenMs: -1 } }), /^readiness\.maxUpstreamOpenMs: must be at least 0, got -1$/],
  ['a breaker limit for readiness in minutes, as text', () => ({ datafast: df, readiness: { maxUpstreamOpenMs: '5m' } }), /^readiness\.maxUpstreamOpenMs: expected/],
  ['a zero limit of wrong tokens', () => ({ datafast: df, limits: { authFailuresPerMinutePerIp: 0 } }), /^limits\.authFailuresPerMinutePerIp: must be at least 1/],
  ['an origin without scheme', () => ({ datafast: df, allowedOrigins: ['shop.example.com'] }), /^allowedOrigins\[0\]: "shop\.example\.com" is not an origin/],
  ['origins as one string', () => ({ datafast: df, allowedOrigins: 'https://shop.example.com' }), /^allowedOrigins: expected array/],
  ['an unknown dashboard mode', () => ({ datafast: df, dashboard: 'public' }), /^dashboard: expected one of "open", "protected", got string "public"$/],
  ['an unknown log level', () => ({ datafast: df, logLevel: 'verbose' }), /^logLevel: expected one of "fatal", .*got string "verbose"$/],
  ['a logger that is not one', () => ({ datafast: df, logger: {} }), /^logger: expected a pino logger/],
  ['a logger and a log level', () => ({ datafast: df, logger: createLogger({ level: 'silent' }), logLevel: 'debug' }), /^logLevel: sets the default logger/],
  ['an empty data directory', () => ({ datafast: df, dataDir: '' }), /^dataDir: must not be empty$/],
  // Anchored at both ends: the message holds nothing of the URL (its password).
  ['a database URL that is not Postgres', () => ({ datafast: df, databaseUrl: `mysql://shop:${SECRET}@db.example.com/shop` }), /^databaseUrl: must be a postgres:\/\/ URL with a host and a database, like postgres:\/\/user:password@db\.example\.com:5432\/visitor_offers$/],
  ['a database URL without a database', () => ({ datafast: df, databaseUrl: `postgres://shop:${SECRET}@db.example.com` }), /^databaseUrl: must be a postgres:\/\/ URL with a host and a database/],
  ['a retention of no days', () => ({ datafast: df, retentionDays: 0 }), /^retentionDays: must be at least 1, got 0$/],
  ['trusting every proxy', () => ({ datafast: df, trustProxy: true }), /^trustProxy: true would trust every address, so any client could choose its own address/],
  ['a subnet with too long a prefix', () => ({ datafast: df, trustProxy: 'loopback, 10.0.0.0/33' }), /^trustProxy: "10\.0\.0\.0\/33" is not an IP address, a subnet like 10\.0\.0\.0\/8 or one of loopback, linklocal, uniquelocal$/],
  ['a range name Express does not know', () => ({ datafast: df, trustProxy: ['loopback', 'private'] }), /^trustProxy: "private" is not an IP address/],
  ['a negative hop count', () => ({ datafast: df, trustProxy: -1 }), /^trustProxy: expected a hop count from 0 to 32, got -1$/],
  ['a hop count written as a string', () => ({ datafast: df, trustProxy: 'loopback,1' }), /^trustProxy: "1" is not an address: a hop count stands alone, as a number$/],
  ['a trust setting as an object', () => ({ datafast: df, trustProxy: { loopback: true } }), /^trustProxy: expected a hop count, a comma-separated list of addresses, subnets \(10\.0\.0\.0\/8\) and names \(loopback, linklocal, uniquelocal\), or false, got object$/],
  ['an empty proxy list', () => ({ datafast: df, trustProxy: '' }), /^trustProxy: is empty: give a hop count/],
  ['a misspelt option', () => ({ datafast: df, adminTokn: 'x'.repeat(20) }), /^\(top level\): unknown key "adminTokn" \(did you mean "adminToken"\?\)$/],
  ['offers inline and under the old name', () => ({ datafast: df, decisions: { offers: [lead] }, rules: [] }), /^decisions: give the offers at the top level or under "decisions"/],
  ['an offers file and inline rules', () => ({ datafast: df, offersFile: file('typo.json'), rules: [] }), /^offersFile: load the offers from a file or give them inline, not both/],
  ['the old and new realtime TTL', () => ({ datafast: df, liveIntervalMs: 5000, cache: { liveTtlMs: 5000 } }), /^liveIntervalMs: is the old name of cache\.liveTtlMs/],
  ['watching without a file', () => ({ datafast: df, watchOffersFile: true }), /^watchOffersFile: only applies with offersFile$/],
  ['a headline that is a number', () => ({ datafast: df, offers: [{ ...lead, headline: 42 }] }), /^offers\[0\]\.headline: expected string, got 42$/],
  ['a coupon without a code', () => ({ datafast: df, offers: [coupon] }), /^offers\[0\]: a coupon needs "code"/],
  ['a trigger that is not one', () => ({ datafast: df, offers: [{ ...lead, trigger: 'immediately' }] }), /^offers\[0\]\.trigger\.type: expected one of "immediate", "delay", "scroll", "exit-intent", got string "immediately"$/],
  ['a deadline in words', () => ({ datafast: df, offers: [{ ...urgency, deadline: 'tomorrow' }] }), /^offers\[0\]\.deadline: expected an ISO date-time with a time zone/],
  ['a rule naming an experiment that does not exist', () => ({ datafast: df, rules: [{ id: 'r', then: { experiment: 'nope' } }] }), /^rules\[0\]\.then\.experiment: names experiment "nope", which is not defined$/],
  ['a bad threshold under the old name', () => ({ datafast: df, decisions: { thresholds: { low: 'x' } } }), /^decisions\.thresholds\.low: expected number, got string "x"$/],
];

const FILES: Case[] = [
  ['an offers file that does not exist', () => ({ datafast: df, offersFile: file('nope.json') }), () => `${file('nope.json')}: cannot read it (ENOENT)`],
  ['an offers file that is a directory', () => ({ datafast: df, offersFile: file('a-directory.json') }), () => `${file('a-directory.json')}: cannot read it (EISDIR)`],
  ['a trailing comma', () => ({ datafast: df, offersFile: file('syntax.json') }), () => `${file('syntax.json')}: line 4, column 3: not valid JSON: expected a property name in double quotes (a trailing comma?), at "}"`],
  ['a misspelt key in the file', () => ({ datafast: df, offersFile: file('typo.json') }), () => `${file('typo.json')}: offers[0]: unknown key "hedline" (did you mean "headline"?)`],
  ['an undefined offer in the file', () => ({ datafast: df, offersFile: file('unknown-offer.json') }), () => `${file('unknown-offer.json')}: bySegment.low: names offer "nope", which is not defined`],
  ['a code pool that does not exist', () => ({ datafast: df, offersFile: file('pool-missing.json') }), () => `${file('pool-missing.json')}: offers[0].codePool: cannot read "${file('nope.txt')}" (ENOENT)`],
  ['a code pool with a code twice', () => ({ datafast: df, offersFile: file('pool-dupes.json') }), () => `${file('pool-dupes.json')}: offers[0].codePool: ${file('dupes.txt')}: line 3: code "A1" appears twice`],
  ['an inline code pool that does not exist', () => ({ datafast: df, offers: [{ ...coupon, codePool: file('nope.txt') }] }), () => `offers[0].codePool: cannot read "${file('nope.txt')}" (ENOENT)`],
  ['a code pool under the old name', () => ({ datafast: df, decisions: { offers: [lead, { ...coupon, codePool: file('nope.txt') }] } }), () => `decisions.offers[1].codePool: cannot read "${file('nope.txt')}" (ENOENT)`],
  ['no options at all', () => undefined, /^\(top level\): is required \(expected object\)$/],
];

/** Creates the router with these options and a fresh data directory; returns the error and what was opened. */
function attempt(make: () => unknown): { error: unknown; dataDirCreated: boolean; resourcesBefore: string[]; resourcesAfter: string[] } {
  const dataDir = join(base, `data-${Math.random().toString(36).slice(2)}`);
  const made = make();
  const options = (made === undefined ? undefined : { dataDir, ...(made as object) }) as VisitorOffersOptions;
  const resourcesBefore = process.getActiveResourcesInfo().sort();
  let error: unknown = null;
  try {
    const router = visitorOffers(options);
    void router.close(0);
  } catch (err) {
    error = err;
  }
  return { error, dataDirCreated: existsSync(dataDir), resourcesBefore, resourcesAfter: process.getActiveResourcesInfo().sort() };
}

describe.each([
  ['options', OPTIONS],
  ['offers files', FILES],
])('a mistake in the %s', (_kind, cases) => {
  it.each(cases)('%s → one ConfigError naming the place, nothing opened', (_label, make, place) => {
    const { error, dataDirCreated, resourcesBefore, resourcesAfter } = attempt(make);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    if (typeof place === 'function') expect(message).toBe(place());
    else expect(message).toMatch(place);
    expect(message).not.toContain('\n');
    expect(message).not.toContain(SECRET);
    expect(dataDirCreated).toBe(false);
    expect(resourcesAfter).toEqual(resourcesBefore);
  });
});

// The standalone server's variables for the same settings: named by the variable, before the
// server listens (serve() reads the listen settings first, then creates the router).
const ENV: Array<[label: string, env: Record<string, string>, message: RegExp]> = [
  ['TRUST_PROXY=true', { TRUST_PROXY: 'true' }, /^TRUST_PROXY: true would trust every address/],
  ['TRUST_PROXY with a name Express does not know', { TRUST_PROXY: 'loopback,private' }, /^TRUST_PROXY: "private" is not an IP address/],
  ['TRUST_PROXY beyond 32 hops', { TRUST_PROXY: '64' }, /^TRUST_PROXY: expected a hop count from 0 to 32, got 64$/],
  ['MAX_CONNECTIONS of none', { MAX_CONNECTIONS: '0' }, /^MAX_CONNECTIONS: must be a whole number of connections from 1 to 1000000, got "0"$/],
  ['MAX_CONNECTIONS in words', { MAX_CONNECTIONS: 'unlimited' }, /^MAX_CONNECTIONS: must be a whole number of connections from 1 to 1000000, got "unlimited"$/],
  ['ADMIN_TOKEN of 16 × "a"', { ADMIN_TOKEN: 'a'.repeat(16) }, /^ADMIN_TOKEN: is too short: at least 32 characters \(got 16\); `visitor-offers gen-token` prints a good one$/],
  ['CONVERSIONS_TOKEN the same as ADMIN_TOKEN', { ADMIN_TOKEN: GOOD_TOKEN, CONVERSIONS_TOKEN: GOOD_TOKEN }, /^CONVERSIONS_TOKEN: is the same as the admin token/],
  // Anchored at both ends: the message holds nothing of the URL.
  ['DATAFAST_API_URL with the key in it', { DATAFAST_API_URL: `http://user:${SECRET}@127.0.0.1:4010` }, /^DATAFAST_API_URL: must not contain a user name or password \(user:password@\): the key belongs in the API key setting \(DATAFAST_API_KEY\)$/],
  ['LEADS_WEBHOOK_URL over plain http', { LEADS_WEBHOOK_URL: 'http://hooks.example.com/in' }, /^LEADS_WEBHOOK_URL: must use https:\/\/ \(plain http:\/\/ only to this machine: localhost, 127\.0\.0\.0\/8 or \[::1\]\)$/],
  ['SOURCE_MAPS=true', { SOURCE_MAPS: 'true' }, /^SOURCE_MAPS: expected one of "public", "off", got string "true"$/],
  ['METRICS_PUBLIC=yes', { METRICS_PUBLIC: 'yes' }, /^METRICS_PUBLIC: must be true or false$/],
  ['DATAFAST_TIMEOUT_MS of none', { DATAFAST_TIMEOUT_MS: '0' }, /^DATAFAST_TIMEOUT_MS: must be at least 1, got 0$/],
  ['DATAFAST_TIMEOUT_MS in seconds', { DATAFAST_TIMEOUT_MS: '1.5' }, /^DATAFAST_TIMEOUT_MS: expected whole number, got 1\.5$/],
  ['DATAFAST_BREAKER_FAILURES of none', { DATAFAST_BREAKER_FAILURES: '0' }, /^DATAFAST_BREAKER_FAILURES: must be at least 1, got 0$/],
  ['DATAFAST_BREAKER_WINDOW_MS in seconds', { DATAFAST_BREAKER_WINDOW_MS: '60' }, /^DATAFAST_BREAKER_WINDOW_MS: must be at least 1000, got 60$/],
  ['DATAFAST_BREAKER_COOL_DOWN_MS over an hour', { DATAFAST_BREAKER_COOL_DOWN_MS: '7200000' }, /^DATAFAST_BREAKER_COOL_DOWN_MS: must be at most 3600000, got 7200000$/],
  ['CACHE_MAX_BYTES with a unit', { CACHE_MAX_BYTES: '64MB' }, /^CACHE_MAX_BYTES: expected number, got string "64MB"$/],
  ['CACHE_MAX_BYTES below 64 KiB', { CACHE_MAX_BYTES: '1000' }, /^CACHE_MAX_BYTES: must be at least 65536, got 1000$/],
  ['LIMIT_LEADS_PER_MINUTE_PER_IP of none', { LIMIT_LEADS_PER_MINUTE_PER_IP: '0' }, /^LIMIT_LEADS_PER_MINUTE_PER_IP: must be at least 1, got 0$/],
  ['LIMIT_EVENTS_PER_MINUTE_PER_IP as a word', { LIMIT_EVENTS_PER_MINUTE_PER_IP: 'many' }, /^LIMIT_EVENTS_PER_MINUTE_PER_IP: expected number, got string "many"$/],
  ['LIMIT_AUTH_FAILURES_PER_MINUTE_PER_IP negative', { LIMIT_AUTH_FAILURES_PER_MINUTE_PER_IP: '-5' }, /^LIMIT_AUTH_FAILURES_PER_MINUTE_PER_IP: must be at least 1, got -5$/],
  ['DATABASE_URL that is not a URL', { DATABASE_URL: `${SECRET}@db.example.com/shop` }, /^DATABASE_URL: must be a postgres:\/\/ URL with a host and a database, like postgres:\/\/user:password@db\.example\.com:5432\/visitor_offers$/],
  ['RETENTION_DAYS as forever', { RETENTION_DAYS: 'forever' }, /^RETENTION_DAYS: expected number, got string "forever"$/],
  ['READINESS_MAX_UPSTREAM_OPEN_MS negative', { READINESS_MAX_UPSTREAM_OPEN_MS: '-1' }, /^READINESS_MAX_UPSTREAM_OPEN_MS: must be at least 0, got -1$/],
  ['READINESS_MAX_UPSTREAM_OPEN_MS as never', { READINESS_MAX_UPSTREAM_OPEN_MS: 'never' }, /^READINESS_MAX_UPSTREAM_OPEN_MS: expected number, got string "never"$/],
  ['HEADERS_TIMEOUT_MS above the request timeout', { HEADERS_TIMEOUT_MS: '60000' }, /^HEADERS_TIMEOUT_MS: must be a whole number of ms from 1000 to 30000, got "60000"$/],
  ['KEEP_ALIVE_TIMEOUT_MS in seconds', { KEEP_ALIVE_TIMEOUT_MS: '65' }, /^KEEP_ALIVE_TIMEOUT_MS: must be a whole number of ms from 1000 to 7200000, got "65"$/],
  ['KEEP_ALIVE_TIMEOUT_MS with a unit', { KEEP_ALIVE_TIMEOUT_MS: '65s' }, /^KEEP_ALIVE_TIMEOUT_MS: must be a whole number of ms from 1000 to 7200000, got "65s"$/],
];

describe('a mistake in the standalone server’s environment', () => {
  it.each(ENV)('%s → one ConfigError naming the variable, nothing opened', (_label, vars, message) => {
    const dataDir = join(base, `env-${Math.random().toString(36).slice(2)}`);
    const env = { DATAFAST_API_KEY: KEY, DATA_DIR: dataDir, ...vars };
    const resourcesBefore = process.getActiveResourcesInfo().sort();
    let error: unknown = null;
    try {
      serverSettingsFromEnv(env);
      void visitorOffers(optionsFromEnv(env)).close(0);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(message);
    expect(existsSync(dataDir)).toBe(false);
    expect(process.getActiveResourcesInfo().sort()).toEqual(resourcesBefore);
  });
});

describe('the table itself', () => {
  it('holds at least 30 mistakes, each caught', () => {
    expect(OPTIONS.length + FILES.length).toBeGreaterThanOrEqual(30);
  });

  it('is not vacuous: the same settings without the mistake create a router that opens its data directory', async () => {
    const dataDir = join(base, 'good');
    const router = visitorOffers({ datafast: df, dataDir, offers: [lead], logLevel: 'silent' });
    await router.close(0);
    expect(existsSync(dataDir)).toBe(true);
  });
});

describe('a data directory another router holds', () => {
  it('a second router on it → ConfigError naming dataDir (DATA_DIR when it came from there); the first keeps it, and it is free once closed', async () => {
    const dataDir = join(base, 'held');
    const first = visitorOffers({ datafast: df, dataDir, offers: [lead], logLevel: 'silent' });
    const second = () => visitorOffers({ datafast: df, dataDir, offers: [lead], logLevel: 'silent' });
    expect(second).toThrow(ConfigError);
    expect(second).toThrow(/^dataDir: ".*held" is in use by another visitor-offers store \(another process, or another router in this process\): a data directory takes one writer\. Stop the other one, give each its own data directory, or share a Postgres database \(DATABASE_URL\)\.$/);
    expect(() => visitorOffers(optionsFromEnv({ DATAFAST_API_KEY: KEY, DATA_DIR: dataDir }))).toThrow(/^DATA_DIR: ".*held" is in use/);
    await first.close(0);
    await visitorOffers({ datafast: df, dataDir, offers: [lead], logLevel: 'silent' }).close(0);
  });
});
