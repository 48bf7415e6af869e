// Where an offer appears, and when an inline offer may appear without moving what is on screen.
import type { Cancel, Placement } from './types';

const PLACEMENTS: readonly unknown[] = ['inline', 'bar', 'slide-in', 'modal'];

export const isPlacement = (p: unknown): p is Placement => PLACEMENTS.includes(p);

/**
 * Resolves once `box` (laid out out of flow at the host's width) fits the space `host` reserves,
 * or else once `host` is off screen, where growing it is not seen (below the fold; above it,
 * scroll anchoring keeps the view). `stops` receives the watcher's cancel function.
 */
export async function whenPlaceable(host: Element, box: Element | null, stops: Cancel[]): Promise<void> {
  if (box && box.scrollHeight > host.clientHeight) {
    await new Promise<void>((resolve) => {
      const io = new IntersectionObserver((entries) => entries.some((e) => !e.isIntersecting) && (io.disconnect(), resolve()));
      io.observe(host);
      stops.push(() => io.disconnect());
    });
  }
}
