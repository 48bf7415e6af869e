// What the browser has rendered and laid out: rendered frames, how much of an element is in the
// viewport, the offer seen for a second, and the page's layout shifts (the observer an init script
// installs, and when it has them all).
import type { Locator, Page } from 'playwright-core';
import type { PageProbe, Visit } from './visit';
import { appeared, armed, containerOf } from './widget-probes';

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

/**
 * An init script: a buffered layout-shift observer keeping, in window[name], the cumulative layout
 * shift (`cls`, entries after input left out) and one item per such entry (`shifts`: its value,
 * start time and what moved, with its rectangles before and after).
 */
export const layoutShiftObserver = (name: string): string => `(() => {
  const probe = (window[${JSON.stringify(name)}] ??= {});
  probe.cls = 0;
  probe.shifts = [];
  const what = (s) => s.node
    ? s.node.nodeName + (s.node.id ? '#' + s.node.id : '') + (typeof s.node.className === 'string' && s.node.className ? '.' + s.node.className : '') + ' ' + JSON.stringify([s.previousRect, s.currentRect])
    : '?';
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.hadRecentInput) continue;
        probe.cls += e.value;
        probe.shifts.push({ value: e.value, at: e.startTime, sources: (e.sources || []).map(what) });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  } catch {}
})();`;

/**
 * Layout shifts settled: three rendered frames, then until the page's layout-shift observer has
 * received every entry the browser buffered (its callbacks come as tasks, after the frame). The
 * observer is layoutShiftObserver(probe)'s.
 */
export async function layoutShiftsSettled(page: Page, probe = '__vo'): Promise<void> {
  await frames(page, 3);
  await page.waitForFunction(
    (name) => {
      const po = new PerformanceObserver(() => {});
      po.observe({ type: 'layout-shift', buffered: true });
      const all = po.takeRecords().filter((e) => !(e as PerformanceEntry & { hadRecentInput?: boolean }).hadRecentInput).length;
      po.disconnect();
      const seen = (window as unknown as Record<string, { shifts: unknown[] } | undefined>)[name];
      if (!seen) throw new Error(`no layout-shift probe window.${name}`);
      return seen.shifts.length >= all;
    },
    probe,
    { polling: 'raf' },
  );
}

/** The page's layout shifts and DOM events, once its layout shifts have settled. */
export async function settledProbe(v: Visit): Promise<PageProbe> {
  await layoutShiftsSettled(v.page);
  return v.probe();
}
