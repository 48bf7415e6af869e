// The page's clock in browser tests: installed and paused before navigation, so that no page time
// passes until a test lets it (runFor, runUntil), however slow the machine.
import type { Page } from 'playwright-core';
import type { Harness } from './harness';
import type { Visit, VisitOptions } from './visit';


/**
 * Records (page clock) when an inline offer was first measured — its invisible copy (`.m`) entered
 * a shadow root — which is when its float fallback's wait starts: window.__measuredAt.
 */
const MEASURED_PROBE = `(() => {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    new MutationObserver(() => {
      if (window.__measuredAt === undefined && root.querySelector('.m')) window.__measuredAt = performance.now();
    }).observe(root, { childList: true, subtree: true });
    return root;
  };
})();`;

/**
 * Installs the page's clock and pauses it at the present (+1 s), before any navigation. Installed
 * an hour behind, so that the jump to the pause is always forward: installed at the present, its
 * clock runs on while pauseAt is on its way, and on a loaded machine may pass the target first
 * ("Cannot fast-forward to the past"). Nothing is loaded yet, so no page timer fires in the jump.
 */
export async function pauseClock(page: Page): Promise<void> {
  await page.clock.install({ time: Date.now() - 3_600_000 });
  await page.clock.pauseAt(Date.now() + 1000);
}

/** Visits with the page's clock installed and paused before navigation: no page time passes until the test lets it (runFor). */
export async function visitPaused(h: Harness, path: string, options: VisitOptions = {}): Promise<Visit> {
  const v = await h.visit(path, { ...options, navigate: false });
  await v.context.addInitScript({ content: MEASURED_PROBE });
  await pauseClock(v.page);
  await v.page.goto(v.url);
  return v;
}

/** When the inline offer was first measured (page clock, performance.now()), on a visitPaused page. */
export async function measuredAt(page: Page): Promise<number> {
  const handle = await page.waitForFunction(() => (window as unknown as { __measuredAt?: number }).__measuredAt, undefined, { polling: 20 });
  return (await handle.jsonValue()) as number;
}

/** Runs the paused page clock until performance.now() is `ms` (from navigation start, on a first navigation). */
export async function runUntil(page: Page, ms: number): Promise<void> {
  const now = await pageTime(page);
  if (ms < now) throw new Error(`page time is ${now} ms already, past ${ms} ms`);
  await page.clock.runFor(ms - now);
}

/** Milliseconds since the page's navigation started (performance.now()). */
export const pageTime = (page: Page): Promise<number> => page.evaluate(() => performance.now());
