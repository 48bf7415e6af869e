// `npm run screenshots`: the README's pictures, taken from the real demo in headless Chromium
// (Debian's chromium at /usr/bin/chromium): every kind (coupon, urgency, lead magnet) in every
// placement (inline, bar, slide-in, modal), in the light and the dark colour scheme, on a desktop
// (1280×800, saved at half scale) and a phone (390×844), into docs/screenshots/widget/, plus the
// dashboard. Offers are shown immediately and animations are off, so each shot is deterministic;
// everything else is the demo as `npm start` serves it. Each offer is picked by a rule on the
// page's utm_content, so one offers file holds them all.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { silentLogger } from '../server/logger';
import { startDemo } from './demo-app';
import { personas } from './personas';
import { DASHBOARD_PATH, SITE_PATHS } from './site/paths';

const OUT = 'docs/screenshots';
const WIDGET_OUT = join(OUT, 'widget');

export const SHOT_KINDS = ['coupon', 'urgency', 'lead_magnet'] as const;
export const SHOT_PLACEMENTS = ['inline', 'bar', 'slide-in', 'modal'] as const;
export const SHOT_SCHEMES = ['light', 'dark'] as const;
export const SHOT_DEVICES = { desktop: { width: 1280, height: 800, scale: 0.5 }, mobile: { width: 390, height: 844, scale: 1 } } as const;
type Kind = (typeof SHOT_KINDS)[number];
type Placement = (typeof SHOT_PLACEMENTS)[number];

/** docs/screenshots/widget/<kind>-<placement>-<scheme>-<device>.jpg */
export const shotFile = (kind: Kind, placement: Placement, scheme: string, device: string): string => `${kind}-${placement}-${scheme}-${device}.jpg`;

const BASE: Record<Kind, Record<string, unknown>> = {
  coupon: { kind: 'coupon', headline: 'A little something before you decide', body: 'Take 15% off your first order. The code is yours for the next 30 minutes.', discountLabel: '15% off', code: 'WELCOME15', expiresInMinutes: 30 },
  urgency: { kind: 'urgency', headline: 'Launch pricing ends soon', body: 'Lock in the current price today.', countdownMinutes: 45, showLiveActivity: true },
  lead_magnet: { kind: 'lead_magnet', headline: 'Get the free SaaS metrics guide', body: 'Twelve pages on the metrics that matter, straight to your inbox.', assetName: 'The SaaS Metrics Guide (PDF)', buttonLabel: 'Send me the guide', consentText: 'We will email you the guide and occasional product news. Unsubscribe any time.' },
};

const idOf = (kind: Kind, placement: Placement): string => `${kind.replace('_', '-')}-${placement}`;

/** One offer per kind × placement, each chosen by `?utm_content=<its id>`. */
const SCREENSHOT_OFFERS = {
  offers: SHOT_KINDS.flatMap((kind) => SHOT_PLACEMENTS.map((placement) => ({ ...BASE[kind], id: idOf(kind, placement), placement, trigger: 'immediate' }))),
  rules: SHOT_KINDS.flatMap((kind) => SHOT_PLACEMENTS.map((placement) => ({ id: `shot-${idOf(kind, placement)}`, when: { utm: { content: idOf(kind, placement) } }, then: { offer: idOf(kind, placement) } }))),
};

async function waitForOffer(page: Page): Promise<void> {
  await page.waitForFunction(
    () => [...document.querySelectorAll('visitor-offer')].some((e) => e.shadowRoot?.querySelector('[part~="container"]:not(.m [part~="container"])')),
    undefined,
    { timeout: 15_000 },
  );
  // An inline offer renders in place, usually below the fold: bring it into the picture.
  await page.evaluate(() => {
    const inline = [...document.querySelectorAll('visitor-offer')].find((e) => e.shadowRoot?.querySelector('.inline, [part~="container"]:not(dialog):not(.bar):not(.slide-in)'));
    inline?.scrollIntoView({ block: 'center' });
  });
  await page.evaluate(() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))));
}

interface Job {
  file: string;
  path: string;
  device: keyof typeof SHOT_DEVICES;
  scheme: 'light' | 'dark';
}

async function shoot(browser: Browser, url: string, job: Job): Promise<void> {
  const d = SHOT_DEVICES[job.device];
  const context = await browser.newContext({
    viewport: { width: d.width, height: d.height },
    deviceScaleFactor: d.scale,
    isMobile: job.device === 'mobile',
    hasTouch: job.device === 'mobile',
    reducedMotion: 'reduce',
    colorScheme: job.scheme,
  });
  try {
    await context.addCookies([{ name: 'datafast_visitor_id', value: personas.low.visitorId, url }]);
    const page = await context.newPage();
    await page.goto(new URL(job.path, url).href);
    await waitForOffer(page);
    await page.screenshot({ path: join(WIDGET_OUT, job.file), type: 'jpeg', quality: 80 });
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'vo-shots-'));
  const offersFile = join(work, 'offers.json');
  writeFileSync(offersFile, JSON.stringify(SCREENSHOT_OFFERS));
  const demo = await startDemo({ env: { PORT: '0', DATA_DIR: join(work, 'data'), OFFERS_CONFIG: offersFile }, logger: silentLogger() });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  rmSync(WIDGET_OUT, { recursive: true, force: true }); // no stale picture of a removed combination
  mkdirSync(WIDGET_OUT, { recursive: true });
  try {
    const jobs: Job[] = [];
    for (const kind of SHOT_KINDS) {
      for (const placement of SHOT_PLACEMENTS) {
        // The pricing page places <visitor-offer placement="inline"> in its content; the home page has the drop-in tag only.
        const path = `${placement === 'inline' ? SITE_PATHS.pricing : SITE_PATHS.home}?utm_content=${idOf(kind, placement)}`;
        for (const scheme of SHOT_SCHEMES) {
          for (const device of Object.keys(SHOT_DEVICES) as Array<keyof typeof SHOT_DEVICES>) jobs.push({ file: shotFile(kind, placement, scheme, device), path, device, scheme });
        }
      }
    }
    // A few contexts at a time: one browser, several pages.
    for (let i = 0; i < jobs.length; i += 4) {
      await Promise.all(
        jobs.slice(i, i + 4).map(async (job) => {
          await shoot(browser, demo.url, job);
          console.log(`wrote ${join(WIDGET_OUT, job.file)}`);
        }),
      );
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
    const page = await context.newPage();
    await page.goto(new URL(DASHBOARD_PATH, demo.url).href);
    await page.waitForSelector('visitor-offers-dashboard', { timeout: 15_000 }).then(() => page.waitForTimeout(2500));
    await page.screenshot({ path: join(OUT, 'dashboard.png') });
    console.log(`wrote ${join(OUT, 'dashboard.png')}`);
    await context.close();
  } finally {
    await browser.close();
    await demo.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('screenshots.js')) await main();
