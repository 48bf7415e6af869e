// The rendering chunk's entry (dist/widget/widget-render.<hash>.js): <visitor-offer> with its
// DOM builder, styles, triggers, memory and events. The loader imports it only once a decision
// has something to show or expose, and calls start() with its own state.
import { setDefaultEndpoint } from './endpoint';
import { shared, type Shared } from './shared';
import { VisitorOffer } from './visitor-offer';

export function start(from: Shared, endpoint: string): void {
  Object.assign(shared, from);
  setDefaultEndpoint(endpoint);
  if (!customElements.get('visitor-offer')) customElements.define('visitor-offer', VisitorOffer);
}
