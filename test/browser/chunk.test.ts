// Pay only for what is shown: the script tag's loader asks /offer first and imports the rendering
// chunk (the element and its styles) only when the answer has an offer — a visitor without one never
// downloads it — and it starts that import as soon as the answer is in, so the offer's trigger
// time and the download run side by side. Time is the page's clock (page.clock), and a held
// response stands for a slow network: nothing here depends on how fast the machine is.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { catalogue, coupon, pageFor } from './offer-catalogue';
import { offerTag, paras } from './host-pages';
import { pauseClock } from './page-clock';
import { appeared, armed, debugLine, widgetState } from './widget-probes';
import { frames } from './layout-probes';
import type { Visit } from './visit';
import { startHarness, type Harness } from './harness';
import { MOUNT_PATH } from '../../server/app';

const DELAY = 'coupon-delay-2-chunk';
const { chunk } = JSON.parse(readFileSync(fileURLToPath(new URL('../../dist/widget/manifest.json', import.meta.url)), 'utf8')) as { chunk: string };
const chunkRequests = (v: Visit): number => v.requests.filter((r) => r.path === `${MOUNT_PATH}/${chunk}`).length;

describe.concurrent('the rendering chunk (headless Chromium)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ decisions: catalogue({ offers: [coupon(DELAY, { placement: 'slide-in', trigger: { type: 'delay', seconds: 2 } })] }) });
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  const page = (attrs: Record<string, string | boolean> = {}): string =>
    h.hostPage({ body: `<main><h1>Chunk</h1>${paras(1, 3)}</main>${offerTag({ placement: 'slide-in', ...attrs })}` });

  for (const persona of ['customer', 'average'] as const) {
    it(`a visitor without an offer (${persona}) downloads the loader only: no chunk, no element defined, nothing rendered`, async ({ expect }) => {
      const v = await h.visit(page({ debug: true }), { persona });
      await debugLine(v, 'no offer:');
      await frames(v.page, 3);
      expect(v.offerRequests()).toBe(1);
      expect(chunkRequests(v)).toBe(0);
      expect(v.allRequests.filter((r) => r.resourceType === 'script').map((r) => r.path)).toEqual([`${MOUNT_PATH}/widget.js`]);
      expect(await v.page.evaluate(() => customElements.get('visitor-offer') === undefined)).toBe(true);
      expect(await widgetState(v.page)).toMatchObject({ elements: 0, height: 0 });
      expect(v.scriptErrors).toEqual([]);
      await v.close();
    });
  }

  it('an offer: the chunk is imported once, from beside the loader, after /offer answered', async ({ expect }) => {
    const v = await h.visit(page(), { persona: 'low' });
    await appeared(v.page);
    expect(chunkRequests(v)).toBe(1);
    const order = v.requests.map((r) => r.path.split('?')[0]);
    expect(order.indexOf(`${MOUNT_PATH}/offer`)).toBeLessThan(order.indexOf(`${MOUNT_PATH}/${chunk}`));
    expect(v.scriptErrors).toEqual([]);
    await v.close();
  });

  it('the download runs during the trigger wait: a 2 s delay that passed while the chunk was on its way shows the offer as soon as it arrives', async ({ expect }) => {
    const v = await h.visit(h.hostPage({ body: `<main><h1>Slow chunk</h1>${paras(1, 3)}</main>${offerTag({ page: pageFor(DELAY) })}` }), { persona: 'low', navigate: false });
    let release = (): void => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let requested = false;
    await v.page.route(`**/${chunk}`, async (route) => {
      requested = true;
      await held;
      await route.continue();
    });
    await pauseClock(v.page);
    await v.page.goto(v.url);
    await expect.poll(() => requested).toBe(true); // asked for at the answer, before the trigger fired
    await v.page.clock.runFor(2500); // the trigger's time passes while the chunk is still loading
    expect(await widgetState(v.page)).toMatchObject({ container: false });
    release();
    await armed(v.page);
    await v.page.clock.runFor(10); // no second 2 s wait: the delay counted from the answer
    await appeared(v.page);
    expect(v.scriptErrors).toEqual([]);
    await v.close();
  });

  it('an immediate offer with the chunk cached: from the answer to laid out is recorded as performance marks', async ({ expect }) => {
    const v = await h.visit(page(), { persona: 'low' });
    await appeared(v.page);
    await v.page.reload();
    await appeared(v.page);
    const marks = await v.page.evaluate(() => {
      const [answer] = performance.getEntriesByName('visitor-offers:answer');
      const [visible] = performance.getEntriesByName('visitor-offers:visible');
      const entry = performance.getEntriesByType('resource').find((r) => r.name.includes('/widget-render.')) as PerformanceResourceTiming | undefined;
      return { answer: answer?.startTime, visible: visible?.startTime, transferred: entry?.transferSize };
    });
    expect(marks.transferred).toBe(0); // served from the browser's cache (immutable)
    expect(typeof marks.answer).toBe('number');
    expect(marks.visible).toBeGreaterThanOrEqual(marks.answer ?? Infinity); // the figure itself: npm run bench
    await v.close();
  });

  it('a chunk that cannot load: nothing shown, no script error, and `debug` says why', async ({ expect }) => {
    const v = await h.visit(page({ debug: true }), { persona: 'low', navigate: false });
    await v.page.route(`**/${chunk}`, (route) => route.abort());
    await v.page.goto(v.url);
    await debugLine(v, 'rendering chunk failed to load');
    expect(await widgetState(v.page)).toMatchObject({ elements: 0 });
    expect(v.scriptErrors).toEqual([]);
    await v.close();
  });
});
