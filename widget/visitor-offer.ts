// <visitor-offer>: fetches the decision (once per page view, shared), waits for the offer's
// trigger and shows it as an inline card, a top bar, a slide-in or a modal dialog — the element's
// lifecycle and the visitor's actions; what it holds and shows is offer-element.ts, what it looks
// like templates.ts, where it goes placement.ts.
//
// Attributes (endpoint, placement, accept, push, page, dismiss-days, max-views, timeout, debug, theme),
// slots, parts and the visitor-offer-* events are documented in README.md (Put the widget on your
// pages); the events' detail is { offerId, experiment, variant } (offerId null for a control),
// plus `preview: true` on a preview page view, which sends nothing.
// Defined by render.ts, the rendering chunk the loader (loader.ts) imports when there is an offer.
//
// Lifecycle: IDLE (renders nothing) → ARMED (decision kept, trigger waiting; only an empty,
// invisible live region) → MEASURING (in the flow only — inline, push bar: laid out out of flow,
// invisible, to learn whether it fits the space the page reserved) → SHOWN → CLOSED (nothing
// again). Any failure stays in IDLE.
//
// Members ending in `_` are private to the element (shortened by the build, see offer-element.ts).
import { copyCode, pinWidth } from './copy-code';
import { deadline, milestone } from './countdown';
import { cycleTab, deepActive } from './focus';
import { EMAIL, sendLead } from './lead-form';
import { activeVisitors } from './live';
import { claim, firstTime, release, rememberDismissal, rememberView, suppressed } from './memory';
import { ARMED, CLOSED, IDLE, MEASURING, OfferElement, SHOWN } from './offer-element';
import { declined, FLOAT_MS, overflow, whenOutOfView } from './placement';
import { shared } from './shared';
import { whenSeen } from './seen';
import { addSkipLink } from './skip-link';
import { say } from './strings';
import { armTrigger, later } from './triggers';
import type { Cancel, PublicCouponOffer, PublicOffer } from './types';

/** An attribute as a number, else `fallback`. */
const num = (el: Element, name: string, fallback: number): number => {
  const n = Number(el.getAttribute(name) ?? NaN);
  return Number.isFinite(n) ? n : fallback;
};

/**
 * An offer for this visitor, decided by the server's `/offer`: shown when its trigger fires, as an
 * inline card, a bar, a slide-in or a modal dialog; renders nothing when there is none.
 *
 * Attributes: `endpoint`, `placement` (auto | inline | bar | slide-in | modal), `accept`, `push`,
 * `page`, `dismiss-days`, `max-views`, `timeout`, `debug`, `theme` (README: Put the widget on your pages).
 *
 * @slot headline - replaces the offer's headline
 * @slot body - replaces the offer's body text
 *
 * @event visitor-offer-shown - the offer was really seen (half visible for 1 s); detail `{ offerId, experiment, variant }`
 * @event visitor-offer-click - the coupon code was copied, or the call to action followed
 * @event visitor-offer-dismiss - the offer was closed
 * @event visitor-offer-lead - the lead's email was stored (the detail never carries it)
 *
 * @csspart container - the card, bar or dialog
 * @csspart visual - the icon or image box
 * @csspart image - the offer's own image
 * @csspart headline - the headline
 * @csspart body - the body text
 * @csspart code - the coupon code
 * @csspart button - the copy or submit button
 * @csspart cta - the call to action link
 * @csspart close - the close button
 * @csspart success - the lead's thank-you
 *
 * @cssproperty --visitor-offer-accent - buttons, badge, code, focus ring (default #4338ca)
 * @cssproperty --visitor-offer-accent-fg - text on the accent (default #fff)
 * @cssproperty --visitor-offer-bg - the card's background (default #fff; dark #1f2937)
 * @cssproperty --visitor-offer-fg - the card's text (default #111827; dark #f9fafb)
 * @cssproperty --visitor-offer-radius - corner radius (default 14px)
 * @cssproperty --visitor-offer-font - typeface (default inherit: the page's)
 * @cssproperty --visitor-offer-inline-height - the space an inline slot reserves (default 0px)
 */
export class VisitorOffer extends OfferElement {
  connectedCallback(): void {
    void this.start_();
  }

  disconnectedCallback(): void {
    this.run_++;
    this.stop_();
    release(this);
  }

  private async start_(): Promise<void> {
    const run = ++this.run_;
    this.render_(IDLE);
    const d = await shared.decide(this.api_, this.getAttribute('page') || location.pathname + location.search, num(this, 'timeout', 2000));
    if (run !== this.run_) return;
    this.decision_ = d;
    // An arm without offer (a control) shows nothing, but goes through what its stand-in offer
    // would: the same memory and trigger; its exposure counts once the page was seen from then on.
    const shown = d?.offer;
    const o = shown ?? d?.experiment?.as;
    if (!o) return this.log_('no offer:', d ? d.reason : 'no decision');
    const p = this.wanted_;
    const why =
      (shown && (p ? declined(this, p, shared.dropIn === this) : 'unknown placement')) ||
      suppressed(o.id, num(this, 'dismiss-days', 7), num(this, 'max-views', 5)) ||
      (claim(o.id, this) ? null : 'shown by another element');
    if (why) return this.log_(o.id, why);
    this.log_(o.id, 'waiting for its trigger:', o.trigger.type);
    this.render_(ARMED);
    this.stops_.push(armTrigger(o.trigger, () => (shown ? void this.reveal_(run) : this.seen_(null, o.id)), shared.answered.get(this)));
  }

  /** Reports the exposure once `target` (null: the page) has been seen, once per offer and page view. */
  private seen_(target: Element | null, id: string): void {
    this.stops_.push(whenSeen(target, () => firstTime(id) && this.report_('exposure', 'shown')));
  }

  private async reveal_(run: number): Promise<void> {
    const o = this.offer_ as PublicOffer;
    // All the offer shows is known before it is measured and shown: a countdown or live line
    // added afterwards would move what is already on screen.
    const start = (): void => {
      this.until_ = deadline(o, (this.now_ = Date.now()));
    };
    if (o.kind === 'urgency' && o.showLiveActivity) {
      await Promise.race([this.loadLive_(), new Promise<void>((r) => void later(1000, r))]);
      if (run !== this.run_) return;
      this.every_(30_000, () => document.visibilityState === 'visible' && void this.loadLive_());
    }
    start();
    if (this.inFlow_) {
      this.render_(MEASURING);
      // More than the reserved space would push what follows: shown once that is not seen, or
      // else floated, so that it is seen all the same.
      const over = overflow(this, this.root_.querySelector('.m'));
      if (over) {
        const what = this.where_ === 'bar' ? 'bar (push)' : 'inline';
        this.log_(o.id, `${what}: needs ${over[0]} px, its place has ${over[1]} px; shown when it leaves the view, else floats after ${FLOAT_MS} ms`);
        this.float_ = !(await whenOutOfView(this, FLOAT_MS, this.stops_));
        if (run !== this.run_) return;
        if (this.float_) this.log_(o.id, `${what}: its place stayed in view; shown as a ${this.where_}`);
      }
      start(); // a countdown from first display starts now
    }
    this.render_(SHOWN);
    rememberView(o.id);
    if (this.until_ !== null) this.ticking_ = this.every_(1000, () => this.tick_());
    // Laid out in the page: with the loader's 'visitor-offers:answer', the time an offer takes
    // from /offer's answer to the screen (npm run bench).
    performance.mark('visitor-offers:visible');
    const dialog = this.root_.querySelector('dialog');
    if (dialog) {
      this.back_ = deepActive();
      try {
        dialog.showModal(); // moves focus in, makes the page inert, Escape closes
      } catch {
        return;
      }
    } else if (this.where_ !== 'inline') {
      this.say_(say(o.strings, 'announce', { headline: this.label_() })); // bar and slide-in never take focus: announce them once
      // …and are rendered last in the page: the skip link is its first Tab stop.
      this.stops_.push(
        addSkipLink(say(o.strings, 'skip'), (from) => {
          this.back_ = from;
          this.root_.querySelector<HTMLElement>('.c')?.focus();
        }),
      );
    }
    this.seen_(dialog ? null : this.root_.querySelector('.c'), o.id);
  }

  private every_(ms: number, fn: () => void): Cancel {
    const id = setInterval(fn, ms);
    const stop = (): void => clearInterval(id);
    this.stops_.push(stop);
    return stop;
  }

  private tick_(): void {
    this.now_ = Date.now();
    this.view_?.update();
    const left = Math.ceil(((this.until_ as number) - this.now_) / 1000);
    const s = (this.offer_ as PublicOffer).strings;
    const minutes = milestone(this.secondsLeft_, left);
    if (minutes) this.say_(minutes > 1 ? say(s, 'minutesLeft', { n: minutes }) : say(s, 'minuteLeft'));
    if (left <= 0) {
      this.say_(say(s, 'ended'));
      this.ticking_?.();
    }
    this.secondsLeft_ = left;
  }

  private async loadLive_(): Promise<void> {
    this.viewers_ = await activeVisitors(this.api_);
    this.view_?.update();
  }

  // The visitor's actions (templates.ts calls them).
  close_(): void {
    const dialog = this.root_.querySelector('dialog');
    if (dialog) dialog.close(); // its close event dismisses
    else this.dismiss_();
  }

  dismiss_(): void {
    if (this.phase_ !== SHOWN) return;
    this.phase_ = CLOSED;
    this.stop_();
    rememberDismissal((this.offer_ as PublicOffer).id);
    this.report_('dismiss', 'dismiss');
    // Back where it was before the offer goes (removing the focused close button first would
    // drop focus to <body>, where a screen reader would land for a moment).
    if (this.back_ instanceof HTMLElement || this.back_ instanceof SVGElement) this.back_.focus();
    this.render_(CLOSED);
  }

  /** Escape closes (bar and slide-in when focus is inside; the dialog natively too); Tab cycles in the modal. */
  onKey_(e: KeyboardEvent): void {
    if (e.key === 'Escape') this.close_();
    if (e.key === 'Tab' && this.where_ === 'modal') cycleTab(this.root_, e);
  }

  async copy_(e: Event): Promise<void> {
    this.report_('click', 'click');
    const button = e.currentTarget as HTMLElement;
    if (!(await copyCode((this.offer_ as PublicCouponOffer).code, button, this.root_.querySelector('code')))) return;
    this.copied_ = true;
    this.view_?.update();
    this.say_(say((this.offer_ as PublicOffer).strings, 'codeCopied'));
    this.stops_.push(
      later(2500, () => {
        pinWidth(button);
        this.copied_ = false;
        this.view_?.update();
        this.say_(''); // so the next copy is announced again
      }),
    );
  }

  async submit_(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const input = this.root_.querySelector('input');
    if (!input || this.lead_ === 'busy') return;
    const email = input.value.trim();
    if (!EMAIL.test(email)) {
      // Marked invalid and described by the message (the form is novalidate: no browser bubble).
      this.lead_ = 'invalid';
      this.view_?.update();
      this.say_(this.leadError_());
      input.focus();
      return;
    }
    this.lead_ = 'busy';
    this.view_?.update();
    const status = await sendLead(this.api_, email, (this.offer_ as PublicOffer).id, this.decision_?.token);
    this.lead_ = status === 202 ? 'done' : status === 400 ? 'bad' : 'error';
    const o = this.offer_ as PublicOffer;
    this.view_?.update();
    this.say_(status === 202 ? `${say(o.strings, 'leadDone')} ${say(o.strings, 'leadNext', { asset: o.kind === 'lead_magnet' ? o.assetName : '' })}` : this.leadError_());
    if (status === 202) this.report_(null, 'lead'); // the server counts the lead as the conversion
  }

  follow_(): void {
    this.report_('click', 'click'); // a beacon, sent before the link's navigation starts
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'visitor-offer': VisitorOffer;
  }
}
