// The document as the host page wrote it, to compare with its twin served without the widget:
// the widget, when it shows nothing, must leave the host's page exactly as it was.
import type { BrowserContext, Page } from 'playwright-core';
import type { Harness } from './harness';
import type { HostPageOptions } from './host-pages';

/**
 * The document as the host page wrote it: a serialisation without <visitor-offer> elements and
 * the widget's script tags, plus what else a script could have touched (html/body attributes and
 * adopted sheets, document-level style sheets).
 */
export const hostDom = (page: Page): Promise<string> =>
  page.evaluate(() => {
    const clone = document.documentElement.cloneNode(true) as HTMLElement;
    for (const el of clone.querySelectorAll('visitor-offer, script[src*="widget"]')) el.remove();
    const sheets = `${document.styleSheets.length} sheets, ${document.adoptedStyleSheets.length} adopted`;
    return `${sheets}\n${clone.outerHTML}`;
  });

const twinContexts = new WeakMap<Harness, Promise<BrowserContext>>();

/**
 * hostDom() of the page `options` describes, without the widget's script tag: what the page must
 * still look like when the widget shows nothing. Loaded in one shared, cookie-less context.
 */
export async function twinDom(h: Harness, options: HostPageOptions): Promise<string> {
  let context = twinContexts.get(h);
  if (!context) {
    context = h.browser.newContext({ viewport: { width: 1280, height: 800 } });
    twinContexts.set(h, context);
  }
  const page = await (await context).newPage();
  try {
    await page.goto(h.origin + h.hostPage({ ...options, script: false }));
    return await hostDom(page);
  } finally {
    await page.close();
  }
}
