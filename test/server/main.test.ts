// `npm run serve` as a user runs it: the built server, configured from the environment only.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personas } from '../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../demo/simulated-datafast';
import { waitFor } from '../support/wait';

const MAIN = 'dist/server/main.js'; // built by `npm test` before vitest runs

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the server with exactly this environment until it exits (bad settings) or is stopped. */
function run(env: Record<string, string>): Promise<Run> {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  return once(child, 'exit').then(([code]) => {
    clearTimeout(timer);
    return { code: code as number | null, stdout, stderr };
  });
}

describe('npm run serve stops with one clear line naming a bad or missing setting', () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['no key', {}, 'DATAFAST_API_KEY'],
    ['a key of the wrong kind', { DATAFAST_API_KEY: 'sk_live_secretvalue' }, 'DATAFAST_API_KEY'],
    ['an account token without website id', { DATAFAST_API_KEY: 'dft_abc' }, 'DATAFAST_WEBSITE_ID'],
    ['a bad port', { DATAFAST_API_KEY: 'df_abc', PORT: 'eighty' }, 'PORT'],
    ['a bad API URL', { DATAFAST_API_KEY: 'df_abc', DATAFAST_API_URL: 'datafa.st' }, 'DATAFAST_API_URL'],
    ['a missing offers file', { DATAFAST_API_KEY: 'df_abc', OFFERS_CONFIG: '/nonexistent/offers.json' }, 'OFFERS_CONFIG'],
    ['a bad origin', { DATAFAST_API_KEY: 'df_abc', ALLOWED_ORIGINS: 'shop.example.com' }, 'ALLOWED_ORIGINS'],
    ['a short admin token', { DATAFAST_API_KEY: 'df_abc', ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    ['an admin token of 16 × "a"', { DATAFAST_API_KEY: 'df_abc', ADMIN_TOKEN: 'a'.repeat(16) }, 'ADMIN_TOKEN: is too short: at least 32 characters (got 16); `visitor-offers gen-token` prints a good one'],
    ['a conversions token that repeats a piece', { DATAFAST_API_KEY: 'df_abc', CONVERSIONS_TOKEN: 'secretvalue!'.repeat(3) }, 'CONVERSIONS_TOKEN: is too easy to guess'],
    ['an API URL carrying a password', { DATAFAST_API_KEY: 'df_abc', DATAFAST_API_URL: 'http://someone:secretvalue@127.0.0.1:4010' }, 'DATAFAST_API_URL: must not contain a user name or password'],
    ['a webhook over plain http', { DATAFAST_API_KEY: 'df_abc', LEADS_WEBHOOK_URL: 'http://hooks.example.com/secretvalue' }, 'LEADS_WEBHOOK_URL: must use https://'],
    ['an unknown log level', { DATAFAST_API_KEY: 'df_abc', LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
    ['trusting every proxy', { DATAFAST_API_KEY: 'df_abc', TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
    ['a connection cap in words', { DATAFAST_API_KEY: 'df_abc', MAX_CONNECTIONS: 'lots' }, 'MAX_CONNECTIONS'],
    ['an offers file with a mistake', { DATAFAST_API_KEY: 'df_abc', OFFERS_CONFIG: 'offers.schema.json' }, 'OFFERS_CONFIG: offers.schema.json: (top level): unknown keys'],
    ['an unusable data directory (under a file)', { DATAFAST_API_KEY: 'df_abc', PORT: '0', DATA_DIR: `${MAIN}/data` }, 'DATA_DIR'],
  ];
  it.each(cases)('%s → exit 1 and a line naming %s', async (_label, env, setting) => {
    const r = await run(env);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(setting);
    expect(r.stderr + r.stdout).not.toContain('secretvalue');
  });
});

describe('npm run serve with good settings', () => {
  let sim: SimulatedDataFast;
  beforeAll(async () => {
    sim = await startSimulatedDataFast();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('serves /healthz and /visitor-offers/offer, and logs neither the key nor the token', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: mkdtempSync(join(tmpdir(), 'vo-main-')), DATAFAST_API_KEY: SIM.accountToken, DATAFAST_WEBSITE_ID: SIM.websiteId, DATAFAST_API_URL: sim.url, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line in: ${out}`)), 10_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/[^/]+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    try {
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({
        provider: 'datafast',
        status: 'ok',
        ready: true,
        reasons: [],
        store: 'ok',
        // The first write probe is under way: /healthz starts it, /readyz waits for it.
        storeCheckedAt: null,
        upstreamPausedUntil: null,
        upstream: ['visitors', 'realtime', 'goals'].map((endpoint) => ({ endpoint, state: 'closed', openSince: null })),
        outbox: { queued: 0, inFlight: 0, failed: 0, rejected: 0, delivered: 0, dropped: 0, capacity: 100_000 },
        cachedVisitors: 0,
        // No REDIS_URL: nothing shared, and not a reason to be unready.
        redis: { state: 'off', since: null, fallbacks: 0 },
        // Public: no file path, no error text.
        offers: { source: 'inline', loadedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), reloadFailing: false },
      });
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ ready: true, storeCheckedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
      // No ADMIN_TOKEN and no METRICS_PUBLIC: the metrics are not served.
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
      const offer = await fetch(`${url}/visitor-offers/offer?path=/pricing`, {
        headers: { cookie: `datafast_visitor_id=${personas.low.visitorId}` },
      });
      expect(await offer.json()).toMatchObject({ segment: 'low', offer: { kind: 'coupon' } });
      expect(sim.calls.at(-1)?.query).toEqual({ websiteId: SIM.websiteId });
      const missing = await fetch(`${url}/nope`);
      expect(missing.status).toBe(404);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    expect(out).toContain('account-token');
    expect(out).not.toContain(SIM.accountToken);
  });

  it('logs where DataFast is: its origin (a URL with a user and password does not start, see above)', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: mkdtempSync(join(tmpdir(), 'vo-main-')), DATAFAST_API_KEY: SIM.apiKey, DATAFAST_API_URL: `${sim.url}/`, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(() => out.includes('listening on'), 'the listening line');
      expect(out).toContain(`"datafast":"${sim.url}"`);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('re-reads OFFERS_CONFIG on SIGHUP, and keeps serving the old offers when the new file is bad', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vo-main-hup-'));
    const offers = join(dir, 'offers.json');
    writeFileSync(offers, JSON.stringify({ bySegment: { high: 'popular-plan-urgency' } }));
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: join(dir, 'data'), DATAFAST_API_KEY: SIM.apiKey, DATAFAST_API_URL: sim.url, OFFERS_CONFIG: offers, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(() => /listening on (http:\/\/[^/]+)/.exec(out), 'the listening line');
      const url = /listening on (http:\/\/[^/]+)/.exec(out)?.[1] ?? '';
      const reasonFor = async (): Promise<string> => {
        const res = await fetch(`${url}/visitor-offers/offer?path=/`, { headers: { cookie: `datafast_visitor_id=${personas.high.visitorId}` } });
        return ((await res.json()) as { offer: { id: string } | null }).offer?.id ?? 'none';
      };
      expect(await reasonFor()).toBe('popular-plan-urgency');

      writeFileSync(offers, JSON.stringify({ bySegment: { high: 'starter-guide' } }));
      child.kill('SIGHUP');
      await waitFor(() => out.includes('"trigger":"SIGHUP"') && out.includes('offers file reloaded'), 'the SIGHUP reload to be logged');
      expect(await reasonFor()).toBe('starter-guide');

      writeFileSync(offers, '{"bySegment": {"high": "starter-guide",}}');
      child.kill('SIGHUP');
      // The watcher may reject it too; the line that matters is the one the signal caused.
      await waitFor(() => out.split('\n').some((l) => l.includes('offers file rejected') && l.includes('"trigger":"SIGHUP"')), 'the SIGHUP reload to be rejected');
      expect(out).toMatch(/"error":"[^"]*offers\.json: line 1, column 40: not valid JSON/);
      expect(await reasonFor()).toBe('starter-guide');
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});

