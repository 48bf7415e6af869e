// The `npm start` demo: the Launchkit site and its persona switcher in front of the real router,
// against the simulated DataFast (or, with DATAFAST_API_KEY, "live" against another DataFast).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DATA_DIR, demoFile, startDemo, type Demo } from '../../demo/demo-app';
import { personas } from '../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../demo/simulated-datafast';
import { ARTICLE_TITLE } from '../../demo/site/article';
import { WIDGET_SNIPPET } from '../../demo/site/layout';
import { PANEL_PERSONAS } from '../../demo/site/panel';
import { DASHBOARD_PATH, safeReturnPath, SITE_PATHS } from '../../demo/site/paths';
import { loadOffersFile } from '../../server/config/offers-file';
import { ConfigError } from '../../server/config/config-error';
import { assign } from '../../server/experiments/assign';
import { captureLog } from '../support/log-capture';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'vo-demo-'));
const cookieOf = (res: Response): string => (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
const DEMO_OFFERS = demoFile('offers.demo.json');

describe('the demo offers file', () => {
  const decisions = loadOffersFile(DEMO_OFFERS);
  const experiment = decisions?.experiments?.find((e) => e.id === 'trial-length');

  it('lives in demo/ and loads without error', () => {
    expect(DEMO_OFFERS).toBe(resolve('demo/offers.demo.json'));
    expect(decisions?.offers?.map((o) => o.kind).sort()).toEqual(['coupon', 'coupon', 'coupon', 'lead_magnet', 'lead_magnet', 'lead_magnet', 'urgency']);
    const pool = decisions?.offers?.find((o) => o.id === 'launch-coupon');
    expect(pool).toMatchObject({ kind: 'coupon', codePool: resolve('demo/coupons.demo.txt') });
  });

  it('runs an experiment that puts the experiment persona in a non-control variant', () => {
    expect(experiment?.status).toBe('running');
    const a = experiment ? assign(experiment, personas.experiment.visitorId) : null;
    const variant = experiment?.variants.find((v) => v.id === a?.variantId);
    expect(variant).toBeDefined();
    expect(variant?.offer).not.toBeNull();
    expect(a).toEqual({ experimentId: 'trial-length', variantId: 'extended-trial', offerId: 'extended-trial' });
  });

  it('keeps its store in data/demo, which git ignores', () => {
    expect(DEMO_DATA_DIR).toBe('data/demo');
  });
});

describe('the demo without a DataFast key', () => {
  let demo: Demo;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = tempDir();
    demo = await startDemo({ env: { PORT: '0', DATA_DIR: dataDir }, logger: captureLog().logger });
  });
  afterAll(async () => {
    await demo.close();
  });
  const url = (path: string): string => new URL(path, demo.url).href;
  const page = async (path: string, cookie = ''): Promise<string> => {
    const res = await fetch(url(path), { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    return res.text();
  };
  const decision = async (path: string, cookie: string): Promise<Record<string, unknown>> =>
    (await fetch(url(`/visitor-offers/offer?path=${encodeURIComponent(path)}`), { headers: { cookie } })).json() as Promise<Record<string, unknown>>;

  it('runs on the simulated DataFast with the demo offers file and the given data directory', () => {
    expect(demo.mode).toBe('simulated');
    expect(demo.modeLine).toMatch(/^Simulated DataFast at http:\/\/127\.0\.0\.1:\d+/);
    expect(demo.offersConfigPath).toBe(DEMO_OFFERS);
    expect(demo.dataDir).toBe(dataDir);
  });

  it('serves the marketing site: home, pricing, the blog post, each with the widget and the persona switcher', async () => {
    const home = await page(SITE_PATHS.home);
    expect(home).toContain('Dashboards your whole team actually reads');
    const pricing = await page(SITE_PATHS.pricing);
    expect(pricing).toContain('Simple pricing that grows with you');
    expect(pricing).toContain('<visitor-offer placement="inline"></visitor-offer>');
    const post = await page(SITE_PATHS.blogPost);
    expect(post).toContain(ARTICLE_TITLE.replace(/&/g, '&amp;'));
    for (const html of [home, pricing, post]) {
      expect(html).toContain(WIDGET_SNIPPET);
      expect(html).toContain('<link rel="stylesheet" href="/demo/site.css">');
      expect(html).toContain('data-demo-panel');
      expect(html).toContain(`href="${DASHBOARD_PATH}"`);
      for (const p of PANEL_PERSONAS) expect(html).toContain(`data-persona="${p.name}"`);
    }
    // Only pricing places its own element; home and blog get the drop-in element and the decision's placement.
    expect(home).not.toContain('<visitor-offer');
    expect(post).not.toContain('<visitor-offer');
    expect((await fetch(url('/blog'), { redirect: 'manual' })).headers.get('location')).toBe(SITE_PATHS.blogPost);
  });

  it('marks the current persona in the switcher, and "No cookie" without one', async () => {
    expect(await page('/')).toMatch(/data-persona="none" aria-current="true"/);
    const html = await page('/pricing', `datafast_visitor_id=${personas.experiment.visitorId}`);
    expect(html).toMatch(/data-persona="experiment" aria-current="true"/);
    expect(html).toContain('Visitor in an A/B test');
    expect(html).toContain(`/demo/persona/low?next=${encodeURIComponent('/pricing')}`);
  });

  it('serves the static files and keeps the raw decision view at /demo', async () => {
    for (const f of ['site.css', 'site.js', 'dashboard.svg', 'favicon.svg', 'demo.js', 'demo.css']) {
      expect((await fetch(url(`/demo/${f}`))).status, f).toBe(200);
    }
    const raw = await page('/demo');
    for (const p of Object.values(personas)) expect(raw).toContain(p.label);
    expect(raw).toContain('Simulated DataFast');
    expect(raw).toContain('/demo/persona/high?next=/demo');
  });

  it.each(PANEL_PERSONAS.map((p) => p.name))('switching to %s sets the cookie and returns to the same page', async (name) => {
    const res = await fetch(url(`/demo/persona/${name}?next=${encodeURIComponent('/pricing?utm_source=x')}`), { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/pricing?utm_source=x');
    const setCookie = res.headers.get('set-cookie') ?? '';
    if (name === 'none') expect(setCookie).toMatch(/^datafast_visitor_id=;/);
    else expect(setCookie).toContain(`datafast_visitor_id=${personas[name].visitorId}`);
  });

  it('returns only to a page of this site, and answers an unknown persona with 404', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'pricing', '']) {
      const res = await fetch(url(`/demo/persona/low?next=${encodeURIComponent(next)}`), { redirect: 'manual' });
      expect(res.headers.get('location'), next).toBe('/');
    }
    expect(safeReturnPath(['/pricing'])).toBe('/');
    expect((await fetch(url('/demo/persona/nobody'), { redirect: 'manual' })).status).toBe(404);
  });

  it('decides per page from the demo offers file', async () => {
    const cases: Array<[keyof typeof personas, string, string, string | null, string]> = [
      ['low', SITE_PATHS.home, 'low', 'launch-coupon', 'rule:default-low'],
      ['low', SITE_PATHS.pricing, 'low', 'annual-coupon', 'rule:pricing-low-score'],
      ['high', SITE_PATHS.blogPost, 'high', 'launch-week-urgency', 'rule:default-high'],
      ['lowConfidence', SITE_PATHS.home, 'unknown', 'starter-kit', 'rule:default-unknown'],
      ['lowConfidence', SITE_PATHS.pricing, 'unknown', 'plan-picker', 'rule:pricing-thin-data'],
      ['lowConfidence', SITE_PATHS.blogPost, 'unknown', 'metrics-playbook', 'rule:blog-thin-data'],
      ['average', SITE_PATHS.home, 'average', null, 'rule:default-average'],
      ['customer', SITE_PATHS.pricing, 'customer', null, 'rule:default-customer'],
    ];
    for (const [name, path, segment, offer, reason] of cases) {
      const d = await decision(path, `datafast_visitor_id=${personas[name].visitorId}`);
      expect({ name, path, segment: d.segment, offer: (d.offer as { id?: string } | null)?.id ?? null, reason: d.reason }).toEqual({ name, path, segment, offer, reason });
    }
    const coupon = (await decision('/', `datafast_visitor_id=${personas.low.visitorId}`)).offer as { code?: string };
    expect(coupon.code).toMatch(/^LAUNCH-[A-Z0-9]{6}$/); // a single-use code from demo/coupons.demo.txt
    const modal = (await decision(SITE_PATHS.blogPost, `datafast_visitor_id=${personas.lowConfidence.visitorId}`)).offer;
    expect(modal).toMatchObject({ placement: 'modal', trigger: { type: 'scroll', percent: 40 } });
  });

  it('puts the experiment persona, switched to through the panel route, in the non-control variant on every page', async () => {
    const res = await fetch(url('/demo/persona/experiment?next=/'), { redirect: 'manual' });
    const cookie = cookieOf(res);
    for (const path of Object.values(SITE_PATHS)) {
      const d = await decision(path, cookie);
      expect(d).toMatchObject({
        segment: 'average',
        experiment: { id: 'trial-length', variant: 'extended-trial' },
        offer: { id: 'extended-trial', kind: 'coupon', code: 'TRIAL30' },
        reason: 'rule:returning-average-visitors',
      });
    }
  });

  it('opens the operator dashboard without a token (simulated data only)', async () => {
    const shell = await fetch(url(DASHBOARD_PATH));
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-type')).toMatch(/^text\/html/);
    const data = await fetch(url(`${DASHBOARD_PATH}/data`));
    expect(data.status).toBe(200);
    expect(data.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('gives the bot and the visitor without cookie nothing', async () => {
    expect(await decision('/', `datafast_visitor_id=${personas.bot.visitorId}`)).toEqual({ offer: null, experiment: null, segment: 'unknown', reason: 'bot' });
    expect(await decision('/', '')).toEqual({ offer: null, experiment: null, segment: 'unknown', reason: 'no-cookie' });
  });
});

describe('the demo with OFFERS_CONFIG set', () => {
  it('uses that file instead of the demo offers', async () => {
    const demo = await startDemo({ env: { PORT: '0', DATA_DIR: tempDir(), OFFERS_CONFIG: 'offers.example.json' }, logger: captureLog().logger });
    try {
      expect(demo.offersConfigPath).toBe('offers.example.json');
      const d = (await (await fetch(`${demo.url}visitor-offers/offer?path=/`, { headers: { cookie: `datafast_visitor_id=${personas.low.visitorId}` } })).json()) as {
        offer: { id: string } | null;
      };
      expect(d.offer?.id).toBe('first-order-pool');
    } finally {
      await demo.close();
    }
  });
});

describe('the demo with DATAFAST_API_KEY set ("go live")', () => {
  let upstream: SimulatedDataFast;
  let demo: Demo;
  beforeAll(async () => {
    upstream = await startSimulatedDataFast(); // stands in for the real DataFast
    demo = await startDemo({
      env: { PORT: '0', DATAFAST_API_KEY: SIM.apiKey, DATAFAST_API_URL: upstream.url, DATA_DIR: tempDir() },
      logger: captureLog().logger,
    });
  });
  afterAll(async () => {
    await demo.close();
    await upstream.close();
  });

  it('uses the configured DataFast instead of starting a simulated one, and says so', async () => {
    expect(demo.mode).toBe('live');
    expect(demo.sim).toBeNull();
    expect(demo.modeLine).toBe(`LIVE: the real DataFast at ${upstream.url} (DATAFAST_API_KEY is set)`);
    const d = await (await fetch(`${demo.url}visitor-offers/offer?path=/`, { headers: { cookie: `datafast_visitor_id=${personas.high.visitorId}` } })).json();
    expect(d).toMatchObject({ segment: 'high', offer: { id: 'launch-week-urgency' } });
    expect(upstream.callCount('visitors')).toBe(1);
  });

  it('still serves the site, says the personas are unknown to a real DataFast, and never shows the key', async () => {
    const html = await (await fetch(demo.url)).text();
    expect(html).toContain('Live DataFast');
    expect(html).not.toContain(SIM.apiKey);
    const raw = await (await fetch(`${demo.url}demo`)).text();
    expect(raw).toContain('LIVE');
    expect(raw).not.toContain(SIM.apiKey);
  });

  it('keeps the dashboard of real visitors closed without ADMIN_TOKEN', async () => {
    expect((await fetch(`${demo.url}visitor-offers/dashboard/data`)).status).toBe(404);
  });

  it('accepts a dft_ account token with DATAFAST_WEBSITE_ID, and refuses one without', async () => {
    await expect(startDemo({ env: { PORT: '0', DATAFAST_API_KEY: SIM.accountToken, DATA_DIR: tempDir() }, logger: captureLog().logger })).rejects.toThrow(
      ConfigError,
    );
    const withId = await startDemo({
      env: { PORT: '0', DATAFAST_API_KEY: SIM.accountToken, DATAFAST_WEBSITE_ID: SIM.websiteId, DATAFAST_API_URL: upstream.url, DATA_DIR: tempDir() },
      logger: captureLog().logger,
    });
    try {
      upstream.resetCalls();
      await fetch(`${withId.url}visitor-offers/offer?path=/`, { headers: { cookie: `datafast_visitor_id=${personas.low.visitorId}` } });
      expect(upstream.calls[0]?.query).toEqual({ websiteId: SIM.websiteId });
    } finally {
      await withId.close();
    }
  });
});

describe('npm start (the built demo, as a process)', () => {
  const MAIN = 'dist/demo/main.js'; // built by `npm test` before vitest runs

  async function start(env: Record<string, string>): Promise<{ lines: string[]; stderr: () => string; stop: () => Promise<number | null> }> {
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'close');
    const deadline = Date.now() + 10_000;
    while (!stdout.includes('Ctrl+C') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return {
      lines: stdout.trim().split('\n'),
      stderr: () => stderr,
      stop: async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        const [code] = await exited;
        return code as number | null;
      },
    };
  }

  it('prints the URL, the mode and what to try, serves the site from dist, and stops on SIGTERM', async () => {
    const run = await start({ DATA_DIR: tempDir() });
    try {
      const [first, mode] = run.lines;
      expect(first).toMatch(/^visitor-offers demo → open http:\/\/localhost:\d+\/$/);
      expect(mode).toMatch(/^Mode: Simulated DataFast .* \(set DATAFAST_API_KEY to go live\)$/);
      const text = run.lines.join('\n');
      expect(text).toContain('Offers: demo/offers.demo.json');
      expect(text).toContain('What to try:');
      expect(text).toContain('/visitor-offers/dashboard');
      expect(text).toMatch(/OFFERS_CONFIG=demo\/offers\.demo\.json DATA_DIR=\S+ npm run results/);
      const site = (first ?? '').replace('visitor-offers demo → open ', '');
      expect(await (await fetch(site)).text()).toContain('Launchkit');
      expect((await fetch(`${site}demo/site.css`)).status).toBe(200);
    } finally {
      expect(await run.stop()).toBe(0);
    }
  });

  it('says LIVE with DATAFAST_API_KEY, and names DATAFAST_WEBSITE_ID when a dft_ token comes without it', async () => {
    const upstream = await startSimulatedDataFast();
    try {
      const live = await start({ DATA_DIR: tempDir(), DATAFAST_API_KEY: SIM.apiKey, DATAFAST_API_URL: upstream.url });
      expect(live.lines[1]).toBe(`Mode: LIVE: the real DataFast at ${upstream.url} (DATAFAST_API_KEY is set)`);
      expect(live.lines.join('\n')).not.toContain(SIM.apiKey);
      expect(await live.stop()).toBe(0);
      const bad = await start({ DATA_DIR: tempDir(), DATAFAST_API_KEY: 'dft_secretvalue' });
      expect(await bad.stop()).toBe(1);
      expect(bad.stderr().trim()).toBe('visitor-offers demo: cannot start: DATAFAST_WEBSITE_ID: is required with a dft_ account token (it is sent as ?websiteId=)');
    } finally {
      await upstream.close();
    }
  });
});
