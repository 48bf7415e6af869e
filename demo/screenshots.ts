// `npm run screenshots`: the README's pictures, taken from the real demo in headless Chromium
// (Debian's chromium at /usr/bin/chromium). Offers are shown immediately here, so each shot is
// deterministic; everything else is the demo as `npm start` serves it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { silentLogger } from '../server/logger';
import { startDemo } from './demo-app';
import { personas, type PersonaName } from './personas';
import { DASHBOARD_PATH, SITE_PATHS } from './site/paths';

const OUT = 'docs/screenshots';

interface Shot {
  file: string;
  persona: PersonaName | null;
  path: string;
  /** Wait for a rendered offer (widget shots) or for the dashboard's tables. */
  waitFor: 'offer' | 'dashboard';
}

const SHOTS: Shot[] = [
  { file: 'widget-coupon-slide-in.png', persona: 'low', path: SITE_PATHS.home, waitFor: 'offer' },
  { file: 'widget-urgency-bar.png', persona: 'high', path: SITE_PATHS.home, waitFor: 'offer' },
  { file: 'widget-lead-magnet-inline.png', persona: 'lowConfidence', path: SITE_PATHS.pricing, waitFor: 'offer' },
  { file: 'widget-coupon-modal.png', persona: 'low', path: SITE_PATHS.blogPost, waitFor: 'offer' },
  { file: 'dashboard.png', persona: null, path: DASHBOARD_PATH, waitFor: 'dashboard' },
];

/** The built-in offers with immediate triggers, and a modal coupon on the blog. */
const SCREENSHOT_OFFERS = {
  offers: [
    { id: 'welcome-coupon', kind: 'coupon', placement: 'slide-in', trigger: 'immediate', headline: 'A little something before you decide', body: 'Take 15% off your first order. The code is yours for the next 30 minutes.', discountLabel: '15% off', code: 'WELCOME15', expiresInMinutes: 30 },
    { id: 'blog-coupon', kind: 'coupon', placement: 'modal', trigger: 'immediate', headline: 'Enjoying the article?', body: 'Readers get 20% off their first three months of Launchkit.', discountLabel: '20% off', code: 'READER20', expiresInMinutes: null },
    { id: 'popular-plan-urgency', kind: 'urgency', placement: 'bar', trigger: 'immediate', headline: 'Launch pricing ends soon', body: 'Lock in the current price today.', countdownMinutes: 45, showLiveActivity: true },
    { id: 'starter-guide', kind: 'lead_magnet', placement: 'inline', trigger: 'immediate', headline: 'Get the free SaaS metrics guide', body: 'Twelve pages on the metrics that matter, straight to your inbox.', assetName: 'The SaaS Metrics Guide (PDF)', buttonLabel: 'Send me the guide', consentText: 'We will email you the guide and occasional product news. Unsubscribe any time.' },
  ],
  rules: [{ id: 'blog-readers', when: { path: ['/blog/**'], segment: 'low' }, then: { offer: 'blog-coupon' } }],
};

async function waitForOffer(page: Page): Promise<void> {
  await page.waitForFunction(
    () => [...document.querySelectorAll('visitor-offer')].some((e) => e.shadowRoot?.querySelector('[part~="container"]')),
    undefined,
    { timeout: 15_000 },
  );
  // An inline offer renders in place, usually below the fold: bring it into the picture.
  await page.evaluate(() => {
    const inline = [...document.querySelectorAll('visitor-offer')].find((e) => e.shadowRoot?.querySelector('[part~="container"]:not(dialog)') && getComputedStyle(e).position !== 'fixed' && e.getAttribute('placement') === 'inline');
    inline?.scrollIntoView({ block: 'center' });
  });
  await page.waitForTimeout(600); // let the entrance transition settle
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
  mkdirSync(OUT, { recursive: true });
  try {
    for (const shot of SHOTS) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
      if (shot.persona) {
        await context.addCookies([{ name: 'datafast_visitor_id', value: personas[shot.persona].visitorId, url: demo.url }]);
      }
      const page = await context.newPage();
      await page.goto(new URL(shot.path, demo.url).href);
      if (shot.waitFor === 'offer') await waitForOffer(page);
      else await page.waitForSelector('visitor-offers-dashboard', { timeout: 15_000 }).then(() => page.waitForTimeout(2500));
      await page.screenshot({ path: join(OUT, shot.file) });
      console.log(`wrote ${join(OUT, shot.file)}`);
      await context.close();
    }
  } finally {
    await browser.close();
    await demo.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
