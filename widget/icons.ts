// The picture beside an offer's headline: the offer's own `image` (same origin, checked by the
// server; a strict CSP's img-src 'self' allows it) or the kind's icon. Icons are inline SVG in the
// shadow root: no request, no inline style, nothing a CSP blocks. Both sit in a fixed 44 px box,
// so a late or failed image never moves anything.
import type { Builder } from './dom';
import type { PublicOffer } from './types';

type Shape = [tag: string, attrs: Record<string, string>];

const PATHS: Record<PublicOffer['kind'] | 'done', Shape[]> = {
  // a price tag
  coupon: [['path', { d: 'M3 12V4a1 1 0 0 1 1-1h8l9 9-9 9z' }], ['circle', { cx: '7.5', cy: '7.5', r: '1.5' }]],
  // a clock
  urgency: [['circle', { cx: '12', cy: '12', r: '9' }], ['path', { d: 'M12 7v5l3 2' }]],
  // a download into a tray
  lead_magnet: [['path', { d: 'M12 3v12m-5-5 5 5 5-5M4 20h16' }]],
  // a check mark: the lead's success state
  done: [['path', { d: 'm5 12 5 5 9-11' }]],
};

/** The kind's icon (or the success check), decorative: the headline says what it is. */
export const icon = ({ s }: Builder, name: keyof typeof PATHS): Element =>
  s(
    'svg',
    { viewBox: '0 0 24 24', width: 24, height: 24, 'aria-hidden': 'true', fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' },
    ...PATHS[name].map(([tag, attrs]) => s(tag, attrs)),
  );
