// What an offer looks like, in headless Chromium: each kind its own picture (an icon, or the
// offer's same-origin `image`, which a strict CSP allows and whose failure falls back to the icon
// without moving anything); the lead's success state; dark-scheme defaults and the page's own font;
// the widget's words from the offer's `strings` and the page's language; and the phone layouts at
// 360, 390 and 414 px: a slide-in at most 35 % of the screen's height, the close button clear of
// the badge, one left edge for every line.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { catalogue, coupon, lead, pageFor, urgency, type Placement } from './offer-catalogue';
import { offerTag, paras, STRICT_CSP } from './host-pages';
import { appeared } from './widget-probes';
import { settledProbe } from './layout-probes';
import type { Visit } from './visit';
import { startHarness, type Harness } from './harness';

const KINDS = ['coupon', 'urgency', 'lead_magnet'] as const;
type Kind = (typeof KINDS)[number];
const make = (kind: Kind, id: string, change: Record<string, unknown> = {}) =>
  kind === 'coupon' ? coupon(id, change) : kind === 'urgency' ? urgency(id, { countdownMinutes: 15, ...change }) : lead(id, change);
const now = { type: 'immediate' } as const;

const OFFERS = [
  ...KINDS.flatMap((kind) => (['slide-in', 'bar', 'inline'] as const).map((placement) => make(kind, `look-${kind}-${placement}`, { placement, trigger: now }))),
  coupon('look-image', { placement: 'slide-in', trigger: now, image: '/assets/tag.svg' }),
  coupon('look-broken-image', { placement: 'slide-in', trigger: now, image: '/assets/missing.png' }),
  coupon('look-strings', { placement: 'slide-in', trigger: now, strings: { copyCode: 'Grab it', close: 'Dismiss' } }),
  lead('look-lead-success', { placement: 'slide-in', trigger: now }),
  // The longest badge a config allows (40 characters), to check it never runs under the close button.
  coupon('look-long-badge', { placement: 'slide-in', trigger: now, discountLabel: 'Forty percent off everything, this week!' }),
];

const TAG_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#0f766e"/></svg>';

describe.concurrent('the look of an offer (headless Chromium)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ decisions: catalogue({ offers: OFFERS }) });
    h.routes.get('/assets/tag.svg', (_req, res) => void res.type('image/svg+xml').send(TAG_SVG));
    h.routes.get('/assets/page.css', (_req, res) => void res.type('css').send('body { font-family: Georgia, serif } .reserve visitor-offer { display: block; min-height: 700px }'));
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  const page = (id: string, extra: { csp?: string; lang?: string; head?: string } = {}): string => {
    const body = `<main class="reserve"><h1>Look</h1>${offerTag({ page: pageFor(id) })}${paras(1, 3)}</main>`;
    const path = h.hostPage({ body, head: `<link rel="stylesheet" href="/assets/page.css">${extra.head ?? ''}`, ...(extra.csp ? { csp: extra.csp } : {}) });
    if (!extra.lang) return path;
    // The same page in another language: <html lang="…">.
    const french = `${path}-${extra.lang}`;
    h.routes.get(french, async (_req, res) => {
      const html = await (await fetch(h.origin + path)).text();
      res.type('html').send(html.replace('<html lang="en">', `<html lang="${extra.lang}">`));
    });
    return french;
  };

  const open = async (id: string, options: { csp?: string; lang?: string; head?: string; viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {}): Promise<Visit> => {
    const v = await h.visit(page(id, options), {
      persona: 'low',
      context: { ...(options.viewport ? { viewport: options.viewport, isMobile: true, hasTouch: true } : {}), colorScheme: options.colorScheme ?? 'light', reducedMotion: 'reduce' },
    });
    await appeared(v.page);
    return v;
  };

  const inWidget = <T,>(v: Visit, fn: (root: ShadowRoot) => T): Promise<T> =>
    v.page.evaluate(`(${fn.toString()})(document.querySelector('visitor-offer').shadowRoot)`) as Promise<T>;

  it('each kind has its own icon beside the headline, decorative (aria-hidden)', async ({ expect }) => {
    const icons: string[] = [];
    for (const kind of KINDS) {
      const v = await open(`look-${kind}-slide-in`);
      const visual = await inWidget(v, (root) => {
        const svg = root.querySelector('[part=visual] svg');
        return { markup: svg?.innerHTML ?? '', hidden: svg?.getAttribute('aria-hidden'), box: root.querySelector('[part=visual]')?.getBoundingClientRect().width };
      });
      expect(visual.hidden, kind).toBe('true');
      expect(visual.box, kind).toBeGreaterThanOrEqual(30);
      icons.push(visual.markup);
      await v.close();
    }
    expect(new Set(icons).size).toBe(3);
  });

  it('an offer image from the site’s origin shows under a strict CSP, with no violation', async ({ expect }) => {
    const v = await open('look-image', { csp: STRICT_CSP });
    const img = v.page.locator('visitor-offer [part=image]');
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0)).toBe(true);
    expect(await img.getAttribute('alt')).toBe('');
    expect((await v.probe()).violations).toEqual([]);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('an image that fails to load leaves the kind’s icon in the same box: nothing moves', async ({ expect }) => {
    const v = await open('look-broken-image');
    await expect.poll(() => v.page.locator('visitor-offer [part=image]').count()).toBe(0);
    expect(await v.page.locator('visitor-offer [part=visual] svg').count()).toBe(1);
    const probe = await settledProbe(v);
    expect(probe.shifts).toEqual([]);
    await v.close();
  });

  it('a lead’s success state: a check mark, the thanks, the asset’s name and what happens next', async ({ expect }) => {
    const v = await open('look-lead-success');
    await v.page.locator('visitor-offer input[type=email]').fill('reader@example.com');
    await v.page.locator('visitor-offer [part=button]').click();
    const success = v.page.locator('visitor-offer [part=success]');
    await success.waitFor();
    expect(await success.innerText()).toMatch(/^Thank you!\s+The Starter Guide \(PDF\) is on its way: check your inbox\.$/);
    expect(await v.page.locator('visitor-offer [part=success] svg').count()).toBe(1);
    const weight = await success.locator('strong').evaluate((el) => Number(getComputedStyle(el).fontWeight));
    expect(weight).toBeGreaterThanOrEqual(600);
    await v.close();
  });

  it('the page’s own font by default; --visitor-offer-font still wins', async ({ expect }) => {
    const v = await open('look-coupon-slide-in');
    const font = () => v.page.locator('visitor-offer [part=container]').evaluate((el) => getComputedStyle(el).fontFamily);
    expect(await font()).toBe('Georgia, serif');
    await v.page.evaluate(() => document.querySelector<HTMLElement>('visitor-offer')?.style.setProperty('--visitor-offer-font', 'monospace'));
    expect(await font()).toBe('monospace');
    await v.close();
  });

  for (const kind of KINDS) {
    it(`${kind}: dark defaults under prefers-color-scheme: dark (not with theme="light"), light otherwise; a site's colours win in both`, async ({ expect }) => {
      const colours = async (v: Visit) =>
        v.page.locator('visitor-offer [part=container]').evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]);
      const light = await open(`look-${kind}-slide-in`, { colorScheme: 'light' });
      expect(await colours(light)).toEqual(['rgb(255, 255, 255)', 'rgb(17, 24, 39)']);
      await light.close();
      const dark = await open(`look-${kind}-slide-in`, { colorScheme: 'dark' });
      expect(await colours(dark)).toEqual(['rgb(31, 41, 55)', 'rgb(249, 250, 251)']);
      // The accent as text on the dark card is lightened (the code), the buttons keep it.
      const code = await dark.page.locator('visitor-offer [part=container]').evaluate((el) => {
        const c = el.querySelector('[part=code], [part=visual]');
        return c ? getComputedStyle(c).color : '';
      });
      expect(code).not.toBe('rgb(67, 56, 202)');
      // theme="light" keeps the light look whatever the visitor's setting.
      await dark.page.evaluate(() => document.querySelector('visitor-offer')?.setAttribute('theme', 'light'));
      expect(await colours(dark)).toEqual(['rgb(255, 255, 255)', 'rgb(17, 24, 39)']);
      await dark.page.evaluate(() => document.querySelector('visitor-offer')?.removeAttribute('theme'));
      await dark.page.evaluate(() => document.querySelector<HTMLElement>('visitor-offer')?.style.setProperty('--visitor-offer-bg', 'rgb(1, 2, 3)'));
      expect((await colours(dark))[0]).toBe('rgb(1, 2, 3)');
      await dark.close();
    });
  }

  it('the widget’s words: the offer’s own strings; a French page gets French; English pages carry no French', async ({ expect }) => {
    const own = await open('look-strings');
    expect(await own.page.locator('visitor-offer [part=button]').innerText()).toBe('Grab it');
    expect(await own.page.locator('visitor-offer [part=close]').getAttribute('aria-label')).toBe('Dismiss');
    await own.close();

    const fr = await open('look-coupon-slide-in', { lang: 'fr' });
    expect(await fr.page.locator('visitor-offer [part=button]').innerText()).toBe('Copier le code');
    expect(await fr.page.locator('visitor-offer [part=close]').getAttribute('aria-label')).toBe('Fermer');
    expect(await fr.page.locator('visitor-offer [role=timer]').innerText()).toMatch(/^Le code expire dans \d+:\d\d$/);
    expect(fr.requests.find((r) => r.path.includes('/offer?'))?.path).toContain('lang=fr');
    await fr.close();

    const en = await open('look-coupon-slide-in');
    const answer = en.requests.find((r) => r.path.includes('/offer?'));
    expect(answer?.path).not.toContain('lang='); // English is built in: nothing to ask for
    expect(await en.page.locator('visitor-offer [part=button]').innerText()).toBe('Copy code');
    await en.close();
    // No French in the scripts a visitor downloads (the loader and the rendering chunk).
    const chunk = (JSON.parse(readFileSync('dist/widget/manifest.json', 'utf8')) as { chunk?: string }).chunk ?? '';
    expect(chunk).not.toBe('');
    const bundle = readFileSync('dist/widget/widget.js', 'utf8') + readFileSync(`dist/widget/${chunk}`, 'utf8');
    expect(bundle).not.toContain('Copier');
    expect(bundle).not.toContain('Fermer');
  });

  describe('phones', () => {
    const PHONES = [
      { width: 360, height: 740 },
      { width: 390, height: 844 },
      { width: 414, height: 896 },
    ];
    // One test per phone and offer: each opens its own page.
    const ids = [...KINDS.flatMap((kind) => [`look-${kind}-slide-in`, `look-${kind}-bar`]), 'look-long-badge'];
    for (const viewport of PHONES) {
      it.for(ids)(`${viewport.width}×${viewport.height}, %s: a slide-in ≤ 35 % of the height, close button clear of the badge, one left edge, a bar compact`, async (id, { expect }) => {
        const v = await open(id, { viewport });
        const m = await inWidget(v, (root) => {
          const rect = (sel: string) => {
            const r = root.querySelector(sel)?.getBoundingClientRect();
            return r && r.width > 0 ? { left: r.left, top: r.top, right: r.right, bottom: r.bottom, height: r.height } : null;
          };
          const c = root.querySelector('[part=container]') as HTMLElement;
          // Where each line starts: the leftmost of the boxes that share a line.
          const boxes = [...root.querySelectorAll('.hd, [part=body], .row, form > label, .fine, .t, .ok')].map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0);
          const lines: DOMRect[][] = [];
          for (const b of boxes) {
            const line = lines.find((l) => l.some((o) => b.top < o.bottom - 2 && o.top < b.bottom - 2));
            if (line) line.push(b);
            else lines.push([b]);
          }
          const starts = lines.map((l) => Math.round(Math.min(...l.map((b) => b.left))));
          return { container: rect('[part=container]'), close: rect('[part=close]'), badge: rect('.e'), headline: rect('[part=headline]'), starts, slide: c.classList.contains('slide-in'), bar: c.classList.contains('bar') };
        });
        const overlaps = (a: typeof m.close, b: typeof m.close): boolean => !!a && !!b && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        expect(overlaps(m.close, m.badge), `${id}: close over the badge`).toBe(false);
        expect(overlaps(m.close, m.headline), `${id}: close over the headline`).toBe(false);
        const height = m.container?.height ?? Infinity;
        if (m.slide) expect(height, `${id}: slide-in height`).toBeLessThanOrEqual(viewport.height * 0.35);
        if (m.bar) expect(height, `${id}: bar height`).toBeLessThanOrEqual(viewport.height * 0.2);
        // One alignment: every line starts at the same x.
        expect(Math.max(...m.starts) - Math.min(...m.starts), `${id}: line starts ${m.starts.join(', ')}`).toBeLessThanOrEqual(1);
        await v.close();
      });
    }
  });
});

export type { Placement };
