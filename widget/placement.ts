// Where an offer appears, and when an inline offer may appear without moving what is on screen.
//
// - The element's `placement` attribute (inline | bar | slide-in | modal) wins over the decision's;
//   `auto` (or none) takes the decision's.
// - The loader's drop-in element (no place of its own in the page) never shows an offer inline: an
//   inline offer floats as a slide-in there, unless a placed element accepts it.
// - `accept="inline"` (a list: inline bar slide-in modal): the placements a placed element takes;
//   the others are left to another element (the loader then mounts its drop-in for them).
// - Inline: shown in its slot when it fits the space the page reserved; otherwise its slot grows
//   only while out of view (where a shift is not seen: below the fold, or above it where scroll
//   anchoring keeps the view), and when that does not happen within FLOAT_MS it floats as a slide-in.
import { later } from './triggers';
import type { Cancel, Placement } from './types';

export const FLOAT_MS = 1000;

const PLACEMENTS: readonly unknown[] = ['inline', 'bar', 'slide-in', 'modal'];

export const isPlacement = (p: unknown): p is Placement => PLACEMENTS.includes(p);

/** Does `el` take offers placed as `p`? (No `accept` attribute: every placement.) */
export const accepts = (el: Element, p: Placement): boolean => !el.hasAttribute('accept') || (el.getAttribute('accept') as string).split(/[\s,]+/).includes(p);

/** The placement asked for: the element's `placement` attribute, else the decision's (`auto`: the decision's). */
export const wanted = (attribute: string | null, decided: Placement | undefined): Placement | undefined => [attribute, decided].find(isPlacement);

/** Why `el` leaves an offer placed as `p` to another element, or null when it takes it. */
export function declined(el: Element, p: Placement, dropIn: boolean): string | null {
  if (!accepts(el, p)) return `not accepted here (accept="${el.getAttribute('accept') ?? ''}"): ${p}`;
  const placed = dropIn && p === 'inline' && [...document.querySelectorAll('visitor-offer')].some((o) => o !== el && accepts(o, p));
  return placed ? 'inline: left to the placed <visitor-offer>' : null;
}

/** Whether the inline `box` (laid out out of flow at the host's width) needs more than `host` reserves: [needed, reserved] px, or null when it fits. */
export function overflow(host: Element, box: Element | null): [number, number] | null {
  return box && box.scrollHeight > host.clientHeight ? [box.scrollHeight, host.clientHeight] : null;
}

/** Resolves true once `host` is out of view, false when it stayed in view for `ms`. */
export function whenOutOfView(host: Element, ms: number, stops: Cancel[]): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const io = new IntersectionObserver((entries) => entries.some((e) => !e.isIntersecting) && done(true));
    const timer = later(ms, () => done(false));
    const stop = (): void => (io.disconnect(), timer());
    const done = (out: boolean): void => (stop(), resolve(out));
    io.observe(host);
    stops.push(stop);
  });
}
