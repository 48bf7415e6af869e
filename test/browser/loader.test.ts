// The drop-in script tag: every way a page may load it (module, async, IIFE classic, defer,
// async, inserted after DOMContentLoaded or load, the content-hashed name) mounts one element
// when the page has none, takes its endpoint from its own URL and its settings from data-*, and
// makes exactly one /offer request per page view — also with several <visitor-offer> elements.
// Each page view is settled by its exposure (the offer seen for 1 s) before requests are counted.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { catalogue, pageFor, urgency } from './offer-catalogue';
import { HOST_CSS_LINK, offerTag, para, paras, serveAssets } from './host-pages';
import { visitPaused } from './page-clock';
import { appeared, armed, renderedCount } from './widget-probes';
import { frames, seenForASecond } from './layout-probes';
import type { Visit } from './visit';
import { startHarness, type Harness } from './harness';
import { MOUNT_PATH } from '../../server/app';
import { waitFor } from '../support/wait';

const ESM = `${MOUNT_PATH}/widget.js`;
const IIFE = `${MOUNT_PATH}/widget.iife.js`;
const BAR = 'urgency-bar-loader';

/** An inline script that inserts the widget's script tag once `event` has fired. */
const lateScript = (src: string, module: boolean, event: 'DOMContentLoaded' | 'load'): string => `<script>
${event === 'load' ? 'addEventListener' : 'document.addEventListener'}('${event}', () => setTimeout(() => {
  const s = document.createElement('script');
  ${module ? "s.type = 'module';" : ''}
  s.src = '${src}';
  document.body.append(s);
}, 50));
</script>`;

/**
 * After the offer was seen for a second (its exposure sent), the page view is settled: a second
 * /offer request, from a second mount or a second decision, would have been made long before.
 * On a visitPaused page: the page's own timers (a late script tag) run first, the second passes
 * on the page's clock, which then runs on as usual.
 */
async function settle(v: Visit): Promise<void> {
  await v.page.clock.runFor(60);
  await seenForASecond(v);
  await v.page.clock.resume();
  await waitFor(() => v.events('exposure').length > 0, 'the exposure', { timeoutMs: 5000 });
}

describe.concurrent('the script tag (headless Chromium)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ decisions: catalogue({ offers: [urgency(BAR, { placement: 'bar' })] }) });
    serveAssets(h);
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  const ways: Array<[string, string | false, string]> = [
    ['a module in <head>', `<script type="module" src="${ESM}"></script>`, ''],
    ['an async module', `<script type="module" async src="${ESM}"></script>`, ''],
    ['a classic IIFE script in <head>', `<script src="${IIFE}"></script>`, ''],
    ['a deferred IIFE', `<script defer src="${IIFE}"></script>`, ''],
    ['an async IIFE', `<script async src="${IIFE}"></script>`, ''],
    ['an IIFE at the end of <body>', false, `<script src="${IIFE}"></script>`],
    ['a module inserted after DOMContentLoaded', false, lateScript(ESM, true, 'DOMContentLoaded')],
    ['an IIFE inserted after load', false, lateScript(IIFE, false, 'load')],
  ];
  for (const [how, head, tail] of ways) {
    it(`${how}: mounts one element, one /offer request, the offer shown`, async ({ expect }) => {
      const v = await visitPaused(h, h.hostPage({ title: how, script: head, body: `<main><h1>${how}</h1>${paras(1, 3)}</main>${tail}` }), { persona: 'low' });
      await settle(v);
      expect(await v.page.evaluate(() => document.querySelectorAll('visitor-offer').length)).toBe(1);
      expect(await v.page.evaluate(() => document.body.lastElementChild?.tagName)).toBe('VISITOR-OFFER');
      expect(v.requests.filter((r) => r.path.startsWith(`${MOUNT_PATH}/offer`)).map((r) => r.path)).toEqual([`${MOUNT_PATH}/offer?path=${encodeURIComponent(new URL(v.url).pathname)}`]);
      expect(v.allRequests.filter((r) => r.resourceType === 'fetch' && r.method === 'GET').map((r) => r.path.split('?')[0])).toEqual([`${MOUNT_PATH}/offer`]);
      expect(v.consoleErrors).toEqual([]);
      await v.close();
    });
  }

  it('two <visitor-offer> elements, and a third added later: one /offer request, the offer shown once', async ({ expect }) => {
    const body = `<main><h1>Two</h1>${para(1)}<visitor-offer id="a" placement="inline"></visitor-offer>${paras(2, 2)}</main><visitor-offer id="b"></visitor-offer>`;
    const v = await visitPaused(h, h.hostPage({ head: HOST_CSS_LINK, body }), { persona: 'low' });
    await settle(v);
    await v.page.evaluate(() => document.body.append(document.createElement('visitor-offer')));
    await frames(v.page, 3);
    expect(await v.page.evaluate(() => document.querySelectorAll('visitor-offer').length)).toBe(3);
    expect(await renderedCount(v.page)).toBe(1);
    expect(v.offerRequests()).toBe(1);
    expect(v.events('exposure')).toHaveLength(1);
    expect((await v.probe()).events.filter((e) => e.type === 'visitor-offer-shown')).toHaveLength(1);
    // The element that showed it leaves the page; one added afterwards may show the offer again,
    // still from the same decision.
    await v.page.evaluate(() => document.querySelector('visitor-offer#a')?.remove());
    expect(await renderedCount(v.page)).toBe(0);
    await v.page.evaluate(() => document.body.append(document.createElement('visitor-offer')));
    await expect.poll(() => renderedCount(v.page)).toBe(1);
    expect(v.offerRequests()).toBe(1);
    await v.page.reload();
    await appeared(v.page);
    expect(v.offerRequests()).toBe(2); // a new page view, a new request
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('settings come from the script tag’s data-* attributes', async ({ expect }) => {
    const script = `<script type="module" src="${ESM}" data-placement="slide-in" data-page="${pageFor(BAR)}" data-max-views="3" data-dismiss-days="1" data-timeout="1500"></script>`;
    // On the page's clock, paused: data-timeout's 1.5 s cannot run out while a loaded machine answers /offer.
    const v = await visitPaused(h, h.hostPage({ script, body: `<main><h1>Data</h1>${paras(1, 2)}</main>` }), { persona: 'high' });
    await armed(v.page);
    await v.page.clock.runFor(10); // the immediate trigger fires
    await appeared(v.page);
    const attrs = await v.page.evaluate(() => Object.fromEntries([...(document.querySelector('visitor-offer')?.attributes ?? [])].map((a) => [a.name, a.value])));
    expect(attrs).toEqual({ placement: 'slide-in', page: pageFor(BAR), 'max-views': '3', 'dismiss-days': '1', timeout: '1500' });
    // The page path from data-page chose the offer; the placement attribute overrode its bar.
    expect(v.requests.find((r) => r.path.startsWith(`${MOUNT_PATH}/offer`))?.path).toBe(`${MOUNT_PATH}/offer?path=${encodeURIComponent(pageFor(BAR))}`);
    expect(await v.page.locator('visitor-offer [part=container]').evaluate((el) => el.classList.contains('slide-in'))).toBe(true);
    await v.close();
  });

  it('the content-hashed file (manifest.json) works the same', async ({ expect }) => {
    const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('../../dist/widget/manifest.json', import.meta.url)), 'utf8')) as { hashed: string };
    const script = `<script type="module" src="${MOUNT_PATH}/${manifest.hashed}"></script>`;
    const v = await visitPaused(h, h.hostPage({ script, body: `<main><h1>Hashed</h1>${paras(1, 2)}</main>` }), { persona: 'low' });
    await settle(v);
    expect(v.offerRequests()).toBe(1);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('an element placed by the page before the script loads is used, not a second one', async ({ expect }) => {
    const v = await visitPaused(h, h.hostPage({ script: false, body: `<main><h1>Own</h1>${offerTag({ id: 'mine', placement: 'bar' })}${paras(1, 2)}</main><script src="${IIFE}"></script>` }), { persona: 'low' });
    await settle(v);
    expect(await v.page.evaluate(() => [...document.querySelectorAll('visitor-offer')].map((e) => e.id))).toEqual(['mine']);
    expect(v.offerRequests()).toBe(1);
    await v.close();
  });
});
