// Accessibility in a real browser, read from Chromium's own accessibility tree (CDP) where it
// matters: the modal is a labelled modal dialog that takes focus, keeps Tab and Shift-Tab inside,
// closes on Escape and gives focus back; bars and slide-ins are labelled regions announced once
// through a polite live region; countdowns are timers; every control is reachable by Tab;
// prefers-reduced-motion stops the animations; the default theme's text meets WCAG AA; and the
// theming hooks (custom properties, ::part, slots) reach inside the shadow root.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { catalogue, coupon, KINDS, lead, pageFor, type Kind, type Placement } from './offer-catalogue';
import { HOST_CSS_LINK, offerTag, para, paras, serveAssets } from './host-pages';
import { visitPaused } from './page-clock';
import { animationsDone, appeared, armed, containerOf, focusInfo, widgetState } from './widget-probes';
import { frames } from './layout-probes';
import type { Visit } from './visit';
import { startHarness, type Harness } from './harness';

const MODAL_COUPON = 'coupon-modal-scroll';
const MODAL_LEAD = 'lead-modal-scroll';
const SLIDE_IN_SCROLL = 'coupon-slide-in-scroll';

interface AxNode {
  role: string;
  name: string;
  props: Record<string, unknown>;
}

/** Chromium's accessibility tree (what a screen reader gets), without ignored nodes. */
async function axTree(v: Visit): Promise<AxNode[]> {
  const cdp = await v.context.newCDPSession(v.page);
  try {
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    return nodes
      .filter((n) => !n.ignored)
      .map((n) => ({
        role: String(n.role?.value ?? ''),
        name: String(n.name?.value ?? ''),
        props: Object.fromEntries((n.properties ?? []).map((p) => [p.name, p.value.value as unknown])),
      }));
  } finally {
    await cdp.detach();
  }
}

/** Presses `key` `times` times; after each press, where focus is. */
async function pressAndTrack(v: Visit, key: string, times: number): Promise<Array<Awaited<ReturnType<typeof focusInfo>>>> {
  const seen = [];
  for (let i = 0; i < times; i++) {
    await v.page.keyboard.press(key);
    seen.push(await focusInfo(v.page));
  }
  return seen;
}

/** WCAG relative luminance contrast of two computed `rgb()`/`rgba()` colours (alpha ignored). */
function contrast(a: string, b: string): number {
  const lum = (c: string): number => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? []).slice(0, 3).map((x) => {
      const s = Number(x) / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (bl ?? 0);
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05);
}

describe.concurrent('accessibility (headless Chromium)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      decisions: catalogue({
        offers: [
          coupon(MODAL_COUPON, { placement: 'modal', trigger: { type: 'scroll', percent: 30 } }),
          lead(MODAL_LEAD, { placement: 'modal', trigger: { type: 'scroll', percent: 30 } }),
          coupon(SLIDE_IN_SCROLL, { trigger: { type: 'scroll', percent: 30 } }),
        ],
      }),
    });
    serveAssets(h);
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  /** A page with a focused button of its own when the modal opens (on scrolling, which keeps focus where it is). */
  async function openModal(offerId: string, persona: 'low' | 'lowConfidence'): Promise<Visit> {
    const body = `<main><h1>Modal</h1><button id="before">Page button</button>${paras(1, 40)}<a href="#x" id="after">A link</a></main>${offerTag({ page: pageFor(offerId) })}`;
    const v = await h.visit(h.hostPage({ body }), { persona });
    await v.page.focus('#before');
    await armed(v.page);
    await v.page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
    await appeared(v.page);
    return v;
  }

  describe('modal', () => {
    it('is a modal dialog labelled by its headline, in the accessibility tree', async ({ expect }) => {
      const v = await openModal(MODAL_COUPON, 'low');
      const dialog = v.page.locator('visitor-offer dialog');
      expect(await dialog.evaluate((d) => (d as HTMLDialogElement).open && d.matches(':modal'))).toBe(true);
      expect(await v.page.getByRole('dialog', { name: KINDS.coupon.headline }).count()).toBe(1);
      const node = (await axTree(v)).find((n) => n.role === 'dialog');
      expect(node).toMatchObject({ name: KINDS.coupon.headline, props: { modal: true } });
      // The page behind is inert: its button is out of reach.
      await v.page.evaluate(() => document.getElementById('before')?.focus());
      expect((await focusInfo(v.page)).inDialog).toBe(true);
      await v.close();
    });

    for (const [offerId, persona, controls] of [
      [MODAL_COUPON, 'low', ['Copy code', 'Close']],
      [MODAL_LEAD, 'lowConfidence', ['input', 'Send me the guide', 'Close']],
    ] as const) {
      it(`${offerId}: focus moves in, Tab and Shift-Tab stay inside through every control, Escape closes and focus returns`, async ({ expect }) => {
        const v = await openModal(offerId, persona);
        expect((await focusInfo(v.page)).inDialog).toBe(true);
        const label = (f: Awaited<ReturnType<typeof focusInfo>>): string => (f.tag === 'input' ? 'input' : f.label);
        const forward = await pressAndTrack(v, 'Tab', 10);
        expect(forward.filter((f) => !f.inDialog)).toEqual([]);
        expect(new Set(forward.map(label))).toEqual(new Set(controls));
        const back = await pressAndTrack(v, 'Shift+Tab', 10);
        expect(back.filter((f) => !f.inDialog)).toEqual([]);
        expect(new Set(back.map(label))).toEqual(new Set(controls));

        await v.page.keyboard.press('Escape');
        await expect.poll(async () => (await widgetState(v.page))?.container).toBe(false);
        expect(await v.page.evaluate(() => document.activeElement?.id)).toBe('before');
        await expect.poll(() => v.events('dismiss').length).toBe(1);
        expect((await v.probe()).events.filter((e) => e.type === 'visitor-offer-dismiss')).toHaveLength(1);
        expect(v.consoleErrors).toEqual([]);
        await v.close();
      });
    }

    it('the close button closes it too, and focus returns to where it was', async ({ expect }) => {
      const v = await openModal(MODAL_COUPON, 'low');
      await v.page.locator('visitor-offer [part=close]').click();
      await expect.poll(async () => (await widgetState(v.page))?.container).toBe(false);
      expect(await v.page.evaluate(() => document.activeElement?.id)).toBe('before');
      await expect.poll(() => v.events('dismiss').length).toBe(1);
      await v.close();
    });
  });

  describe('bar and slide-in', () => {
    it('a labelled region that never takes focus, announced exactly once through a polite live region that existed before', async ({ expect }) => {
      // On the page's clock (paused; moved by runFor): the countdown's seconds are exact however slow the machine.
      const v = await visitPaused(h, h.hostPage({ body: `<main><h1>Live</h1><button id="mine">Mine</button>${paras(1, 40)}</main>${offerTag({ page: pageFor(SLIDE_IN_SCROLL) })}` }), { persona: 'low' });
      await v.page.focus('#mine');
      await armed(v.page);
      // The live region is there, empty, before the offer (a region added with its text is not announced).
      expect(await widgetState(v.page)).toMatchObject({ container: false, live: '' });
      await v.page.evaluate(() => {
        const live = document.querySelector('visitor-offer')?.shadowRoot?.querySelector('[aria-live]');
        const texts: string[] = [];
        (window as unknown as { __texts: string[] }).__texts = texts;
        if (live) new MutationObserver(() => texts.push(live.textContent ?? '')).observe(live, { childList: true, characterData: true, subtree: true });
      });
      await v.page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
      await appeared(v.page);
      const timer = v.page.locator('visitor-offer [role=timer]');
      const first = await timer.textContent();
      await v.page.clock.runFor(1000);
      expect(await timer.textContent()).not.toBe(first); // the countdown ticks…
      await v.page.clock.runFor(5000);
      const texts = await v.page.evaluate(() => (window as unknown as { __texts: string[] }).__texts.filter((t) => t !== ''));
      expect(texts).toEqual([`Offer: ${KINDS.coupon.headline}`]); // …and is announced once, not every second
      expect(await v.page.evaluate(() => document.activeElement?.id)).toBe('mine');

      const ax = await axTree(v);
      expect(ax.find((n) => n.role === 'region' && n.name === KINDS.coupon.headline)).toBeTruthy();
      expect(ax.find((n) => n.props.live === 'polite')).toBeTruthy();
      expect(ax.filter((n) => n.role === 'timer')).toHaveLength(1);
      await v.close();
    });
  });

  describe('keyboard', () => {
    const controlsOf: Record<Kind, string[]> = {
      coupon: ['Copy code', 'Close'],
      urgency: ['Close'],
      lead: ['input', 'Send me the guide', 'Close'],
    };
    for (const kind of ['coupon', 'urgency', 'lead'] as const) {
      it(`${kind}: every control is reachable by Tab, in inline, bar and slide-in`, async ({ expect }) => {
        const v = await h.visit('/', { persona: KINDS[kind].persona, navigate: false });
        for (const placement of ['inline', 'bar', 'slide-in'] satisfies Placement[]) {
          const body = `<main><h1>Keyboard</h1><a href="#a" id="first">First link</a>${para(1)}${offerTag({ placement })}${paras(2, 2)}<a href="#b" id="last">Last link</a></main>`;
          await v.page.goto(h.origin + h.hostPage({ head: HOST_CSS_LINK, body }));
          await appeared(v.page);
          const seen = await pressAndTrack(v, 'Tab', 8);
          const inWidget = seen.filter((f) => f.inWidget).map((f) => (f.tag === 'input' ? 'input' : f.label));
          expect(new Set(inWidget), placement).toEqual(new Set(controlsOf[kind]));
          // And the page's own controls are still in the order too.
          expect(seen.some((f) => f.id === 'last')).toBe(true);
        }
        expect(v.consoleErrors).toEqual([]);
        await v.close();
      });
    }
  });

  describe('prefers-reduced-motion', () => {
    for (const placement of ['bar', 'slide-in', 'modal', 'inline'] satisfies Placement[]) {
      it(`${placement}: animates by default, not at all under reduce`, async ({ expect }) => {
        const path = h.hostPage({ head: HOST_CSS_LINK, body: `<main><h1>Motion</h1>${para(1)}${offerTag({ placement })}${paras(2, 2)}</main>` });
        const v = await h.visit(path, { persona: 'low', navigate: false });
        for (const reducedMotion of ['no-preference', 'reduce'] as const) {
          await v.page.emulateMedia({ reducedMotion });
          await v.page.goto(v.url);
          await appeared(v.page);
          const name = await containerOf(v.page).evaluate((el) => getComputedStyle(el).animationName);
          const running = await v.page.evaluate(() => document.querySelector('visitor-offer')?.shadowRoot?.getAnimations().length ?? -1);
          if (reducedMotion === 'reduce') {
            expect([name, running]).toEqual(['none', 0]);
          } else {
            expect(name).toBe(placement === 'bar' ? 'up' : 'in');
          }
        }
        await v.close();
      });
    }
  });

  it('the default theme meets WCAG AA contrast for text and buttons', async ({ expect }) => {
    const v = await h.visit(h.hostPage({ body: `<main><h1>Contrast</h1></main>${offerTag({ placement: 'slide-in' })}` }), { persona: 'low' });
    await appeared(v.page);
    await animationsDone(v.page);
    const colours = await v.page.evaluate(() => {
      const root = document.querySelector('visitor-offer')?.shadowRoot;
      const css = (sel: string): CSSStyleDeclaration => getComputedStyle(root?.querySelector(sel) as Element);
      return {
        text: [css('[part=headline]').color, css('[part=container]').backgroundColor],
        button: [css('[part=button]').color, css('[part=button]').backgroundColor],
        badge: [css('.e').color, css('.e').backgroundColor],
        code: [css('[part=code]').color, css('[part=container]').backgroundColor],
      };
    });
    for (const [what, [fg, bg]] of Object.entries(colours)) expect(contrast(fg ?? '', bg ?? ''), what).toBeGreaterThanOrEqual(4.5);
    await v.close();
  });

  it('theming: custom properties, ::part() and slots reach inside the shadow root', async ({ expect }) => {
    h.routes.get('/assets/theme.css', (_req, res) =>
      void res.type('css').send(`visitor-offer { --visitor-offer-accent: rgb(15, 118, 110); --visitor-offer-radius: 3px; --visitor-offer-font: monospace }
visitor-offer::part(button) { text-transform: uppercase }
visitor-offer::part(headline) { letter-spacing: 2px }`),
    );
    const body = `<main><h1>Theme</h1></main><visitor-offer placement="slide-in"><span slot="headline">Welcome back!</span><span slot="body">Your own words.</span></visitor-offer>`;
    const v = await h.visit(h.hostPage({ head: '<link rel="stylesheet" href="/assets/theme.css">', body }), { persona: 'low' });
    await appeared(v.page);
    const look = await v.page.evaluate(() => {
      const root = document.querySelector('visitor-offer')?.shadowRoot;
      const css = (sel: string): CSSStyleDeclaration => getComputedStyle(root?.querySelector(sel) as Element);
      return {
        button: css('[part=button]').backgroundColor,
        transform: css('[part=button]').textTransform,
        radius: css('[part=container]').borderTopLeftRadius,
        font: css('[part=container]').fontFamily,
        spacing: css('[part=headline]').letterSpacing,
      };
    });
    expect(look).toEqual({ button: 'rgb(15, 118, 110)', transform: 'uppercase', radius: '3px', font: 'monospace', spacing: '2px' });
    expect(await v.page.getByRole('region', { name: 'Welcome back!' }).count()).toBe(1);
    expect(await v.page.locator('visitor-offer').innerText()).toContain('Your own words.');
    await frames(v.page);
    await h.screenshot(v.page, 'themed-coupon-slide-in');
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });
});
