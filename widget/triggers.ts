// When an offer may appear. Each function starts listening and returns a cancel function; `fire`
// is called at most once. The decision is fetched before any trigger is armed.
//
// Edge cases, decided here:
// - delay: counted from `since`, when /offer answered (the loader notes it), so loading the
//   rendering chunk meanwhile does not lengthen it.
// - scroll: percent of the scrollable distance, scrollY / (scrollHeight − innerHeight). A page that
//   cannot scroll (or not by more than 1 px) can never reach it, so there the offer fires once the
//   visitor has been on the page for 5 s (measured from navigation start); a page that became
//   scrollable by then keeps waiting for the scroll. Already scrolled far enough when armed
//   (restored scroll position) fires at once.
// - exit intent is armed only after 2 s on the page (from navigation start), so a modal never
//   interrupts on arrival. Desktop: the pointer leaves the window through the top (mouseout with no
//   relatedTarget and clientY ≤ 0). Touch (`pointer: coarse`): a fast scroll up, ≥ 100 px within
//   300 ms, after the page was scrolled down to at least 200 px.
// - an unknown trigger type never fires (the server validates triggers; unknown means a newer
//   server than this widget, and showing nothing is the safe answer).
import type { Cancel, Trigger } from './types';

export const SHORT_PAGE_WAIT_MS = 5000;
export const EXIT_ARM_MS = 2000;

const listen = <E extends Event>(target: EventTarget, type: string, fn: (e: E) => void): Cancel => {
  const handler = fn as EventListener;
  target.addEventListener(type, handler, { passive: true });
  return () => target.removeEventListener(type, handler);
};

/** Calls `fn` after `ms`; the returned function cancels it. */
export const later = (ms: number, fn: () => void): Cancel => {
  const id = setTimeout(fn, ms);
  return () => clearTimeout(id);
};

/** Milliseconds still to wait until the visitor has been on the page `ms` in total. */
const sinceArrival = (ms: number): number => Math.max(0, ms - performance.now());

/** Wraps `fire` so it runs once, and stops every listener first. */
function once(fire: () => void): { go: () => void; stops: Cancel[]; cancel: Cancel } {
  const stops: Cancel[] = [];
  let done = false;
  const cancel = (): void => {
    done = true;
    for (const stop of stops.splice(0)) stop();
  };
  return { stops, cancel, go: () => done || (cancel(), fire()) };
}

export const immediate = (fire: () => void): Cancel => later(0, fire);

export const afterDelay = (seconds: number, fire: () => void, since = performance.now()): Cancel =>
  later(Math.max(0, seconds * 1000 - (performance.now() - since)), fire);

export function onScroll(percent: number, fire: () => void): Cancel {
  const t = once(fire);
  const room = (): number => document.documentElement.scrollHeight - innerHeight;
  const check = (): void => {
    const r = room();
    if (r > 1 && scrollY >= (r * percent) / 100 - 1) t.go();
  };
  t.stops.push(
    listen(window, 'scroll', check),
    later(sinceArrival(SHORT_PAGE_WAIT_MS), () => room() <= 1 && t.go()),
  );
  check();
  return t.cancel;
}

export function onExitIntent(fire: () => void): Cancel {
  const t = once(fire);
  t.stops.push(
    later(sinceArrival(EXIT_ARM_MS), () => {
      t.stops.push(
        matchMedia('(pointer: coarse)').matches
          ? fastScrollUp(t.go)
          : listen<MouseEvent>(document, 'mouseout', (e) => !e.relatedTarget && e.clientY <= 0 && t.go()),
      );
    }),
  );
  return t.cancel;
}

/** Touch exit intent: the page was scrolled to ≥ 200 px, then ≥ 100 px back up within 300 ms. */
function fastScrollUp(go: () => void): Cancel {
  let deepest = scrollY;
  const recent: Array<[time: number, y: number]> = [];
  return listen(window, 'scroll', () => {
    const now = performance.now();
    const y = scrollY;
    recent.push([now, y]);
    while ((recent[0]?.[0] ?? now) < now - 300) recent.shift();
    if (deepest >= 200 && Math.max(...recent.map((s) => s[1])) - y >= 100) go();
    deepest = Math.max(deepest, y);
  });
}

export function armTrigger(trigger: Trigger, fire: () => void, since?: number): Cancel {
  switch (trigger.type) {
    case 'immediate':
      return immediate(fire);
    case 'delay':
      return afterDelay(trigger.seconds, fire, since);
    case 'scroll':
      return onScroll(trigger.percent, fire);
    case 'exit-intent':
      return onExitIntent(fire);
    default:
      return () => {};
  }
}
