// Probes into the widget on a test page: its rendered container and shadow-root state, when it is
// armed and shown, its entry animations, its debug lines and the focus inside it.
import type { Locator, Page } from 'playwright-core';
import type { Visit } from './visit';

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

/**
 * Waits until an offer is shown (its container exists, and is not the invisible copy an inline
 * offer is measured in); returns performance.now() of the first frame it was seen in. The wait is
 * a deadline, not a measure: 15 s, as a loaded 2-core machine may take 5 s to load a page.
 */
export const appeared = (page: Page, timeout = 15_000): Promise<number> =>
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


/** Waits for the widget's debug line (`debug` attribute) saying why it shows nothing. */
export async function debugLine(v: Pick<Visit, 'page' | 'consoleMessages'>, contains: string, timeoutMs = 5000): Promise<string> {
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
