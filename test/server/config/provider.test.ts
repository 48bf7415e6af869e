// Choosing the analytics provider: ANALYTICS_PROVIDER / `provider`, PostMetric's settings checked by
// the one options schema (its URL has no default: a ConfigError naming POSTMETRIC_API_URL), the
// visitor cookie's name, and DataFast still the default with nothing else to set.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../server/config/config-error';
import { namedByEnv, optionsFromEnv } from '../../../server/config/env';
import { parseOptions } from '../../../server/config/options';
import type { VisitorOffersOptions } from '../../../server/config/options-types';

/** The first problem's line, named by variable as the standalone server names it. */
function problemOf(options: VisitorOffersOptions): string {
  try {
    parseOptions(options);
  } catch (err) {
    if (err instanceof ConfigError) return namedByEnv(options, err).message;
    throw err;
  }
  return 'no problem';
}

const PM = { POSTMETRIC_API_KEY: 'pm_live_key_123', POSTMETRIC_API_URL: 'https://analytics.example.com' };

describe('ANALYTICS_PROVIDER', () => {
  it('defaults to DataFast with its cookie, and needs no PostMetric setting', () => {
    const o = parseOptions(optionsFromEnv({ DATAFAST_API_KEY: 'df_key' }));
    expect([o.provider, o.visitorCookie, o.postmetric]).toEqual(['datafast', 'datafast_visitor_id', null]);
  });

  it('postmetric takes its key and URL, needs no DataFast key, and reads postmetric_visitor_id by default', () => {
    const o = parseOptions(optionsFromEnv({ ANALYTICS_PROVIDER: 'PostMetric', ...PM }));
    expect(o.provider).toBe('postmetric');
    expect(o.datafast).toBeNull();
    expect(o.postmetric).toMatchObject({ apiKey: 'pm_live_key_123', apiUrl: 'https://analytics.example.com', timeoutMs: 1500 });
    expect(o.visitorCookie).toBe('postmetric_visitor_id');
  });

  it('without POSTMETRIC_API_URL stops with a line naming it, and never repeats the key', () => {
    const line = problemOf(optionsFromEnv({ ANALYTICS_PROVIDER: 'postmetric', POSTMETRIC_API_KEY: PM.POSTMETRIC_API_KEY }));
    expect(line).toMatch(/^POSTMETRIC_API_URL: is missing/);
    expect(line).not.toContain(PM.POSTMETRIC_API_KEY);
  });

  it('without POSTMETRIC_API_KEY stops with a line naming it', () => {
    expect(problemOf(optionsFromEnv({ ANALYTICS_PROVIDER: 'postmetric', POSTMETRIC_API_URL: PM.POSTMETRIC_API_URL }))).toMatch(/^POSTMETRIC_API_KEY: is missing/);
  });

  it('refuses a plain-http PostMetric URL to another machine, and an unknown provider', () => {
    expect(problemOf(optionsFromEnv({ ANALYTICS_PROVIDER: 'postmetric', ...PM, POSTMETRIC_API_URL: 'http://analytics.example.com' }))).toMatch(/^POSTMETRIC_API_URL: /);
    expect(problemOf(optionsFromEnv({ ANALYTICS_PROVIDER: 'plausible', DATAFAST_API_KEY: 'df_key' }))).toMatch(/^ANALYTICS_PROVIDER: must be "datafast" or "postmetric"/);
  });

  it('as an option: postmetric settings are required with provider "postmetric"', () => {
    expect(() => parseOptions({ provider: 'postmetric' })).toThrow(/^postmetric: is required with provider "postmetric"/);
  });
});

describe('VISITOR_COOKIE', () => {
  it('names the cookie for either provider', () => {
    expect(parseOptions(optionsFromEnv({ DATAFAST_API_KEY: 'df_key', VISITOR_COOKIE: 'df_vid' })).visitorCookie).toBe('df_vid');
    expect(parseOptions(optionsFromEnv({ ANALYTICS_PROVIDER: 'postmetric', ...PM, VISITOR_COOKIE: 'pm.vid' })).visitorCookie).toBe('pm.vid');
  });

  it.each(['has space', 'semi;colon', 'x'.repeat(65), 'quote"d'])('refuses %j as a cookie name', (name) => {
    expect(problemOf(optionsFromEnv({ DATAFAST_API_KEY: 'df_key', VISITOR_COOKIE: name }))).toMatch(/^VISITOR_COOKIE: must be a cookie name/);
  });
});
