// What a <visitor-offer> holds and shows: its state, its shadow root built for each phase of its
// lifecycle (templates.ts draws the offer), the live region it announces through, and the events
// it reports. The lifecycle itself and the visitor's actions are visitor-offer.ts, its subclass.
//
// Members ending in `_` are private to the element: build.mjs shortens their names (esbuild
// mangleProps), which keeps the rendering chunk inside its gzip budget.
import { builder, type Builder } from './dom';
import { apiOf } from './endpoint';
import { track } from './events';
import { wanted } from './placement';
import { shared } from './shared';
import { adopt } from './sheet';
import { say } from './strings';
import { styles } from './styles';
import { themeStyles } from './theme-styles';
import { view, type OfferView } from './templates';
import type { Cancel, EventType, OfferEventDetail, OfferResponse, Placement, PublicOffer } from './types';

/** The lifecycle's phases: IDLE → ARMED → (MEASURING →) SHOWN → CLOSED (visitor-offer.ts). */
export const IDLE = 0;
export const ARMED = 1;
export const MEASURING = 2;
export const SHOWN = 3;
export const CLOSED = 4;

export abstract class OfferElement extends HTMLElement implements OfferView {
  // The visitor's actions, in visitor-offer.ts.
  abstract close_(): void;
  abstract dismiss_(): void;
  abstract onKey_(e: KeyboardEvent): void;
  abstract copy_(e: Event): Promise<void>;
  abstract submit_(e: SubmitEvent): Promise<void>;
  abstract follow_(): void;

  protected phase_ = IDLE;
  now_ = 0;
  copied_ = false;
  /** Lead form: '' | invalid | busy | done | bad (400) | error (anything else). */
  lead_ = '';
  viewers_ = 0;
  protected readonly root_ = this.attachShadow({ mode: 'open' });
  /** The shown offer's bindings (null: nothing shown). */
  protected view_: Builder | null = null;
  /** The polite live region, from ARMED on: a region inserted together with its text is not announced. */
  protected sr_: HTMLElement | null = null;
  protected decision_: OfferResponse | null = null;
  /** An inline offer whose place stayed in view too long: shown as a slide-in. */
  protected float_ = false;
  until_: number | null = null;
  protected secondsLeft_ = Infinity;
  /** Where focus goes back to when the offer closes: where it was before the modal opened, or before it moved into the offer. */
  protected back_: Element | null = null;
  protected stops_: Cancel[] = [];
  protected ticking_: Cancel | undefined;
  protected run_ = 0;

  constructor() {
    super();
    adopt(this.root_, styles + themeStyles);
    // Focus arriving from the page (a composed event: relatedTarget is the page's element).
    this.addEventListener('focusin', (e) => {
      const from = e.relatedTarget;
      if (from instanceof Element && !this.contains(from) && from !== this && !from.hasAttribute('data-visitor-offer-skip')) this.back_ = from;
    });
  }

  protected stop_(): void {
    for (const stop of this.stops_.splice(0)) stop();
  }

  protected get api_(): string {
    return apiOf({ endpoint: this.getAttribute('endpoint') });
  }

  protected get offer_(): PublicOffer | null {
    return this.decision_?.offer ?? null;
  }

  /** The placement asked for (attribute, else decision). */
  protected get wanted_(): Placement | undefined {
    return wanted(this.getAttribute('placement'), this.offer_?.placement);
  }

  /** Where it shows: inline floats as a slide-in on the drop-in element, or when its place could not take it. */
  protected get where_(): Placement | undefined {
    const p = this.wanted_;
    return p === 'inline' && (this.float_ || shared.dropIn === this) ? 'slide-in' : p;
  }

  /** In the page's flow: inline, or a bar in `push` mode (until it floats). */
  get inFlow_(): boolean {
    const p = this.where_;
    return p === 'inline' || (p === 'bar' && this.hasAttribute('push') && !this.float_);
  }

  protected log_(...what: unknown[]): void {
    if (this.hasAttribute('debug')) console.debug('[visitor-offer]', ...what);
  }

  protected detail_(): OfferEventDetail {
    const e = this.decision_?.experiment;
    return { offerId: this.offer_?.id ?? null, experiment: e?.id ?? null, variant: e?.variant ?? null, ...(shared.preview && { preview: true as const }) };
  }

  /** Sends `type` to /events (unless null) and dispatches `visitor-offer-<name>`. */
  protected report_(type: EventType | null, name: string): void {
    const detail = this.detail_();
    if (type) track(this.api_, type, detail.offerId, this.decision_?.token);
    this.dispatchEvent(new CustomEvent(`visitor-offer-${name}`, { bubbles: true, composed: true, detail }));
  }

  label_(): string {
    return this.querySelector('[slot=headline]')?.textContent?.trim() || (this.offer_?.headline ?? '');
  }

  leadError_(): string {
    const s = this.offer_?.strings;
    return say(s, this.lead_ === 'invalid' ? 'emailInvalid' : this.lead_ === 'bad' ? 'leadBad' : 'leadError');
  }

  /** Sets the polite live region's text (unchanged text is not set again: it would be announced again). */
  protected say_(text: string): void {
    if (this.sr_ && this.sr_.textContent !== text) this.sr_.textContent = text;
  }

  /**
   * Enters `phase` and builds what it shows: from ARMED on the live region; measuring, the offer in
   * an absolutely positioned box; shown, the offer in a new static one (changing an existing box's
   * position would switch off the browser's scroll anchoring for this insertion).
   */
  protected render_(phase: number): void {
    this.phase_ = phase;
    this.view_ = null;
    if (phase === IDLE || phase === CLOSED) return void (this.root_.replaceChildren(), (this.sr_ = null));
    const o = this.offer_;
    const where = this.where_;
    if (!o || !where) return; // an experiment's control: nothing at all
    const sr = (this.sr_ ??= builder().h('div', { class: 'sr', 'aria-live': 'polite' }));
    // The live region stays in place: all before it goes, the new view goes before it.
    while (sr.previousSibling) sr.previousSibling.remove();
    if (sr.parentNode !== this.root_) this.root_.append(sr);
    if (phase === ARMED) return;
    const b = (this.view_ = builder());
    const shown = view(b, this, o, where);
    sr.before(phase === MEASURING ? b.h('div', { class: 'm' }, shown) : shown);
  }
}
