// `visitor-offers preview-link` as an operator runs it: the built CLI, ADMIN_TOKEN and
// OFFERS_CONFIG from the environment. The link it prints is honoured by a router with the same
// admin token — the whole way, over HTTP.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import { captureLog } from '../../support/log-capture';
import { mountRouter } from '../../support/mounted-router';

const run = promisify(execFile);
const CLI = 'dist/server/cli.js'; // built by `npm test` before vitest runs
const ADMIN = 'cli-preview-admin-token-0123456789';

type Failure = { code: number; stdout: string; stderr: string };

describe('visitor-offers preview-link', () => {
  let dir: string;
  let offers: string;
  let sim: SimulatedDataFast;
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '', ADMIN_TOKEN: ADMIN, OFFERS_CONFIG: offers, ...extra });
  const cli = (args: string[], e = env()) => run(process.execPath, [CLI, 'preview-link', ...args], { env: e });
  const fails = (args: string[], e = env()) => cli(args, e).then(
    () => {
      throw new Error('expected the command to fail');
    },
    (err: Failure) => err,
  );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vo-preview-link-'));
    offers = join(dir, 'offers.json');
    writeFileSync(
      offers,
      JSON.stringify({
        offers: [{ id: 'spring-sale', kind: 'coupon', placement: 'bar', trigger: 'immediate', headline: 'Spring sale', body: '20% off.', code: 'SPRING20', discountLabel: '20% off' }],
      }),
    );
    sim = await startSimulatedDataFast();
  });
  afterAll(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a link to the page that a router with the same ADMIN_TOKEN honours', async () => {
    const { stdout, stderr } = await cli(['--offer', 'spring-sale', '--url', 'https://shop.example.com/pricing?utm_source=x', '--minutes', '15']);
    const url = stdout.trim();
    expect(stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(url).toMatch(/^https:\/\/shop\.example\.com\/pricing\?utm_source=x&visitor-offers-preview=spring-sale&visitor-offers-token=v1\.offer:spring-sale\.[0-9a-z]+\.[\w-]{43}$/);
    expect(stderr).toMatch(/^Shows offer:spring-sale until \d{4}-\d\d-\d\dT/);
    expect(stdout + stderr).not.toContain(ADMIN);

    const log = captureLog();
    const m = await mountRouter({ datafast: { apiKey: SIM.apiKey, apiUrl: sim.url }, offersFile: offers, adminToken: ADMIN, dataDir: join(dir, 'data'), logger: log.logger });
    try {
      const u = new URL(url);
      const res = await request(m.server)
        .get('/visitor-offers/offer')
        .query({ path: u.pathname + u.search, 'visitor-offers-preview': u.searchParams.get('visitor-offers-preview'), 'visitor-offers-token': u.searchParams.get('visitor-offers-token') });
      expect(res.body).toMatchObject({ offer: { id: 'spring-sale', code: 'SPRING20' }, reason: 'preview', preview: true, experiment: null });
      const expiresAt = Date.parse(/until (\S+?)\.?$/m.exec(stderr)?.[1] ?? '');
      expect(expiresAt - Date.now()).toBeLessThanOrEqual(15 * 60_000);
      expect(expiresAt - Date.now()).toBeGreaterThan(14 * 60_000);
    } finally {
      await m.close();
    }
  });

  it('prints a path for a segment when no --url is given', async () => {
    const { stdout, stderr } = await cli(['--segment', 'low']);
    expect(stdout.trim()).toMatch(/^\/\?visitor-offers-preview=segment:low&visitor-offers-token=v1\.segment:low\./);
    expect(stderr).toContain('pass --url');
  });

  it('checks the offer id against OFFERS_CONFIG (built-in offers without it)', async () => {
    const err = await fails(['--offer', 'summer-sale']);
    expect(err.code).toBe(1);
    expect(err.stdout).toBe('');
    expect(err.stderr.trim()).toBe(`visitor-offers preview-link: --offer: no offer "summer-sale" is configured (offers: welcome-coupon, popular-plan-urgency, starter-guide, spring-sale) in ${offers}`);
    const builtIn = await cli(['--offer', 'starter-guide'], { PATH: process.env.PATH ?? '', ADMIN_TOKEN: ADMIN });
    expect(builtIn.stdout).toContain('visitor-offers-preview=starter-guide');
    expect((await fails(['--offer', 'spring-sale'], { PATH: process.env.PATH ?? '', ADMIN_TOKEN: ADMIN })).code).toBe(1);
  });

  it('needs ADMIN_TOKEN, as strong as the server needs it (exit 1, one line, the token not echoed)', async () => {
    for (const [token, problem] of [
      ['', /ADMIN_TOKEN: is not set/],
      ['short', /ADMIN_TOKEN: is too short: at least 32 characters \(got 5\); `visitor-offers gen-token` prints a good one$/],
      ['a'.repeat(16), /ADMIN_TOKEN: is too short/],
      ['b'.repeat(48), /ADMIN_TOKEN: is too easy to guess: only 1 different character/],
      ['Kx7-Qp2!'.repeat(5), /ADMIN_TOKEN: is too easy to guess: a short piece repeated/],
    ] as const) {
      const err = await fails(['--offer', 'spring-sale'], env({ ADMIN_TOKEN: token }));
      expect(err.code).toBe(1);
      expect(err.stderr.trim().split('\n')).toHaveLength(1);
      expect(err.stderr).toMatch(/^visitor-offers preview-link: ADMIN_TOKEN: /);
      expect(err.stderr.trim()).toMatch(problem);
      if (token.length >= 16) expect(err.stderr).not.toContain(token);
    }
  });

  it('names a broken offers file (exit 1)', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"offers": 3}');
    const err = await fails(['--offer', 'spring-sale'], env({ OFFERS_CONFIG: bad }));
    expect(err.code).toBe(1);
    expect(err.stderr).toContain(bad);
    expect(err.stderr).toContain('offers');
  });

  it.each([
    [[], 'give either --offer <id> or --segment <segment>'],
    [['--offer', 'a', '--segment', 'low'], 'give either --offer <id> or --segment <segment>'],
    [['--segment', 'vip'], '--segment must be one of low, average, high, unknown, customer'],
    [['--offer', 'spring-sale', '--minutes', '1441'], '--minutes must be a whole number from 1 to 1440 (24 h)'],
    [['--offer', 'spring-sale', '--minutes', 'soon'], '--minutes must be a whole number'],
    [['--offer', 'spring-sale', '--url', 'shop.example.com/pricing'], '--url must be a page URL'],
    [['--offer', 'spring-sale', '--url', 'ftp://shop.example.com/'], '--url must be a page URL'],
    [['--offer', 'spring-sale', '--bogus'], "Unknown option '--bogus'"],
  ])('%j is a usage mistake (exit 2)', async (args, message) => {
    const err = await fails(args);
    expect(err.code).toBe(2);
    expect(err.stderr).toContain(message);
    expect(err.stderr).toContain('usage: visitor-offers preview-link --offer <id> | --segment <s>');
  });

  it('is listed in the help', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'help'], { env: env() });
    expect(stdout).toMatch(/preview-link --offer <id> \| --segment <s>.*\n?.*signed with \$ADMIN_TOKEN/);
  });
});
