// With PostMetric as the analytics provider and no cookie the server can read, the widget sends
// the id of PostMetric's browser API (window.postMetric.getVisitorId()) as X-Visitor-Id on /offer,
// and the decision is that visitor's: looked up at the simulated PostMetric under that id. A page
// whose API is missing, throws, or gives what is no PostMetric id still gets its answer, without
// the header and without a script error.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { POSTMETRIC_PERSONA_IDS } from '../../demo/postmetric-personas';
import { SIMULATED_POSTMETRIC_DEFAULTS, startSimulatedPostMetric, type SimulatedPostMetric } from '../../demo/simulated-postmetric';
import { MOUNT_PATH } from '../../server/app';
import type { OfferResponse } from '../../server/contract';
import { catalogue } from './offer-catalogue';
import { offerTag } from './host-pages';
import { appeared } from './widget-probes';
import type { Visit } from './visit';
import { startHarness, type Harness } from './harness';

/** A page whose PostMetric script defines `getVisitorId` as given (JavaScript source). */
const withPostMetric = (getVisitorId: string): string => `<script src="/assets/postmetric-${encodeURIComponent(getVisitorId)}.js"></script>`;

/** The /offer answer the page got, and the X-Visitor-Id its request carried (undefined: none). */
async function offerExchange(v: Visit): Promise<{ header: string | undefined; body: OfferResponse }> {
  const response = await v.page.waitForResponse((r) => new URL(r.url()).pathname === `${MOUNT_PATH}/offer`, { timeout: 10_000 });
  return { header: (await response.request().allHeaders())['x-visitor-id'], body: (await response.json()) as OfferResponse };
}

describe.concurrent('the PostMetric visitor id from the page (headless Chromium)', () => {
  let pm: SimulatedPostMetric;
  let h: Harness;

  beforeAll(async () => {
    pm = await startSimulatedPostMetric({ rateLimitPerMinute: 100_000 });
    h = await startHarness({
      decisions: catalogue(),
      router: { provider: 'postmetric', postmetric: { apiKey: SIMULATED_POSTMETRIC_DEFAULTS.apiKey, apiUrl: pm.url } },
    });
    // PostMetric's browser API as its own script defines it (a file: the pages run under any CSP).
    h.routes.get(/^\/assets\/postmetric-(.+)\.js$/, (req, res) => {
      const source = decodeURIComponent((req.params as Record<string, string>)[0] ?? '');
      res.type('js').send(`window.postMetric = { getVisitorId: ${source} };`);
    });
  }, 30_000);

  afterAll(async () => {
    await h?.close();
    await pm?.close();
  });

  const lookedUp = (id: string): number => pm.calls.filter((c) => c.query.visitorId === id).length;

  it("sends getVisitorId()'s id as X-Visitor-Id; the offer is decided for that PostMetric visitor", async ({ expect }) => {
    const id = POSTMETRIC_PERSONA_IDS.pricingReturning;
    const v = await h.visit(h.hostPage({ head: withPostMetric(`() => '${id}'`), body: `<main><h1>PostMetric</h1></main>${offerTag()}` }), { navigate: false });
    const [exchange] = await Promise.all([offerExchange(v), v.page.goto(v.url)]);
    expect(exchange.header).toBe(id);
    expect(exchange.body.reason).toMatch(/^rule:/);
    expect(exchange.body.offer?.id).toEqual(expect.any(String));
    expect(lookedUp(id)).toBe(1);
    await appeared(v.page);
    expect(await v.page.locator('visitor-offer [part=headline]').textContent()).toBe(exchange.body.offer?.headline);
    expect(v.scriptErrors).toEqual([]);
    await v.close();
  });

  it("a visitor PostMetric has never seen (its 404): that id's answer, no offer", async ({ expect }) => {
    const id = POSTMETRIC_PERSONA_IDS.unknown;
    const v = await h.visit(h.hostPage({ head: withPostMetric(`() => '${id}'`), body: `<main><h1>Unknown</h1></main>${offerTag()}` }), { navigate: false });
    const [exchange] = await Promise.all([offerExchange(v), v.page.goto(v.url)]);
    expect(exchange.header).toBe(id);
    expect(exchange.body).toMatchObject({ offer: null, reason: 'unknown-visitor' });
    expect(lookedUp(id)).toBe(1);
    expect(v.scriptErrors).toEqual([]);
    await v.close();
  });

  for (const [what, source] of [
    ['a throwing getVisitorId', "() => { throw new Error('postMetric not ready'); }"],
    ['a getVisitorId that gives no string', '() => 42'],
    ['an id no PostMetric id looks like (and no header could carry)', "() => 'visitor 1\\n2'"],
  ] as const) {
    it(`${what}: /offer is still asked, without the header, and answered (no-cookie); the page has no error`, async ({ expect }) => {
      const v = await h.visit(h.hostPage({ head: withPostMetric(source), body: `<main><h1>Broken API</h1></main>${offerTag({ debug: true })}` }), { navigate: false });
      const [exchange] = await Promise.all([offerExchange(v), v.page.goto(v.url)]);
      expect(exchange.header).toBeUndefined();
      expect(exchange.body).toMatchObject({ offer: null, reason: 'no-cookie' });
      await expect.poll(() => v.consoleMessages.some((m) => m.includes('[visitor-offer] no offer: no-cookie'))).toBe(true);
      expect(v.scriptErrors).toEqual([]);
      await v.close();
    });
  }

  it('without window.postMetric: no header, the answer no-cookie', async ({ expect }) => {
    const v = await h.visit(h.hostPage({ body: `<main><h1>No PostMetric</h1></main>${offerTag()}` }), { navigate: false });
    const [exchange] = await Promise.all([offerExchange(v), v.page.goto(v.url)]);
    expect(exchange.header).toBeUndefined();
    expect(exchange.body).toMatchObject({ offer: null, reason: 'no-cookie' });
    expect(v.scriptErrors).toEqual([]);
    await v.close();
  });
});
