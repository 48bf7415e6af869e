// The widget's promise on pages not built for it: for every kind (coupon, urgency, lead magnet) in
// every placement (inline, bar, slide-in), on a host page that reserves no space for it and on one
// that reserves too little, on a desktop (1280×800) and a phone (390×844):
//   - a person sees the offer (laid out, at least half of it in the viewport, opaque, on top of
//     the page at its centre) no later than 1 s after its trigger fired;
//   - the page does not shift (CLS < 0.01, layout-shift entries without input);
//   - the site's own header button stays clickable (elementFromPoint at its centre is the button);
//   - axe-core finds no violation in the widget, in the light and in the dark colour scheme (each
//     combination in both: the scheme alternates across the four host page × viewport cells).
// Time is Playwright's page clock: the page loads with time paused, the trigger (a 2 s delay) and
// the 1 s after it are run by the test, so a loaded machine cannot make the widget late. Entrance
// animations (real time, 300 ms) are finished before opacity is read.
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Offer } from '../../server/decision/offer';
import { axeViolations } from './axe';
import { catalogue, coupon, lead, pageFor, urgency, type Kind } from './offer-catalogue';
import { offerTag, paras } from './host-pages';
import { settledProbe } from './layout-probes';
import type { Visit } from './visit';
import { startHarness, type Harness } from './harness';

type Placement = 'inline' | 'bar' | 'slide-in';
type Host = 'no-space' | 'too-little';

const TRIGGER_S = 2;
const PLACEMENTS: readonly Placement[] = ['inline', 'bar', 'slide-in'];
const KINDS: readonly Kind[] = ['coupon', 'urgency', 'lead'];
const HOSTS: readonly Host[] = ['no-space', 'too-little'];
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
// Each kind and placement is scanned in both colour schemes on both viewports, without doubling
// the matrix: the scheme alternates across the four page × viewport cells.
const SCHEME: Record<string, 'light' | 'dark'> = {
  'desktop no-space': 'light',
  'desktop too-little': 'dark',
  'phone no-space': 'dark',
  'phone too-little': 'light',
};
const T0 = Date.parse('2026-06-01T10:00:00Z');

const idOf = (kind: Kind, placement: Placement): string => `mx-${kind}-${placement}`;
const trigger = { type: 'delay', seconds: TRIGGER_S } as const;
const OFFERS: Offer[] = KINDS.flatMap((kind) =>
  PLACEMENTS.map((placement) => {
    const id = idOf(kind, placement);
    return kind === 'coupon' ? coupon(id, { placement, trigger }) : kind === 'urgency' ? urgency(id, { placement, trigger, countdownMinutes: 15 }) : lead(id, { placement, trigger });
  }),
);

const CSS_PATH = '/assets/matrix.css';
// A plain marketing page: a header with the site's main button, content, a footer. "too-little"
// reserves 160 px where the widget goes (less than any offer needs on a phone).
const CSS = `body { margin: 0; font: 16px/1.6 Georgia, serif; color: #222; background: #fff }
header { display: flex; justify-content: space-between; align-items: center; padding: 12px 20px; border-bottom: 1px solid #ddd }
header a { color: #222; font-weight: 700; text-decoration: none }
#cta { padding: 10px 16px; border: 0; border-radius: 6px; background: #0f766e; color: #fff; font: inherit }
main { max-width: 760px; margin: 0 auto; padding: 0 20px }
.too-little visitor-offer { display: block; min-height: 160px }
footer { padding: 24px 20px; border-top: 1px solid #ddd }`;

/** Where a person would look: the offer's box, what covers its centre, its opacity. */
interface Sight {
  shown: boolean;
  width: number;
  height: number;
  /** Share of the offer's area inside the viewport. */
  inView: number;
  opacity: number;
  visibility: string;
  /** The widget is what elementFromPoint finds at the centre of its visible part. */
  onTop: boolean;
}

async function sight(v: Visit): Promise<Sight> {
  return v.page.evaluate(() => {
    const el = document.querySelector('visitor-offer');
    const c = el?.shadowRoot?.querySelector('[part~=container]');
    const none = { shown: false, width: 0, height: 0, inView: 0, opacity: 0, visibility: 'none', onTop: false };
    if (!el || !c || c.closest('.m')) return none;
    for (const a of el.shadowRoot?.getAnimations() ?? []) a.finish();
    const r = c.getBoundingClientRect();
    const w = Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0));
    const hgt = Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
    let opacity = 1;
    for (let n: Element | null = c; n; n = n.parentElement ?? ((n.getRootNode() as ShadowRoot).host || null)) opacity *= Number(getComputedStyle(n).opacity);
    const x = Math.max(r.left, 0) + w / 2;
    const y = Math.max(r.top, 0) + hgt / 2;
    const top = w > 0 && hgt > 0 ? document.elementFromPoint(x, y) : null;
    return {
      shown: true,
      width: r.width,
      height: r.height,
      inView: r.width * r.height > 0 ? (w * hgt) / (r.width * r.height) : 0,
      opacity,
      visibility: getComputedStyle(c).visibility,
      onTop: top === el || (top !== null && el.contains(top)),
    };
  });
}

const seen = (s: Sight): boolean => s.shown && s.width > 0 && s.height > 0 && s.inView >= 0.5 && s.opacity >= 0.99 && s.visibility === 'visible' && s.onTop;

/** The site's header button is what a click at its centre reaches. */
const headerClickable = (v: Visit): Promise<boolean> =>
  v.page.evaluate(() => {
    const b = document.getElementById('cta');
    if (!b) return false;
    const r = b.getBoundingClientRect();
    return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === b;
  });

describe.concurrent('the offer matrix: every kind × placement × host page × viewport (headless Chromium, page clock)', () => {
  let h: Harness;
  const pages = new Map<string, string>();

  beforeAll(async () => {
    h = await startHarness({ decisions: catalogue({ offers: OFFERS }) });
    h.routes.get(CSS_PATH, (_req, res) => void res.type('css').send(CSS));
    for (const kind of KINDS) {
      for (const placement of PLACEMENTS) {
        for (const host of HOSTS) {
          const body = `<div class="${host}"><header><a href="/">Launchkit</a><button id="cta" type="button">Start free trial</button></header>
<main><h1>Launch pages that convert</h1>${paras(1, 1)}${offerTag({ page: pageFor(idOf(kind, placement)) })}${paras(2, 8)}</main>
<footer>© Launchkit</footer></div>`;
          pages.set(`${kind} ${placement} ${host}`, h.hostPage({ head: `<link rel="stylesheet" href="${CSS_PATH}">`, body, title: `${kind} ${placement}` }));
        }
      }
    }
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  /** Loads the page with time paused, runs the trigger and one second more; returns when the offer was first seen (ms after the trigger), or null. */
  async function open(kind: Kind, placement: Placement, host: Host, viewport: keyof typeof VIEWPORTS, colorScheme: 'light' | 'dark' = 'light'): Promise<{ v: Visit; seenAfterMs: number | null; last: Sight }> {
    const v = await h.visit(pages.get(`${kind} ${placement} ${host}`) as string, { persona: 'low', navigate: false, context: { viewport: VIEWPORTS[viewport], colorScheme } });
    await v.page.clock.install({ time: T0 });
    await v.page.clock.pauseAt(T0 + 60_000); // well ahead of install: a slow machine never reaches it first
    const decided = v.page.waitForResponse((r) => r.url().includes('/visitor-offers/offer?'));
    await v.page.goto(v.url);
    await (await decided).finished();
    await v.page.waitForFunction(() => !!document.querySelector('visitor-offer')?.shadowRoot?.querySelector('[aria-live]'), undefined, { polling: 20, timeout: 5000 });
    await v.page.clock.runFor(TRIGGER_S * 1000 - 100);
    let seenAfterMs: number | null = null;
    let last = await sight(v);
    // From just before the trigger to 1 s after it, in 100 ms steps, each with a moment of real
    // time for the network, observers and rendering that the fake clock does not drive.
    for (let t = -100; t <= 1000 && seenAfterMs === null; t += 100) {
      if (t > -100) await v.page.clock.runFor(100);
      await new Promise((r) => setTimeout(r, 15));
      last = await sight(v);
      if (seen(last)) seenAfterMs = t;
    }
    await v.page.clock.resume();
    return { v, seenAfterMs, last };
  }

  for (const [viewport] of Object.entries(VIEWPORTS) as Array<[keyof typeof VIEWPORTS, unknown]>) {
    for (const host of HOSTS) {
      const scheme = SCHEME[`${viewport} ${host}`];
      for (const kind of KINDS) {
        for (const placement of PLACEMENTS) {
          it(`${viewport}, ${host}, ${scheme}: ${kind} ${placement} — seen within trigger + 1 s, CLS < 0.01, header button clickable, axe clean`, async ({ expect }) => {
            const { v, seenAfterMs, last } = await open(kind, placement, host, viewport, scheme);
            try {
              const probe = await settledProbe(v);
              const clickable = await headerClickable(v);
              const violations = await axeViolations(v.page);
              expect({ seenAfterMs, last, cls: probe.cls, shifts: probe.shifts, clickable, violations, errors: v.scriptErrors }).toMatchObject({
                seenAfterMs: expect.any(Number),
                cls: expect.toSatisfy((cls: number) => cls < 0.01),
                clickable: true,
                violations: [],
                errors: [],
              });
              expect(seenAfterMs).toBeGreaterThanOrEqual(0); // not before its trigger
            } finally {
              await v.close();
            }
          });
        }
      }
    }
  }
});
