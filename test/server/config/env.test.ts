import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../server/config/config-error';
import { namedByEnv, OPTION_VARIABLES, optionsFromEnv, SERVER_VARIABLES, serverSettingsFromEnv, type ServerSettings } from '../../../server/config/env';
import { loadOffersFile } from '../../../server/config/offers-file';
import type { OffersConfig } from '../../../server/config/offers-normalise';
import { parseOptions, type ResolvedOptions } from '../../../server/config/options';

type Env = Record<string, string | undefined>;

const KEY = 'df_0123456789abcdef';
const minimal = (extra: Env = {}): Env => ({ DATAFAST_API_KEY: KEY, ...extra });

interface FromEnv {
  listen: ServerSettings;
  options: ResolvedOptions;
  /** The offers file's content, when OFFERS_CONFIG names one. */
  offers: OffersConfig | null;
}

/** What the standalone server does with its environment: listen settings, options, offers file. */
function fromEnv(env: Env): FromEnv {
  const options = optionsFromEnv(env);
  try {
    const listen = serverSettingsFromEnv(env);
    const resolved = parseOptions(options);
    const offers = resolved.offers.kind === 'file' ? loadOffersFile(resolved.offers.path) : null;
    return { listen, options: resolved, offers };
  } catch (err) {
    throw err instanceof ConfigError ? namedByEnv(options, err) : err;
  }
}

/** Runs fromEnv and returns the ConfigError it must throw. */
function configError(env: Env): ConfigError {
  try {
    fromEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'visitor-offers-config-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function offersFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('the environment, read as the standalone server reads it', () => {
  describe('with only a df_ website key', () => {
    it('uses the documented defaults', () => {
      const { listen, options, offers } = fromEnv(minimal());
      expect(listen).toEqual({ port: 3000, host: '0.0.0.0', logLevel: 'info', maxConnections: null, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000 });
      expect(options).toMatchObject({
        redisUrl: null,
        datafast: { apiKey: KEY, websiteId: null, apiUrl: 'https://datafa.st', timeoutMs: 1500 },
        offers: { kind: 'inline' },
        dataDir: 'data',
        allowedOrigins: [],
        adminToken: null,
        conversionsToken: null,
        leadsWebhookUrl: null,
        logLevel: 'info',
      });
      expect(offers).toBeNull();
    });

    it('reads DATA_DIR, ADMIN_TOKEN and LEADS_WEBHOOK_URL', () => {
      const token = 'env-test-admin-token-7f3a9c2e5b1d';
      const { options } = fromEnv(minimal({ DATA_DIR: '/var/lib/vo', ADMIN_TOKEN: token, LEADS_WEBHOOK_URL: 'https://hooks.example.com/x?token=s3cret' }));
      expect(options).toMatchObject({ dataDir: '/var/lib/vo', adminToken: token, leadsWebhookUrl: 'https://hooks.example.com/x?token=s3cret' });
    });

    it('refuses a short ADMIN_TOKEN and a webhook that is not http(s), without echoing it', () => {
      expect(configError(minimal({ ADMIN_TOKEN: 'tooshort' })).message).toMatch(/^ADMIN_TOKEN: /);
      expect(configError(minimal({ ADMIN_TOKEN: 'tooshort' })).message).not.toContain('tooshort');
      const webhook = configError(minimal({ LEADS_WEBHOOK_URL: 'ftp://s3cret@host' }));
      expect(webhook.message).toMatch(/^LEADS_WEBHOOK_URL: /);
      expect(webhook.message).not.toContain('s3cret');
    });

    it('reads VISITOR_OFFERS_SECRET and VISITOR_OFFERS_PREVIOUS_SECRET; refuses a weak one, or a previous one alone or the same, never echoing either', () => {
      const secret = 'env-test-decision-secret-4b8e1c7f2a9d';
      const previous = 'env-test-old-decision-secret-9c2e5b1d7f3a';
      expect(fromEnv(minimal({ VISITOR_OFFERS_SECRET: secret, VISITOR_OFFERS_PREVIOUS_SECRET: previous })).options).toMatchObject({ secret, previousSecret: previous });
      expect(fromEnv(minimal({})).options).toMatchObject({ secret: null, previousSecret: null });
      for (const [env, name, shown] of [
        [{ VISITOR_OFFERS_SECRET: 'short-secret' }, 'VISITOR_OFFERS_SECRET', 'short-secret'],
        [{ VISITOR_OFFERS_SECRET: 'ab'.repeat(20) }, 'VISITOR_OFFERS_SECRET', 'abab'],
        [{ VISITOR_OFFERS_PREVIOUS_SECRET: previous }, 'VISITOR_OFFERS_PREVIOUS_SECRET', previous],
        [{ VISITOR_OFFERS_SECRET: secret, VISITOR_OFFERS_PREVIOUS_SECRET: secret }, 'VISITOR_OFFERS_PREVIOUS_SECRET', secret],
      ] as const) {
        const message = configError(minimal(env)).message;
        expect(message).toMatch(new RegExp(`^${name}: `));
        expect(message).not.toContain(shown);
      }
    });

    it('treats blank settings as unset', () => {
      const { listen, options } = fromEnv(minimal({ PORT: '', HOST: '  ', DATAFAST_API_URL: '', LOG_LEVEL: '', REDIS_URL: '', OFFERS_CONFIG: ' ' }));
      expect(listen).toEqual({ port: 3000, host: '0.0.0.0', logLevel: 'info', maxConnections: null, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000 });
      expect(options.redisUrl).toBeNull();
      expect(options.datafast?.apiUrl).toBe('https://datafa.st');
      expect(options.logLevel).toBe('info');
      expect(options.offers.kind).toBe('inline');
    });

    it('trims surrounding whitespace from the key', () => {
      expect(fromEnv({ DATAFAST_API_KEY: `  ${KEY}\n` }).options.datafast?.apiKey).toBe(KEY);
    });
  });

  it('reads every setting it is given', () => {
    const { listen, options } = fromEnv(
      minimal({
        PORT: '8080',
        HOST: '127.0.0.1',
        DATAFAST_API_URL: 'http://127.0.0.1:4010',
        ALLOWED_ORIGINS: 'https://shop.example.com',
        REDIS_URL: 'rediss://cache.internal:6380',
        LOG_LEVEL: 'debug',
        TRUST_PROXY: '10.0.0.0/8, 192.0.2.7',
        MAX_CONNECTIONS: '500',
        HEADERS_TIMEOUT_MS: '4000',
        KEEP_ALIVE_TIMEOUT_MS: '65000',
      }),
    );
    expect(listen).toEqual({ port: 8080, host: '127.0.0.1', logLevel: 'debug', maxConnections: 500, headersTimeoutMs: 4000, keepAliveTimeoutMs: 65_000 });
    expect(options).toMatchObject({ redisUrl: 'rediss://cache.internal:6380', allowedOrigins: ['https://shop.example.com'], trustProxy: '10.0.0.0/8, 192.0.2.7', logLevel: 'debug', datafast: { apiUrl: 'http://127.0.0.1:4010' } });
  });

  describe('DATAFAST_API_KEY', () => {
    it.each([
      ['missing', {}],
      ['blank', { DATAFAST_API_KEY: '   ' }],
    ])('stops start-up when %s, naming the setting first', (_label, env) => {
      const err = configError(env);
      expect(err.setting).toBe('DATAFAST_API_KEY');
      expect(err.message.startsWith('DATAFAST_API_KEY')).toBe(true);
      expect(err.message).not.toContain('\n');
    });

    it.each([
      'sk_live_51HxQ2eLkdIwHu7ixQ4d',
      'dF_0123456789abcdef',
      'df-0123456789abcdef',
      'df_secret with-space',
      'Bearer df_0123456789abcdef',
      '0123456789abcdef0123',
    ])('rejects the key %s without ever echoing it', (key) => {
      const err = configError({ DATAFAST_API_KEY: key });
      expect(err.setting).toBe('DATAFAST_API_KEY');
      expect(err.message).toMatch(/^DATAFAST_API_KEY: /);
      expect(err.message).not.toContain(key.trim());
      expect(err.message).not.toContain('0123456789abcdef');
      expect(err.message).not.toContain('51HxQ2eLkdIwHu7ixQ4d');
      expect(err.message).not.toContain('secret');
    });

    it('rejects a bare df_ prefix without a key after it', () => {
      expect(configError({ DATAFAST_API_KEY: 'df_' }).setting).toBe('DATAFAST_API_KEY');
    });

    it('accepts a dft_ account token with DATAFAST_WEBSITE_ID and passes both on', () => {
      const { options } = fromEnv({ DATAFAST_API_KEY: 'dft_abc123', DATAFAST_WEBSITE_ID: '665f0b3c4d2e1a0012345678' });
      expect(options.datafast).toMatchObject({ apiKey: 'dft_abc123', websiteId: '665f0b3c4d2e1a0012345678', apiUrl: 'https://datafa.st', timeoutMs: 1500 });
    });

    it('requires DATAFAST_WEBSITE_ID with a dft_ token, naming it', () => {
      const err = configError({ DATAFAST_API_KEY: 'dft_abc123' });
      expect(err.setting).toBe('DATAFAST_WEBSITE_ID');
      expect(err.message).toMatch(/^DATAFAST_WEBSITE_ID: /);
      expect(err.message).not.toContain('dft_abc123');
    });

    it('rejects a DATAFAST_WEBSITE_ID that is not an id', () => {
      expect(configError(minimal({ DATAFAST_WEBSITE_ID: '../admin' })).setting).toBe('DATAFAST_WEBSITE_ID');
    });
  });

  describe('PORT', () => {
    it.each(['70000', '65536', 'abc', '3000x', '-1', '3e3', '80.5', '0x50'])('rejects "%s", naming PORT and the value', (port) => {
      const err = configError(minimal({ PORT: port }));
      expect(err.setting).toBe('PORT');
      expect(err.message).toMatch(/^PORT: /);
      expect(err.message).toContain(`"${port}"`);
    });

    it.each<[string, number]>([
      ['0', 0],
      ['1', 1],
      ['65535', 65535],
      [' 8080 ', 8080],
    ])('accepts "%s" (0 asks the system for a free port)', (port, expected) => {
      expect(fromEnv(minimal({ PORT: port })).listen.port).toBe(expected);
    });
  });

  describe('DATAFAST_API_URL', () => {
    it.each(['datafa.st', 'ftp://datafa.st', 'file:///etc/passwd', 'not a url', 'javascript:alert(1)'])('rejects %s', (url) => {
      const err = configError(minimal({ DATAFAST_API_URL: url }));
      expect(err.setting).toBe('DATAFAST_API_URL');
      expect(err.message).toMatch(/^DATAFAST_API_URL: /);
    });

    it('accepts a local http URL (tests point it at a local server)', () => {
      expect(fromEnv(minimal({ DATAFAST_API_URL: 'http://localhost:4010' })).options.datafast?.apiUrl).toBe('http://localhost:4010');
    });
  });

  describe('ALLOWED_ORIGINS', () => {
    it('reads a comma-separated list, ignoring spaces and empty entries', () => {
      const { options } = fromEnv(minimal({ ALLOWED_ORIGINS: 'https://shop.example.com, http://localhost:8080 ,,https://a.example.org:8443' }));
      expect(options.allowedOrigins).toEqual(['https://shop.example.com', 'http://localhost:8080', 'https://a.example.org:8443']);
    });

    it('stores an origin with its default port, or in capitals, as the browser sends it', () => {
      expect(fromEnv(minimal({ ALLOWED_ORIGINS: 'https://shop.example.com:443,HTTP://Shop.Example.com:8080' })).options.allowedOrigins).toEqual([
        'https://shop.example.com',
        'http://shop.example.com:8080',
      ]);
    });

    it('stores an origin written with a trailing slash as the browser sends it', () => {
      expect(fromEnv(minimal({ ALLOWED_ORIGINS: 'https://shop.example.com/' })).options.allowedOrigins).toEqual(['https://shop.example.com']);
    });

    it.each(['shop.example.com', 'https://shop.example.com/pricing', 'ftp://shop.example.com', '*', 'https://shop.example.com?x=1', 'https://me@shop.example.com', 'https://shop.example.com/#top'])(
      'rejects the entry %s, naming the setting and the entry',
      (entry) => {
        const err = configError(minimal({ ALLOWED_ORIGINS: `https://ok.example.com,${entry}` }));
        expect(err.setting).toBe('ALLOWED_ORIGINS');
        expect(err.message).toMatch(/^ALLOWED_ORIGINS: /);
        expect(err.message).toContain(`"${entry}"`);
      },
    );
  });

  describe('METRICS_PUBLIC', () => {
    it.each([
      ['true', true],
      ['TRUE', true],
      ['false', false],
    ])('reads %s as metrics.public', (text, isPublic) => {
      expect(optionsFromEnv(minimal({ METRICS_PUBLIC: text })).metrics).toEqual({ public: isPublic });
      expect(fromEnv(minimal({ METRICS_PUBLIC: text })).options.metricsPublic).toBe(isPublic);
    });

    it('leaves the metrics protected when unset', () => {
      expect(optionsFromEnv(minimal()).metrics).toBeUndefined();
      expect(fromEnv(minimal()).options.metricsPublic).toBe(false);
    });

    it('refuses anything else, naming the variable', () => {
      expect(configError(minimal({ METRICS_PUBLIC: '1' })).message).toBe('METRICS_PUBLIC: must be true or false');
    });
  });

  describe('the DataFast call, breaker, cache, limits and readiness variables', () => {
    it.each<[name: string, text: string, read: (o: ResolvedOptions) => unknown, value: unknown]>([
      ['DATAFAST_TIMEOUT_MS', '2500', (o) => o.datafast?.timeoutMs, 2500],
      ['DATAFAST_BREAKER_FAILURES', '3', (o) => o.datafast?.breaker.failureThreshold, 3],
      ['DATAFAST_BREAKER_WINDOW_MS', '20000', (o) => o.datafast?.breaker.failureWindowMs, 20_000],
      ['DATAFAST_BREAKER_COOL_DOWN_MS', '10000', (o) => o.datafast?.breaker.coolDownMs, 10_000],
      ['CACHE_MAX_BYTES', '67108864', (o) => o.cache.maxBytes, 64 * 1024 * 1024],
      ['LIMIT_EVENTS_PER_MINUTE_PER_IP', '600', (o) => o.limits.eventsPerMinutePerIp, 600],
      ['LIMIT_EVENTS_PER_MINUTE_PER_VISITOR', '120', (o) => o.limits.eventsPerMinutePerVisitor, 120],
      ['LIMIT_LEADS_PER_MINUTE_PER_IP', '30', (o) => o.limits.leadsPerMinutePerIp, 30],
      ['LIMIT_CONVERSIONS_PER_MINUTE', '1200', (o) => o.limits.conversionsPerMinute, 1200],
      ['LIMIT_AUTH_FAILURES_PER_MINUTE_PER_IP', '5', (o) => o.limits.authFailuresPerMinutePerIp, 5],
      ['READINESS_MAX_UPSTREAM_OPEN_MS', '600000', (o) => o.maxUpstreamOpenMs, 600_000],
      ['READINESS_MAX_UPSTREAM_OPEN_MS', '0', (o) => o.maxUpstreamOpenMs, 0],
      ['READINESS_MAX_UPSTREAM_OPEN_MS', 'off', (o) => o.maxUpstreamOpenMs, null],
      ['READINESS_MAX_UPSTREAM_OPEN_MS', 'OFF', (o) => o.maxUpstreamOpenMs, null],
      ['CODES_HOLD_MINUTES', '15', (o) => o.codes.holdMinutes, 15],
      ['CODES_LOW_STOCK_WARNING', '0', (o) => o.codes.lowStockWarning, 0],
      ['RECONCILE_CALLS_PER_MINUTE', '0', (o) => o.reconcile.callsPerMinute, 0],
      ['RECONCILE_CALLS_PER_MINUTE', '120', (o) => o.reconcile.callsPerMinute, 120],
      ['RECONCILE_FIRST_CHECK_MINUTES', '15', (o) => o.reconcile.firstCheckMinutes, 15],
    ])('%s=%s sets its option', (name, text, read, value) => {
      const env = minimal({ [name]: ` ${text} ` });
      const option = OPTION_VARIABLES.find((v) => v.name === name)?.option ?? '';
      // The variable itself gave the value (it is not just the default showing through)…
      expect(option.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], optionsFromEnv(env))).toEqual(value);
      // …and the router resolves it as given.
      expect(read(fromEnv(env).options)).toEqual(value);
    });

    it('leaves the other settings of a group at their defaults', () => {
      const { options } = fromEnv(minimal({ DATAFAST_BREAKER_FAILURES: '2', LIMIT_LEADS_PER_MINUTE_PER_IP: '30' }));
      expect(options.datafast?.breaker).toEqual({ failureThreshold: 2, failureWindowMs: 60_000, coolDownMs: 30_000 });
      expect(options.limits).toEqual({ eventsPerMinutePerIp: 300, eventsPerMinutePerVisitor: 60, leadsPerMinutePerIp: 30, conversionsPerMinute: 600, authFailuresPerMinutePerIp: 10 });
    });

    it('treats a blank READINESS_MAX_UPSTREAM_OPEN_MS as unset, like every variable: the default, whatever it is', () => {
      expect(optionsFromEnv(minimal({ READINESS_MAX_UPSTREAM_OPEN_MS: ' ' })).readiness).toBeUndefined();
      expect(fromEnv(minimal({ READINESS_MAX_UPSTREAM_OPEN_MS: '' })).options.maxUpstreamOpenMs).toBe(fromEnv(minimal()).options.maxUpstreamOpenMs);
    });

    it.each([
      ['DATAFAST_TIMEOUT_MS', '60001', 'DATAFAST_TIMEOUT_MS: must be at most 60000, got 60001'],
      ['DATAFAST_TIMEOUT_MS', '1.5s', 'DATAFAST_TIMEOUT_MS: expected number, got string'],
      ['DATAFAST_BREAKER_WINDOW_MS', '999', 'DATAFAST_BREAKER_WINDOW_MS: must be at least 1000, got 999'],
      ['CACHE_MAX_BYTES', '32MiB', 'CACHE_MAX_BYTES: expected number, got string "32MiB"'],
      ['LIMIT_EVENTS_PER_MINUTE_PER_VISITOR', '2.5', 'LIMIT_EVENTS_PER_MINUTE_PER_VISITOR: expected whole number, got 2.5'],
      ['LIMIT_CONVERSIONS_PER_MINUTE', '0', 'LIMIT_CONVERSIONS_PER_MINUTE: must be at least 1, got 0'],
      ['READINESS_MAX_UPSTREAM_OPEN_MS', '86400001', 'READINESS_MAX_UPSTREAM_OPEN_MS: must be at most 86400000, got 86400001'],
      ['READINESS_MAX_UPSTREAM_OPEN_MS', 'null', 'READINESS_MAX_UPSTREAM_OPEN_MS: expected number, got string "null"'],
      ['CODES_HOLD_MINUTES', '10081', 'CODES_HOLD_MINUTES: must be at most 10080, got 10081'],
      ['CODES_LOW_STOCK_WARNING', 'lots', 'CODES_LOW_STOCK_WARNING: expected number, got string "lots"'],
    ])('%s=%s is refused by the options’ schema, naming the variable', (name, text, message) => {
      const err = configError(minimal({ [name]: text }));
      expect(err.setting).toBe(name);
      expect(err.message).toBe(message);
    });
  });

  describe('TRUST_PROXY', () => {
    it.each([
      ['loopback', 'loopback'],
      ['loopback, 10.0.0.0/8, 2001:db8::/32', 'loopback, 10.0.0.0/8, 2001:db8::/32'],
      ['2', 2],
      ['0', 0],
      ['false', false],
      ['FALSE', false],
    ])('reads %s in Express’s syntax', (text, setting) => {
      expect(fromEnv(minimal({ TRUST_PROXY: text })).options.trustProxy).toEqual(setting);
    });

    it('is left to the server’s default (loopback) when unset', () => {
      expect(fromEnv(minimal()).options.trustProxy).toBeNull();
    });

    it.each([
      ['true', /^TRUST_PROXY: true would trust every address/],
      ['10.0.0.0/33', /^TRUST_PROXY: "10\.0\.0\.0\/33" is not an IP address, a subnet like 10\.0\.0\.0\/8 or one of loopback, linklocal, uniquelocal$/],
      ['loopback,,10.0.0.1', /^TRUST_PROXY: has an empty entry/],
      ['loopback, 2', /^TRUST_PROXY: "2" is not an address: a hop count stands alone/],
      ['99', /^TRUST_PROXY: expected a hop count from 0 to 32, got 99$/],
      ['private', /^TRUST_PROXY: "private" is not an IP address/],
    ])('rejects %s, naming the setting', (text, message) => {
      expect(configError(minimal({ TRUST_PROXY: text })).message).toMatch(message);
    });
  });

  describe('MAX_CONNECTIONS', () => {
    it('reads a whole number', () => {
      expect(fromEnv(minimal({ MAX_CONNECTIONS: ' 2000 ' })).listen.maxConnections).toBe(2000);
    });

    it.each(['0', 'many', '1.5', '-3', '2000000'])('rejects %s, naming the setting and the value', (text) => {
      const err = configError(minimal({ MAX_CONNECTIONS: text }));
      expect(err.setting).toBe('MAX_CONNECTIONS');
      expect(err.message).toBe(`MAX_CONNECTIONS: must be a whole number of connections from 1 to 1000000, got "${text}"`);
    });
  });

  describe('HEADERS_TIMEOUT_MS and KEEP_ALIVE_TIMEOUT_MS', () => {
    it('read whole numbers of ms: a keep-alive longer than a load balancer’s idle timeout (AWS ALB: 60 s)', () => {
      expect(fromEnv(minimal({ HEADERS_TIMEOUT_MS: '2000', KEEP_ALIVE_TIMEOUT_MS: '65000' })).listen).toMatchObject({ headersTimeoutMs: 2000, keepAliveTimeoutMs: 65_000 });
      // GCP's load balancer keeps idle connections 600 s (its guide asks for 620 s); AWS ALB may be set to 4000 s.
      expect(fromEnv(minimal({ KEEP_ALIVE_TIMEOUT_MS: '4100000' })).listen.keepAliveTimeoutMs).toBe(4_100_000);
    });

    it.each([
      ['HEADERS_TIMEOUT_MS', '999', 'from 1000 to 30000'],
      ['HEADERS_TIMEOUT_MS', '30001', 'from 1000 to 30000'],
      ['KEEP_ALIVE_TIMEOUT_MS', '500', 'from 1000 to 7200000'],
      ['KEEP_ALIVE_TIMEOUT_MS', '7200001', 'from 1000 to 7200000'],
      ['KEEP_ALIVE_TIMEOUT_MS', '1m', 'from 1000 to 7200000'],
      ['KEEP_ALIVE_TIMEOUT_MS', '65000.5', 'from 1000 to 7200000'],
    ])('%s=%s is refused, naming the variable, the range and the value', (name, text, range) => {
      const err = configError(minimal({ [name]: text }));
      expect(err.setting).toBe(name);
      expect(err.message).toBe(`${name}: must be a whole number of ms ${range}, got "${text}"`);
    });
  });

  describe('REDIS_URL', () => {
    it.each(['redis://localhost:6379', 'rediss://user:pw@cache.example.com:6380/0'])('accepts %s', (url) => {
      expect(fromEnv(minimal({ REDIS_URL: url })).options.redisUrl).toBe(url);
    });

    it.each(['http://localhost:6379', 'localhost:6379', 'memcached://x'])('rejects %s', (url) => {
      expect(configError(minimal({ REDIS_URL: url })).setting).toBe('REDIS_URL');
    });

    it('does not echo a rejected URL, which may carry a password', () => {
      expect(configError(minimal({ REDIS_URL: 'http://user:hunter2@cache:6379' })).message).not.toContain('hunter2');
    });
  });

  describe('LOG_LEVEL', () => {
    it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const)('accepts %s', (level) => {
      expect(fromEnv(minimal({ LOG_LEVEL: level })).options.logLevel).toBe(level);
    });

    it.each(['verbose', 'INFO', 'warning', '30'])('rejects %s, listing the choices', (level) => {
      const err = configError(minimal({ LOG_LEVEL: level }));
      expect(err.setting).toBe('LOG_LEVEL');
      expect(err.message).toContain('debug');
      expect(err.message).toContain(`"${level}"`);
    });
  });

  describe('OFFERS_CONFIG', () => {
    it('names OFFERS_CONFIG and the path when the file does not exist', () => {
      const missing = join(dir, 'nope.json');
      const err = configError(minimal({ OFFERS_CONFIG: missing }));
      expect(err.setting).toBe('OFFERS_CONFIG');
      expect(err.message).toMatch(/^OFFERS_CONFIG: /);
      expect(err.message).toContain(missing);
      expect(err.message).toContain('ENOENT');
    });

    it('names OFFERS_CONFIG when the path is a directory', () => {
      expect(configError(minimal({ OFFERS_CONFIG: dir })).setting).toBe('OFFERS_CONFIG');
    });

    it.each([
      ['a string threshold', 'string-threshold.json', '{"thresholds":{"low":"40"}}', 'thresholds.low: '],
      ['an unknown key', 'unknown-key.json', '{"tresholds":{}}', '(top level): '],
      ['a bad offer id', 'bad-id.json', '{"bySegment":{"low":"Big Sale"}}', 'bySegment.low: '],
      ['a low threshold above the default high', 'low-above.json', '{"thresholds":{"low":70}}', 'thresholds.low: must not exceed the default high (70 > 60)'],
      ['an offer id that is not defined', 'undefined-offer.json', '{"bySegment":{"high":"no-such-offer"}}', 'bySegment.high: names offer "no-such-offer"'],
      ['low above high', 'low-high.json', '{"thresholds":{"low":80,"high":20}}', 'thresholds.low: must not exceed thresholds.high (80 > 20)'],
      ['broken JSON', 'broken.json', '{"thresholds":', 'line 1, column 15: not valid JSON'],
      ['a misspelt key', 'typo.json', '{"offers":[{"id":"x","kind":"urgency","hedline":"H","body":"B"}]}', 'offers[0]: unknown key "hedline" (did you mean "headline"?)'],
    ])('names the file and the exact place for %s', (_label, name, content, place) => {
      const path = offersFile(name, content);
      const err = configError(minimal({ OFFERS_CONFIG: path }));
      expect(err.setting).toBe('OFFERS_CONFIG');
      expect(err.message).toMatch(/^OFFERS_CONFIG: /);
      expect(err.message).toContain(`${path}: ${place}`);
      expect(err.message).not.toContain('\n');
    });

    it('makes a valid file the watched offers file', () => {
      const path = offersFile('valid.json', JSON.stringify({ thresholds: { low: 25, high: 75, minConfidence: 0.7 }, bySegment: { average: 'starter-guide' } }));
      const { options, offers } = fromEnv(minimal({ OFFERS_CONFIG: path }));
      expect(options.offers).toEqual({ kind: 'file', path, watch: true });
      expect(offers?.thresholds).toEqual({ low: 25, high: 75, minConfidence: 0.7 });
      expect(offers?.bySegment).toEqual({ average: 'starter-guide' });
    });
  });
});

describe('a problem is named by the variable only while the option holds its value', () => {
  const problem = (options: ReturnType<typeof optionsFromEnv>): string => {
    try {
      parseOptions(options);
    } catch (err) {
      if (err instanceof ConfigError) return namedByEnv(options, err).message;
      throw err;
    }
    throw new Error('expected a ConfigError');
  };

  it('names DATA_DIR for the value it gave, and dataDir for one set in code over it', () => {
    expect(problem({ ...optionsFromEnv(minimal({ DATA_DIR: ' ' })), dataDir: '' })).toBe('dataDir: must not be empty');
    expect(problem(optionsFromEnv(minimal({ ADMIN_TOKEN: 'short' })))).toMatch(/^ADMIN_TOKEN: /);
    expect(problem({ ...optionsFromEnv(minimal({ ADMIN_TOKEN: 'env-test-admin-token-7f3a9c2e5b1d' })), adminToken: 'short' })).toMatch(/^adminToken: /);
  });

  it('names the variable that is missing when nothing in code set it', () => {
    expect(problem(optionsFromEnv({}))).toMatch(/^DATAFAST_API_KEY: is missing/);
  });

  it('names datafast.breaker.failureThreshold, not DATAFAST_BREAKER_FAILURES, for a value set in code over it', () => {
    const env = optionsFromEnv(minimal({ DATAFAST_BREAKER_FAILURES: '0' }));
    expect(problem(env)).toMatch(/^DATAFAST_BREAKER_FAILURES: /);
    expect(problem({ ...env, datafast: { apiKey: '', ...env.datafast, breaker: { failureThreshold: -2 } } })).toMatch(/^datafast\.breaker\.failureThreshold: /);
  });

  it('leaves options not made from the environment alone', () => {
    expect(() => parseOptions({ datafast: { apiKey: 'nope' } })).toThrow(/^datafast\.apiKey: /);
  });
});


describe('the README documents every variable', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  /** The rows of the first table after `heading`. */
  const rows = (heading: string): string[] => {
    const section = readme.slice(readme.indexOf(`\n${heading}\n`));
    const table = /\n(\|.*\|\n)+/.exec(section)?.[0] ?? '';
    return table.trim().split('\n');
  };

  it.each([...new Set([...OPTION_VARIABLES.map((v) => v.name), ...SERVER_VARIABLES])])('%s has a row in the standalone server’s table', (name) => {
    expect(rows('## The standalone server').filter((r) => r.startsWith(`| \`${name}\` |`))).toHaveLength(1);
  });

  it.each(OPTION_VARIABLES)('$name is named in the row of $option in the options table', ({ name, option }) => {
    const row = rows('## Mount it on your Express app').find((r) => r.startsWith(`| \`${option}\` |`));
    expect(row).toContain(`(\`${name}\``);
  });
});
