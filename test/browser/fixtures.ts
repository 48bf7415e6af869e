// Shared pieces of the browser suite (test/browser/*.test.ts): offers configured per test page,
// host-page markup, fake API endpoints for failure modes, and small probes into the page and the
// widget's shadow root.
//
// One harness serves many configurations: every extra offer `<id>` gets a rule "page path
// /o/<id> → offer <id>", and a test selects it with `<visitor-offer page="/o/<id>">` (or the
// loader's data-page). Pages without such a path get the segment's default offer, whose built-in
// triggers are made immediate so that no test waits 8 s for the coupon.
import type { Request, Response } from 'express';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { MOUNT_PATH } from '../../server/app';
import { BUILT_IN_OFFERS, type CouponOffer, type LeadMagnetOffer, type Offer, type PublicOffer, type UrgencyOffer } from '../../server/decision/offer';
import type { DecisionSettings } from '../../server/decision/policy';
import type { Rule } from '../../server/decision/rules';
import type { Experiment } from '../../server/experiments/types';
import type { OfferResponse } from '../../server/contract';
import type { PersonaName } from '../../demo/personas';
import type { Harness, HarnessOptions, HostPageOptions, PageProbe, Visit, VisitOptions } from './harness';

export type Kind = 'coupon' | 'urgency' | 'lead';
export type Placement = 'inline' | 'bar' | 'slide-in' | 'modal';
export const PLACEMENTS: readonly Placement[] = ['inline', 'bar', 'slide-in', 'modal'];

function builtIn<K extends Offer['kind']>(kind: K): Extract<Offer, { kind: K }> {
  const o = BUILT_IN_OFFERS.find((b) => b.kind === kind);
  if (!o) throw new Error(`no built-in ${kind} offer`);
  return o as Extract<Offer, { kind: K }>;
}

export const BUILT_IN = { coupon: builtIn('coupon'), urgency: builtIn('urgency'), lead: builtIn('lead_magnet') };

/** Each kind, the seeded visitor whose segment gets it by default, and its offer. */
export const KINDS: Record<Kind, { persona: PersonaName; id: string; headline: string }> = {
  coupon: { persona: 'low', id: BUILT_IN.coupon.id, headline: BUILT_IN.coupon.headline },
  urgency: { persona: 'high', id: BUILT_IN.urgency.id, headline: BUILT_IN.urgency.headline },
  lead: { persona: 'lowConfidence', id: BUILT_IN.lead.id, headline: BUILT_IN.lead.headline },
};
export const KIND_NAMES: readonly Kind[] = ['coupon', 'urgency', 'lead'];
export const COUPON_CODE = 'WELCOME15';

export const coupon = (id: string, change: Partial<CouponOffer> = {}): CouponOffer => ({ ...BUILT_IN.coupon, id, ...change });
export const urgency = (id: string, change: Partial<UrgencyOffer> = {}): UrgencyOffer => ({ ...BUILT_IN.urgency, id, ...change });
export const lead = (id: string, change: Partial<LeadMagnetOffer> = {}): LeadMagnetOffer => ({ ...BUILT_IN.lead, id, ...change });

/** The path that selects offer `id` (a rule of catalogue()). */
export const pageFor = (id: string): string => `/o/${id}`;

export interface CatalogueOptions {
  /** Extra offers, each selected by the page path /o/<id>. */
  offers?: Offer[];
  /** Experiments, each selected by the page path /x/<experiment id>. */
  experiments?: Experiment[];
}

/**
 * The built-in offers with immediate triggers (the urgency bar also with a 15-minute countdown, so
 * every kind shows a timer), plus `offers` and `experiments` chosen by page path.
 */
export function catalogue({ offers = [], experiments = [] }: CatalogueOptions = {}): DecisionSettings {
  const rules: Rule[] = [
    ...offers.map((o): Rule => ({ id: `page-${o.id}`, when: { path: [pageFor(o.id)] }, then: { offer: o.id } })),
    ...experiments.map((e): Rule => ({ id: `page-x-${e.id}`, when: { path: [`/x/${e.id}`] }, then: { experiment: e.id } })),
  ];
  return {
    offers: [
      { ...BUILT_IN.coupon, trigger: { type: 'immediate' } },
      { ...BUILT_IN.urgency, countdownMinutes: 15 },
      { ...BUILT_IN.lead, trigger: { type: 'immediate' } },
      ...offers,
    ],
    rules,
    experiments,
  };
}

/** Router options for a suite that sends many events and leads from one address and visitor. */
export const GENEROUS_LIMITS: HarnessOptions['router'] = {
  limits: { eventsPerMinutePerIp: 100_000, eventsPerMinutePerVisitor: 100_000, leadsPerMinutePerIp: 100_000 },
};

// --- host pages ------------------------------------------------------------------------------

/** The host page's own stylesheet (a file, so it also works under a strict CSP). */
export const RESERVE_CSS_PATH = '/assets/host.css';
export const RESERVE_HEIGHT = 360;
export const HOST_CSS = `body { margin: 0 auto; max-width: 760px; padding: 0 24px; font: 16px/1.6 Georgia, serif; color: #222 }
visitor-offer[placement=inline] { display: block; min-height: ${RESERVE_HEIGHT}px; margin: 24px 0 }
.tall { height: 3000px }
.spacer { height: 1200px }`;
export const HOST_CSS_LINK = `<link rel="stylesheet" href="${RESERVE_CSS_PATH}">`;

/** Serves the host pages' stylesheet and a page-inserting script (for the late-loader tests). */
export function serveAssets(h: Harness): void {
  h.routes.get(RESERVE_CSS_PATH, (_req, res) => void res.type('css').set('cache-control', 'no-store').send(HOST_CSS));
}

export const para = (n: number): string =>
  `<p id="p${n}">Paragraph ${n}. Launch pages that convert: templates, experiments and analytics in one place. Filler long enough to wrap over a few lines, as real copy would.</p>`;
export const paras = (from: number, count: number): string => Array.from({ length: count }, (_, i) => para(from + i)).join('\n');

/** `<visitor-offer …>` with the given attributes (null/undefined left out). */
export function offerTag(attrs: Record<string, string | number | boolean | null | undefined> = {}): string {
  const list = Object.entries(attrs)
    .filter(([, v]) => v !== null && v !== undefined && v !== false)
    .map(([k, v]) => (v === true ? k : `${k}="${String(v)}"`));
  return `<visitor-offer${list.map((a) => ` ${a}`).join('')}></visitor-offer>`;
}

// --- fake API endpoints (failure modes) --------------------------------------------------------

/** A decision as /offer answers it, for a fake endpoint. */
export function decisionWith(offer: Offer, experiment: OfferResponse['experiment'] = null): OfferResponse {
  let pub: PublicOffer;
  if (offer.kind === 'coupon') {
    const { codePool: _pool, code, ...display } = offer;
    pub = { ...display, code: code ?? 'POOLCODE', expiresAt: null };
  } else if (offer.kind === 'urgency') {
    pub = { ...offer, endsAt: offer.deadline };
  } else {
    pub = offer;
  }
  return { offer: pub, experiment, segment: 'low', reason: 'fake' };
}

export interface FakeEndpoint {
  /** The prefix, for the element's endpoint attribute. */
  endpoint: string;
  /** Requests each route received, by route name (offer, events, leads, live). */
  hits: Record<string, number>;
}

type Handler = (req: Request, res: Response) => void;

/**
 * Test-only API routes at `/fake/<name>/…`: `/offer` answers with `offer` (a handler, or a decision
 * sent as JSON); `/events` 202; `/leads` with `leads` (default 202); `/live` with `live` (default a count of 3).
 */
export function fakeEndpoint(h: Harness, name: string, handlers: { offer: Handler | OfferResponse; leads?: Handler; live?: Handler }): FakeEndpoint {
  const endpoint = `/fake/${name}`;
  const hits: Record<string, number> = { offer: 0, events: 0, leads: 0, live: 0 };
  const count = (route: string): void => {
    hits[route] = (hits[route] ?? 0) + 1;
  };
  const offer = handlers.offer;
  h.routes.get(`${endpoint}/offer`, (req, res) => {
    count('offer');
    if (typeof offer === 'function') offer(req, res);
    else res.set('cache-control', 'no-store').json(offer);
  });
  h.routes.post(`${endpoint}/events`, (_req, res) => {
    count('events');
    res.status(202).json({ ok: true });
  });
  h.routes.post(`${endpoint}/leads`, (req, res) => {
    count('leads');
    if (handlers.leads) handlers.leads(req, res);
    else res.status(202).json({ ok: true });
  });
  h.routes.get(`${endpoint}/live`, (req, res) => {
    count('live');
    if (handlers.live) handlers.live(req, res);
    else res.json({ activeVisitors: 3, recentPurchases: [] });
  });
  return { endpoint, hits };
}

// --- probes ------------------------------------------------------------------------------------

/** The offer's rendered container (Playwright pierces open shadow roots). */
export const containerOf = (page: Page, nth = 0): Locator => page.locator('visitor-offer').nth(nth).locator('[part=container]');

/** How many offer containers are rendered on the page, in any <visitor-offer>. */
export const renderedCount = (page: Page): Promise<number> =>
  page.evaluate(() => [...document.querySelectorAll('visitor-offer')].filter((el) => el.shadowRoot?.querySelector('[part=container]')).length);

export interface WidgetState {
  /** Elements in the shadow root (0: renders nothing; 1: only the empty live region). */
  elements: number;
  container: boolean;
  /** Text of the polite live region, or null when there is none. */
  live: string | null;
  height: number;
}

export const widgetState = (page: Page, nth = 0): Promise<WidgetState | null> =>
  page.evaluate((n) => {
    const el = document.querySelectorAll('visitor-offer')[n];
    if (!el) return null;
    const root = el.shadowRoot;
    const live = root?.querySelector('[aria-live]');
    return {
      elements: root ? root.querySelectorAll('*').length : 0,
      container: !!root?.querySelector('[part=container]'),
      live: live ? (live.textContent ?? '') : null,
      height: el.getBoundingClientRect().height,
    };
  }, nth);

let framesCalls = 0;

/**
 * Resolves after `n` rendered frames (layout, paint and observers have caught up). Counted by
 * Playwright's own requestAnimationFrame, which the page's clock does not replace: the frames
 * come while the page clock is paused too (the page's own requestAnimationFrame then waits).
 */
export async function frames(page: Page, n = 2): Promise<void> {
  const key = `__frames${++framesCalls}`;
  await page.waitForFunction(
    ([k, count]) => {
      const w = window as unknown as Record<string, number>;
      w[k] = (w[k] ?? -1) + 1; // 0 on the first, immediate check; then one per frame
      return w[k] >= count && delete w[k];
    },
    [key, n] as const,
    { polling: 'raf' },
  );
}

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

/**
 * How much of `target` an IntersectionObserver sees in the viewport (0…1), taken by an observer
 * made now, at the next rendering update: by then every observer made earlier (the widget's) has
 * been told of the same state. Entry animations (CSS, which the page clock does not drive) are run
 * to their end first. Waits until `accept(ratio)` holds on two updates in a row.
 */
export async function untilIntersection(target: Locator, accept: (ratio: number) => boolean, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let agreed = 0;
  for (;;) {
    const ratio = await target.evaluate(
      (el) =>
        new Promise<number>((resolve) => {
          const root = el.getRootNode();
          if (root instanceof ShadowRoot) for (const a of root.getAnimations()) a.finish();
          const io = new IntersectionObserver((entries) => {
            io.disconnect();
            resolve(entries[entries.length - 1]?.intersectionRatio ?? 0);
          });
          io.observe(el);
        }),
    );
    agreed = accept(ratio) ? agreed + 1 : 0;
    if (agreed >= 2) return ratio;
    if (Date.now() > deadline) throw new Error(`intersection ratio ${ratio} never accepted within ${timeoutMs} ms`);
  }
}

/**
 * On a visitPaused page whose offer has an immediate trigger: fires it, waits until the offer is
 * at least half in view (a modal counts as seen without), and lets a second of page time pass —
 * the offer has been seen, and its exposure is queued.
 */
export async function seenForASecond(v: Visit): Promise<void> {
  await armed(v.page);
  await v.page.clock.runFor(10); // the immediate trigger fires
  await appeared(v.page);
  const container = containerOf(v.page);
  if (!(await container.evaluate((el) => el.tagName === 'DIALOG'))) await untilIntersection(container, halfInView);
  await v.page.clock.runFor(1010);
}

/** At least half in view, as the widget's "seen" needs. */
export const halfInView = (ratio: number): boolean => ratio >= 0.5;
/** Less than half in view. */
export const notHalfInView = (ratio: number): boolean => ratio < 0.5;

/** Milliseconds since the page's navigation started (performance.now()). */
export const pageTime = (page: Page): Promise<number> => page.evaluate(() => performance.now());

/**
 * Waits until an offer is shown (its container exists, and is not the invisible copy an inline
 * offer is measured in); returns performance.now() of the first frame it was seen in.
 */
export const appeared = (page: Page, timeout = 5000): Promise<number> =>
  page
    .waitForFunction(
      () =>
        [...document.querySelectorAll('visitor-offer')].some((el) => {
          const c = el.shadowRoot?.querySelector('[part=container]');
          return c && !c.closest('.m');
        }) && performance.now(),
      undefined,
      { timeout, polling: 'raf' },
    )
    .then((handle) => handle.jsonValue() as Promise<number>);

/**
 * For a visit made with `navigate: false`: records when an offer was first shown — the moment
 * its container entered the shadow root (a MutationObserver on every shadow root, so exact, not a
 * frame later) — navigates, and returns a function that waits for that time (performance.now()).
 */
export async function timeFirstShown(v: Visit): Promise<() => Promise<number>> {
  await v.context.addInitScript({
    content: `(() => {
      const attach = Element.prototype.attachShadow;
      Element.prototype.attachShadow = function (init) {
        const root = attach.call(this, init);
        new MutationObserver(() => {
          const c = root.querySelector('[part=container]');
          if (c && !c.closest('.m') && window.__firstShown === undefined) window.__firstShown = performance.now();
        }).observe(root, { childList: true, subtree: true });
        return root;
      };
    })();`,
  });
  await v.page.goto(v.url);
  return async () => {
    const handle = await v.page.waitForFunction(() => (window as unknown as { __firstShown?: number }).__firstShown, undefined, { polling: 20 });
    return (await handle.jsonValue()) as number;
  };
}

/** Waits until the widget's entry animations (if any) have finished. */
export const animationsDone = (page: Page): Promise<unknown> =>
  page.evaluate(() =>
    Promise.all(
      [...document.querySelectorAll('visitor-offer')].flatMap((el) => (el.shadowRoot ? el.shadowRoot.getAnimations().map((a) => a.finished) : [])),
    ).then(() => true),
  );

/** Waits until the element has its decision and is waiting for its trigger (the live region exists). */
export const armed = (page: Page, timeout = 5000): Promise<unknown> =>
  page.waitForFunction(() => !!document.querySelector('visitor-offer')?.shadowRoot?.querySelector('[aria-live]'), undefined, { timeout, polling: 20 });

/**
 * Layout shifts settled: three rendered frames, then until the page's layout-shift observer has
 * received every entry the browser buffered (its callbacks come as tasks, after the frame).
 */
export async function settledProbe(v: Visit): Promise<PageProbe> {
  await frames(v.page, 3);
  await v.page.waitForFunction(
    () => {
      const po = new PerformanceObserver(() => {});
      po.observe({ type: 'layout-shift', buffered: true });
      const all = po.takeRecords().filter((e) => !(e as PerformanceEntry & { hadRecentInput?: boolean }).hadRecentInput).length;
      po.disconnect();
      return (window as unknown as { __vo: PageProbe }).__vo.shifts.length >= all;
    },
    undefined,
    { polling: 'raf' },
  );
  return v.probe();
}

/** Waits for the widget's debug line (`debug` attribute) saying why it shows nothing. */
export async function debugLine(v: Visit, contains: string, timeoutMs = 5000): Promise<string> {
  const match = (m: string): boolean => m.startsWith('debug: [visitor-offer]') && m.includes(contains);
  const line = v.consoleMessages.find(match);
  if (line) return line;
  // Listened for in the same turn as the look above: no message can come in between.
  const next = await v.page
    .waitForEvent('console', { predicate: (m) => match(`${m.type()}: ${m.text()}`), timeout: timeoutMs })
    .catch(() => {
      throw new Error(`no debug line with "${contains}"; console: ${JSON.stringify(v.consoleMessages)}`);
    });
  return `${next.type()}: ${next.text()}`;
}

/** No debug line with `contains` so far (console messages logged before the last page call have all arrived). */
export const noDebugLine = (v: Visit, contains: string): boolean => !v.consoleMessages.some((m) => m.startsWith('debug: [visitor-offer]') && m.includes(contains));

/** The deep focused element: through open shadow roots. */
export interface FocusInfo {
  /** The focused element is inside a <visitor-offer>'s shadow root. */
  inWidget: boolean;
  /** … inside its <dialog>. */
  inDialog: boolean;
  tag: string;
  id: string;
  part: string | null;
  label: string;
}

export const focusInfo = (page: Page): Promise<FocusInfo> =>
  page.evaluate(() => {
    let a: Element | null = document.activeElement;
    let inWidget = false;
    while (a?.shadowRoot?.activeElement) {
      if (a.tagName === 'VISITOR-OFFER') inWidget = true;
      a = a.shadowRoot.activeElement;
    }
    return {
      inWidget,
      inDialog: inWidget && !!a?.closest('dialog'),
      tag: a ? a.tagName.toLowerCase() : '',
      id: a?.id ?? '',
      part: a?.getAttribute('part') ?? null,
      label: (a?.getAttribute('aria-label') || a?.textContent || '').trim(),
    };
  });

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

export { MOUNT_PATH };
