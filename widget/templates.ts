// What an offer looks like: the Lit templates per placement (modal dialog, or a card as inline,
// bar or slide-in) and per kind (coupon code, urgency countdown, lead magnet form). Pure functions
// of the element's state; event handlers are the element's methods (Lit calls them with `this` =
// the element).
import { html, nothing, type TemplateResult } from 'lit/html.js';
import { clock } from './countdown';
import { shared } from './shared';
import type { LeadMagnetOffer, Placement, PublicCouponOffer, PublicOffer, PublicUrgencyOffer } from './types';

/** What the templates read from <visitor-offer>. */
export interface OfferView {
  now_: number;
  until_: number | null;
  copied_: boolean;
  /** Lead form: '' | busy | done | bad (400) | error (anything else). */
  lead_: string;
  viewers_: number;
  label_(): string;
  leadError_(): string;
  close_(): void;
  dismiss_(): void;
  onKey_(e: KeyboardEvent): void;
  copy_(e: Event): Promise<void>;
  submit_(e: SubmitEvent): Promise<void>;
  /** In the page's flow (inline, or a push bar). */
  inFlow_: boolean;
  /** The call to action was followed. */
  follow_(): void;
}

export function view(v: OfferView, o: PublicOffer, where: Placement): TemplateResult {
  const content = html`${badge(o)}<h2 id="h" part="headline"><slot name="headline">${o.headline}</slot></h2><div part="body"><slot name="body"><p>${o.body}</p></slot></div>${kind(v, o)}<button class="x" part="close" aria-label="Close" @click=${v.close_}>✕</button>`;
  if (where === 'modal') {
    return html`<dialog part="container" class="c" aria-labelledby="h" @close=${v.dismiss_} @keydown=${v.onKey_}>${content}</dialog>`;
  }
  return html`<div part="container" class="c ${where}${where === 'bar' && v.inFlow_ ? ' push' : ''}" role="region" aria-label=${v.label_()} @keydown=${v.onKey_}>${content}</div>`;
}

function badge(o: PublicOffer): TemplateResult | typeof nothing {
  const text = o.kind === 'coupon' ? o.discountLabel : o.kind === 'lead_magnet' ? o.assetName : '';
  return text ? html`<p class="e">${text}</p>` : nothing;
}

function kind(v: OfferView, o: PublicOffer): TemplateResult {
  if (o.kind === 'lead_magnet') return form(v, o);
  if (o.kind === 'urgency') {
    return html`${timer(v, 'Ends in')}${v.viewers_ > 1 ? html`<p class="t live">${v.viewers_} people are viewing now</p>` : nothing}${cta(v, o)}`;
  }
  return html`<div class="row k"><code part="code">${o.code}</code><button class="b" part="button" @click=${v.copy_}>${v.copied_ ? html`Copied ✓` : html`Copy code`}</button></div>${cta(v, o)}${timer(v, 'Code expires in')}`;
}

// The server accepts only these (offers schema); checked again here, as any link the page gets.
const LINK = /^(https?:\/\/|\/(?![/\\]))/i;

function cta(v: OfferView, o: PublicCouponOffer | PublicUrgencyOffer): TemplateResult | typeof nothing {
  const c = o.cta;
  return c && LINK.test(c.url) ? html`<a class="b cta" part="cta" href=${c.url} @click=${v.follow_}>${c.label}</a>` : nothing;
}

function timer(v: OfferView, label: string): TemplateResult | typeof nothing {
  if (v.until_ === null) return nothing;
  const left = v.until_ - v.now_;
  return left > 0 ? html`<p class="t" role="timer">${label} <strong>${clock(left)}</strong></p>` : html`<p class="t">This offer has ended.</p>`;
}

function form(v: OfferView, o: LeadMagnetOffer): TemplateResult {
  if (v.lead_ === 'done') return html`<p class="t">${shared.preview ? 'Preview — not sent. ' : ''}Thank you! ${o.assetName} is on its way: check your inbox.</p>`;
  const busy = v.lead_ === 'busy';
  const error = v.lead_ === 'bad' || v.lead_ === 'error';
  return html`<form @submit=${v.submit_} aria-busy=${busy}><label for="e">Email address</label><div class="row"><input id="e" name="email" type="email" required autocomplete="email" placeholder="you@example.com" aria-invalid=${v.lead_ === 'bad'} aria-describedby=${error ? 'err' : nothing} @input=${(e: Event) => (e.target as HTMLInputElement).setCustomValidity('')}><button class="b" part="button" aria-disabled=${busy}>${busy ? 'Sending…' : o.buttonLabel}</button></div>${error ? html`<p class="err" id="err">${v.leadError_()}</p>` : nothing}<p class="fine">${o.consentText}</p></form>`;
}
