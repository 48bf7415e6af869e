// <visitor-offer>: fetches the decision (once per page view, shared), waits for the offer's
// trigger and renders it as an inline card, a top bar, a slide-in or a modal dialog.
//
// @attr endpoint      base URL of the API (default: the directory the widget script was loaded from)
// @attr placement     inline | bar | slide-in | modal — overrides the decision's placement
// @attr page          the page path sent to /offer (default: location.pathname + location.search)
// @attr dismiss-days  how long a dismissal is remembered (default 7)
// @attr max-views     how often an offer may be shown per 24 h in this browser (default 5)
// @attr timeout       ms to wait for /offer before giving up and rendering nothing (default 2000)
// @attr debug         logs why nothing is shown, with console.debug
// @slot headline, body — replace the offer's texts
// @csspart container, headline, body, code, button, close
// @event visitor-offer-shown, visitor-offer-click, visitor-offer-dismiss, visitor-offer-lead —
//   bubbling and composed, detail { offerId, experiment, variant } (offerId null for a control),
//   plus `preview: true` on a preview page view (preview.ts), which sends nothing
//
// Lifecycle: IDLE (renders nothing) → ARMED (decision kept, trigger waiting; only an empty,
// invisible live region) → MEASURING (inline only: laid out out of flow, invisible, to learn
// whether it fits the space the page reserved) → SHOWN → CLOSED (nothing again). Any failure
// stays in IDLE.
//
// Members ending in `_` are private: build.mjs shortens their names (esbuild mangleProps), which
// keeps the bundle inside its 12 KB gzip budget. Public attributes/properties have plain names.
import { html, LitElement, nothing, type TemplateResult } from 'lit';
import { getDecision } from './decision';
import { track } from './events';
import { claim, firstTime, release, rememberDismissal, rememberView, suppressed } from './memory';
import { preview } from './preview';
import { whenSeen } from './seen';
import { styles } from './styles';
import { armTrigger, later } from './triggers';
import type { Cancel, EventType, LeadMagnetOffer, OfferEventDetail, OfferResponse, Placement, PublicCouponOffer, PublicOffer } from './types';

const IDLE = 0;
const ARMED = 1;
const MEASURING = 2;
const SHOWN = 3;
const CLOSED = 4;

const PLACEMENTS: readonly unknown[] = ['inline', 'bar', 'slide-in', 'modal'];
const isPlacement = (p: unknown): p is Placement => PLACEMENTS.includes(p);
/** Seconds left at which the countdown is announced (the timer itself is not a live region). */
const MILESTONES = [600, 300, 60];
// Our own check on top of type=email: something@domain.tld, as the server's check wants.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)*\.[^\s@.]{2,}$/;

let defaultEndpoint = '/visitor-offers';
/** The loader sets this from the script's own URL. */
export const setDefaultEndpoint = (endpoint: string): void => {
  defaultEndpoint = endpoint;
};
/** The API base an element uses, or without one the page's default; no trailing slash. */
export const apiOf = (el: VisitorOffer | null): string => (el?.endpoint || defaultEndpoint).replace(/\/+$/, '');

const num = (value: number | null | undefined, fallback: number): number => (Number.isFinite(value) ? (value as number) : fallback);

const two = (n: number): string => String(n).padStart(2, '0');

/** 2d 3h 04m · 1:02:03 · 4:05 */
export function clock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(total / 86_400);
  const h = Math.floor(total / 3600) % 24;
  const m = Math.floor(total / 60) % 60;
  const s = total % 60;
  return d ? `${d}d ${h}h ${two(m)}m` : h ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** When the offer ends, in ms: the server's time, else counted from this first display. */
function deadline(o: PublicOffer, shownAt: number): number | null {
  const [at, minutes] =
    o.kind === 'coupon' ? [o.expiresAt, o.expiresInMinutes] : o.kind === 'urgency' ? [o.endsAt, o.countdownMinutes] : [null, null];
  const t = at ? Date.parse(at) : minutes ? shownAt + minutes * 60_000 : NaN;
  return Number.isFinite(t) ? t : null;
}

/** The focused element, looking through open shadow roots. */
function deepActive(): HTMLElement | null {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a instanceof HTMLElement ? a : null;
}

export class VisitorOffer extends LitElement {
  static override styles = styles;
  static override properties = {
    endpoint: {},
    placement: {},
    page: {},
    dismissDays: { type: Number, attribute: 'dismiss-days' },
    maxViews: { type: Number, attribute: 'max-views' },
    timeout: { type: Number },
    debug: { type: Boolean },
    phase_: { state: true },
    now_: { state: true },
    msg_: { state: true },
    copied_: { state: true },
    lead_: { state: true },
    viewers_: { state: true },
  };

  declare endpoint: string | null;
  declare placement: string | null;
  declare page: string | null;
  declare dismissDays: number | null;
  declare maxViews: number | null;
  declare timeout: number | null;
  declare debug: boolean;
  declare private phase_: number;
  declare private now_: number;
  /** Text of the polite live region. */
  declare private msg_: string;
  declare private copied_: boolean;
  /** Lead form: '' | busy | done | bad (400) | error (anything else). */
  declare private lead_: string;
  declare private viewers_: number;

  private decision_: OfferResponse | null = null;
  private until_: number | null = null;
  private secondsLeft_ = Infinity;
  /** Where focus goes back to when the modal closes. */
  private back_: HTMLElement | null = null;
  private stops_: Cancel[] = [];
  private ticking_: Cancel | undefined;
  private run_ = 0;

  constructor() {
    super();
    this.endpoint = this.placement = this.page = this.dismissDays = this.maxViews = this.timeout = null;
    this.debug = this.copied_ = false;
    this.phase_ = this.now_ = this.viewers_ = 0;
    this.msg_ = this.lead_ = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.start_();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.run_++;
    this.stop_();
    release(this);
  }

  private stop_(): void {
    for (const stop of this.stops_.splice(0)) stop();
  }

  private get api_(): string {
    return apiOf(this);
  }

  private get offer_(): PublicOffer | null {
    return this.decision_?.offer ?? null;
  }

  private get where_(): Placement | undefined {
    return [this.placement, this.offer_?.placement].find(isPlacement);
  }

  private log_(...what: unknown[]): void {
    if (this.debug) console.debug('[visitor-offer]', ...what);
  }

  private async start_(): Promise<void> {
    const run = ++this.run_;
    this.phase_ = IDLE;
    const d = await getDecision(this.api_, this.page || location.pathname + location.search, num(this.timeout, 2000));
    if (run !== this.run_) return;
    this.decision_ = d;
    // An arm without offer (a control) shows nothing, but goes through what its stand-in offer
    // would: the same memory and trigger; its exposure counts once the page was seen from then on.
    const shown = d?.offer;
    const o = shown ?? d?.experiment?.as;
    if (!o) return this.log_('no offer:', d ? d.reason : 'no decision');
    const why = suppressed(o.id, num(this.dismissDays, 7), num(this.maxViews, 5)) ?? (claim(o.id, this) ? null : 'shown by another element');
    if (why || (shown && !this.where_)) return this.log_(o.id, why ?? 'unknown placement');
    this.phase_ = ARMED;
    this.stops_.push(armTrigger(o.trigger, () => (shown ? void this.reveal_(run) : this.seen_(null, o.id))));
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
    if (this.where_ === 'inline') {
      this.phase_ = MEASURING;
      await this.updateComplete;
      const box = this.renderRoot.querySelector('.m');
      // More than the reserved space would push what follows: wait until the host is off screen,
      // where a shift is not seen (below the fold; above it, scroll anchoring keeps the view).
      if (box && box.scrollHeight > this.clientHeight) {
        await new Promise<void>((resolve) => {
          const io = new IntersectionObserver((entries) => entries.some((e) => !e.isIntersecting) && (io.disconnect(), resolve()));
          io.observe(this);
          this.stops_.push(() => io.disconnect());
        });
      }
      if (run !== this.run_) return;
      start(); // a countdown from first display starts now
    }
    this.phase_ = SHOWN;
    rememberView(o.id);
    if (this.until_ !== null) this.ticking_ = this.every_(1000, () => this.tick_());
    await this.updateComplete;
    if (run !== this.run_) return;
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog) {
      this.back_ = deepActive();
      try {
        dialog.showModal(); // moves focus in, makes the page inert, Escape closes
      } catch {
        return;
      }
    } else if (this.where_ !== 'inline') {
      this.msg_ = `Offer: ${this.label_()}`; // bar and slide-in never take focus: announce them once
    }
    this.seen_(dialog ? null : this.renderRoot.querySelector('.c'), o.id);
  }

  private every_(ms: number, fn: () => void): Cancel {
    const id = setInterval(fn, ms);
    const stop = (): void => clearInterval(id);
    this.stops_.push(stop);
    return stop;
  }

  private tick_(): void {
    this.now_ = Date.now();
    const left = Math.ceil(((this.until_ as number) - this.now_) / 1000);
    const passed = MILESTONES.find((m) => this.secondsLeft_ > m && left <= m);
    if (this.secondsLeft_ !== Infinity && passed) this.msg_ = `${passed / 60} minute${passed > 60 ? 's' : ''} left`;
    if (left <= 0) {
      this.msg_ = 'This offer has ended';
      this.ticking_?.();
    }
    this.secondsLeft_ = left;
  }

  private async loadLive_(): Promise<void> {
    try {
      const body: unknown = await (await fetch(`${this.api_}/live`)).json();
      const n = (body as { activeVisitors?: unknown } | null)?.activeVisitors;
      this.viewers_ = typeof n === 'number' ? n : 0;
    } catch {
      // social proof is optional
    }
  }

  private detail_(): OfferEventDetail {
    const e = this.decision_?.experiment;
    return { offerId: this.offer_?.id ?? null, experiment: e?.id ?? null, variant: e?.variant ?? null, ...(preview && { preview }) };
  }

  /** Sends `type` to /events (unless null) and dispatches `visitor-offer-<name>`. */
  private report_(type: EventType | null, name: string): void {
    const detail = this.detail_();
    if (type) track(this.api_, type, detail.offerId, this.decision_?.token);
    this.dispatchEvent(new CustomEvent(`visitor-offer-${name}`, { bubbles: true, composed: true, detail }));
  }

  private label_(): string {
    return this.querySelector('[slot=headline]')?.textContent?.trim() || (this.offer_?.headline ?? '');
  }

  // Event handlers are methods: Lit calls them with `this` = the element.
  private close_(): void {
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog) dialog.close(); // its close event dismisses
    else this.dismiss_();
  }

  private dismiss_(): void {
    if (this.phase_ !== SHOWN) return;
    this.phase_ = CLOSED;
    this.stop_();
    rememberDismissal((this.offer_ as PublicOffer).id);
    this.report_('dismiss', 'dismiss');
    this.back_?.focus(); // set for the modal only: where focus was before it opened
  }

  /** Escape closes (bar and slide-in when focus is inside; the dialog natively too); Tab cycles in the modal. */
  private onKey_(e: KeyboardEvent): void {
    if (e.key === 'Escape') this.close_();
    if (e.key !== 'Tab' || this.where_ !== 'modal') return;
    const all = [...this.renderRoot.querySelectorAll<HTMLElement>('button,input')];
    const [first, last] = e.shiftKey ? [all.at(-1), all[0]] : [all[0], all.at(-1)];
    if (this.shadowRoot?.activeElement === last) {
      e.preventDefault();
      first?.focus();
    }
  }

  private async copy_(e: Event): Promise<void> {
    this.report_('click', 'click');
    const code = this.renderRoot.querySelector('code');
    // The button only ever grows, and each label is a new text node: the label going back to
    // "Copy code" later, with no input near, would otherwise move it and what is around it (a
    // layout shift). CSSOM styles pass a strict CSP.
    const button = e.currentTarget as HTMLElement;
    const pin = (): string => (button.style.minWidth = `${button.getBoundingClientRect().width}px`);
    try {
      await navigator.clipboard.writeText((this.offer_ as PublicCouponOffer).code);
      pin();
      this.copied_ = true;
      this.msg_ = 'Code copied';
      this.stops_.push(
        later(2500, () => {
          pin();
          this.copied_ = false;
          this.msg_ = ''; // so the next copy is announced again
        }),
      );
    } catch {
      // No clipboard (insecure context, denied): select the code so it can be copied by hand.
      if (code) getSelection()?.selectAllChildren(code);
    }
  }

  private async submit_(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const input = this.renderRoot.querySelector('input');
    if (!input || this.lead_ === 'busy') return;
    const email = input.value.trim();
    if (!EMAIL.test(email)) {
      input.setCustomValidity('Please enter a valid email address.');
      input.reportValidity();
      return;
    }
    this.lead_ = 'busy';
    let status = 0;
    try {
      // A preview's form succeeds without sending.
      const res = preview ? { status: 202 } : await fetch(`${this.api_}/leads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, offerId: (this.offer_ as PublicOffer).id, token: this.decision_?.token }),
      });
      status = res.status;
    } catch {
      // network failure: the error state below
    }
    this.lead_ = status === 202 ? 'done' : status === 400 ? 'bad' : 'error';
    this.msg_ = status === 202 ? 'Thank you! Check your inbox.' : this.leadError_();
    if (status === 202) this.report_(null, 'lead'); // the server counts the lead as the conversion
  }

  private leadError_(): string {
    return this.lead_ === 'bad' ? 'Please check your email address.' : 'Something went wrong. Please try again.';
  }

  override render(): TemplateResult | typeof nothing {
    const o = this.offer_;
    const where = this.where_;
    if (!o || !where || this.phase_ === IDLE || this.phase_ === CLOSED) return nothing;
    // One outer template in every phase, so the live region stays the same element from ARMED on:
    // a region inserted together with its text is not announced.
    return html`${this.phase_ === ARMED ? nothing : this.view_(o, where)}<div class="sr" aria-live="polite">${this.msg_}</div>`;
  }

  private view_(o: PublicOffer, where: Placement): TemplateResult {
    const content = html`${this.badge_(o)}<h2 id="h" part="headline"><slot name="headline">${o.headline}</slot></h2>
<div part="body"><slot name="body"><p>${o.body}</p></slot></div>${this.kind_(o)}<button class="x" part="close" aria-label="Close" @click=${this.close_}>✕</button>`;
    if (where === 'modal') {
      return html`<dialog part="container" class="c" aria-labelledby="h" @close=${this.dismiss_} @keydown=${this.onKey_}>${content}</dialog>`;
    }
    const card = html`<div part="container" class="c ${where}" role="region" aria-label=${this.label_()} @keydown=${this.onKey_}>${content}</div>`;
    // Measured in an absolutely positioned box, shown in a new static one: changing an existing
    // box's position would switch off the browser's scroll anchoring for this insertion.
    return this.phase_ === MEASURING ? html`<div class="m">${card}</div>` : card;
  }

  private badge_(o: PublicOffer): TemplateResult | typeof nothing {
    const text = o.kind === 'coupon' ? o.discountLabel : o.kind === 'lead_magnet' ? o.assetName : '';
    return text ? html`<p class="e">${text}</p>` : nothing;
  }

  private kind_(o: PublicOffer): TemplateResult {
    if (o.kind === 'lead_magnet') return this.form_(o);
    if (o.kind === 'urgency') {
      return html`${this.timer_('Ends in')}${this.viewers_ > 1 ? html`<p class="t live">${this.viewers_} people are viewing now</p>` : nothing}`;
    }
    return html`<div class="row k"><code part="code">${o.code}</code><button class="b" part="button" @click=${this.copy_}>${this.copied_ ? html`Copied ✓` : html`Copy code`}</button></div>${this.timer_('Code expires in')}`;
  }

  private timer_(label: string): TemplateResult | typeof nothing {
    if (this.until_ === null) return nothing;
    const left = this.until_ - this.now_;
    return left > 0 ? html`<p class="t" role="timer">${label} <strong>${clock(left)}</strong></p>` : html`<p class="t">This offer has ended.</p>`;
  }

  private form_(o: LeadMagnetOffer): TemplateResult {
    if (this.lead_ === 'done') return html`<p class="t">${preview ? 'Preview — not sent. ' : ''}Thank you! ${o.assetName} is on its way: check your inbox.</p>`;
    const busy = this.lead_ === 'busy';
    const error = this.lead_ === 'bad' || this.lead_ === 'error';
    return html`<form @submit=${this.submit_} aria-busy=${busy}><label for="e">Email address</label>
<div class="row"><input id="e" name="email" type="email" required autocomplete="email" placeholder="you@example.com" aria-invalid=${this.lead_ === 'bad'} aria-describedby=${error ? 'err' : nothing} @input=${(e: Event) => (e.target as HTMLInputElement).setCustomValidity('')}><button class="b" part="button" aria-disabled=${busy}>${busy ? 'Sending…' : o.buttonLabel}</button></div>
${error ? html`<p class="err" id="err">${this.leadError_()}</p>` : nothing}<p class="fine">${o.consentText}</p></form>`;
  }
}
