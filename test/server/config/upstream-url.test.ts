// The rules for DATAFAST_API_URL and LEADS_WEBHOOK_URL: http(s), no credentials in the URL, HTTPS
// unless the other end is this machine — and what the standalone server does with each: start, or
// stop with one line naming the variable that never repeats the URL's secret.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../server/config/config-error';
import { optionsFromEnv } from '../../../server/config/env';
import { isLoopback, upstreamUrlProblem } from '../../../server/config/upstream-url';
import { visitorOffers } from '../../../server/router';

const HINT = 'the key belongs elsewhere';

describe('upstreamUrlProblem', () => {
  it.each([
    'https://datafa.st',
    'https://api.example.com:8443/v1/',
    'http://127.0.0.1:4010',
    'http://127.1.2.3',
    'http://localhost:4010/path',
    'http://LOCALHOST.',
    'http://[::1]:4010',
    'https://hooks.example.com/leads/9f2c?token=s3cret',
  ])('accepts %s', (url) => {
    expect(upstreamUrlProblem(url, HINT)).toBeNull();
  });

  it.each([
    ['no scheme', 'datafa.st', 'must be an http(s) URL'],
    ['another scheme', 'ftp://datafa.st', 'must be an http(s) URL'],
    ['not a URL', 'not a url', 'must be an http(s) URL'],
    ['a user and password', 'https://user:SECRETPW@datafa.st', `must not contain a user name or password (user:password@): ${HINT}`],
    ['a user alone (a key as the user)', 'https://df_SECRETKEY@datafa.st', `must not contain a user name or password (user:password@): ${HINT}`],
    ['credentials on a loopback address', 'http://u:SECRETPW@127.0.0.1:4010', `must not contain a user name or password (user:password@): ${HINT}`],
  ])('refuses %s', (_label, url, problem) => {
    expect(upstreamUrlProblem(url, HINT)).toBe(problem);
  });

  it.each(['http://datafa.st', 'http://10.0.0.5:4010', 'http://192.168.1.2', 'http://[fe80::1]', 'http://127.0.0.1.example.com', 'http://localhost.example.com', 'http://0.0.0.0:4010'])(
    'refuses plain http to %s (not this machine)',
    (url) => {
      expect(upstreamUrlProblem(url, HINT)).toBe('must use https:// (plain http:// only to this machine: localhost, 127.0.0.0/8 or [::1])');
    },
  );

  it('reads loopback the way the URL parser writes host names (other IPv4 spellings included)', () => {
    expect(isLoopback(new URL('http://0x7f.1/').hostname)).toBe(true);
    expect(isLoopback(new URL('http://2130706433/').hostname)).toBe(true);
    expect(isLoopback(new URL('http://[0:0:0:0:0:0:0:1]/').hostname)).toBe(true);
    expect(isLoopback(new URL('http://128.0.0.1/').hostname)).toBe(false);
  });
});

describe('from the environment', () => {
  const router = (env: Record<string, string>) => visitorOffers({ ...optionsFromEnv({ DATAFAST_API_KEY: 'df_test_key', ...env }), logLevel: 'silent', dataDir: '/nonexistent/never-opened' });
  const problem = (env: Record<string, string>): string => {
    try {
      void router(env).close(0);
    } catch (err) {
      if (err instanceof ConfigError) return err.message;
      throw err;
    }
    return 'no problem';
  };

  it('names the variable and never repeats the secret a URL carried', () => {
    const api = problem({ DATAFAST_API_URL: 'https://someone:hunter2@datafa.st' });
    expect(api).toBe('DATAFAST_API_URL: must not contain a user name or password (user:password@): the key belongs in the API key setting (DATAFAST_API_KEY)');
    const hook = problem({ LEADS_WEBHOOK_URL: 'https://zap:hunter2@hooks.example.com/x' });
    expect(hook).toMatch(/^LEADS_WEBHOOK_URL: must not contain a user name or password/);
    for (const message of [api, hook]) {
      expect(message).not.toContain('hunter2');
      expect(message).not.toContain('someone');
    }
  });

  it('refuses http:// to another machine for both', () => {
    expect(problem({ DATAFAST_API_URL: 'http://datafast.internal:4010' })).toMatch(/^DATAFAST_API_URL: must use https:\/\//);
    expect(problem({ LEADS_WEBHOOK_URL: 'http://hooks.example.com/x' })).toMatch(/^LEADS_WEBHOOK_URL: must use https:\/\//);
  });
});
