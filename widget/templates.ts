// What an offer looks like: the Lit templates per placement (modal dialog, or a card as inline,
// bar or slide-in) and per kind (coupon code, urgency countdown, lead magnet form). Pure functions
// of the element's state; event handlers are the element's methods (Lit calls them with `this` =
// the element).
import { html, nothing, type TemplateResult } from 'lit/html.js';
import { clock } from './countdown';
import { icon } from './icons';
import { shared } from './shared';
import { say } from './strings';
import type { LeadMagnetOffer, Placement, PublicCouponOffer, PublicOffer, PublicUrgencyOffer } from './types';

/** What the templates read from <visitor-offer>. */
export interface OfferView {
  now_: number;
  until_: number | null;
  copied_: boolean;
  /** Lead form: '' | invalid (our check) | busy | done | bad (400) | error (anything else). */
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
  const content = html`<div class="hd">${visual(o)}<div>${badge(o)}<h2 id="h" part="headline"><slot name="headline">${o.headline}</slot></h2></div></div><div part="body"><slot name="body"><p>${o.body}</p></slot></div>${kind(v, o)}<button class="x" part="close" aria-label=${say(o.strings, 'close')} @click=${v.close_}>✕</button>`;
  if (where === 'modal') {
    return html`<dialog part="container" class="c ${o.kind}" aria-labelledby="h" @close=${v.dismiss_} @keydown=${v.onKey_}>${content}</dialog>`;
  }
  return html`<div part="container" class="c ${where}${where === 'bar' && v.inFlow_ ? ' push' : ''} ${o.kind}" tabindex="-1" role="region" aria-label=${v.label_()} @keydown=${v.onKey_}>${content}</div>`;
}

/** The offer's own image over the kind's icon (which shows if the image fails to load), in a fixed box. */
function visual(o: PublicOffer): TemplateResult {
  return html`<div class="v" part="visual">${icon(o.kind)}${o.image ? html`<img part="image" src=${o.image} alt="" width="44" height="44" @error=${(e: Event) => (e.target as Element).remove()}>` : nothing}</div>`;
}

function badge(o: PublicOffer): TemplateResult | typeof nothing {
  const text = o.kind === 'coupon' ? o.discountLabel : o.kind === 'lead_magnet' ? o.assetName : '';
  return text ? html`<p class="e">${text}</p>` : nothing;
}

function kind(v: OfferView, o: PublicOffer): TemplateResult {
  if (o.kind === 'lead_magnet') return form(v, o);
  if (o.kind === 'urgency') {
    return html`${timer(v, o, 'endsIn')}${v.viewers_ > 1 ? html`<p class="t live">${say(o.strings, 'viewing', { n: v.viewers_ })}</p>` : nothing}${cta(v, o)}`;
  }
  return html`<div class="row k"><code part="code">${o.code}</code><button class="b" part="button" @click=${v.copy_}>${v.copied_ ? html`${say(o.strings, 'copied')} ✓` : html`${say(o.strings, 'copyCode')}`}</button></div>${cta(v, o)}${timer(v, o, 'codeExpiresIn')}`;
}

// The server accepts only these (offers schema); checked again here, as any link the page gets.
const LINK = /^(https?:\/\/|\/(?![/\\]))/i;

function cta(v: OfferView, o: PublicCouponOffer | PublicUrgencyOffer): TemplateResult | typeof nothing {
  const c = o.cta;
  return c && LINK.test(c.url) ? html`<a class="b cta" part="cta" href=${c.url} @click=${v.follow_}>${c.label}</a>` : nothing;
}

function timer(v: OfferView, o: PublicOffer, label: 'endsIn' | 'codeExpiresIn'): TemplateResult | typeof nothing {
  if (v.until_ === null) return nothing;
  const left = v.until_ - v.now_;
  return left > 0 ? html`<p class="t" role="timer">${say(o.strings, label)} <strong>${clock(left)}</strong></p>` : html`<p class="t">${say(o.strings, 'ended')}.</p>`;
}

function form(v: OfferView, o: LeadMagnetOffer): TemplateResult {
  const s = o.strings;
  if (v.lead_ === 'done') {
    // The success state: a check, the thanks, the asset's name and what happens next.
    return html`<div class="ok" part="success"><div class="v">${icon('done')}</div><p><strong>${say(s, 'leadDone')}</strong>${shared.preview ? `${say(s, 'previewNotSent')} ` : ''}${say(s, 'leadNext', { asset: o.assetName })}</p></div>`;
  }
  const busy = v.lead_ === 'busy';
  // invalid: our own check refused it; bad: the server did (400); error: anything else
  const wrong = v.lead_ === 'invalid' || v.lead_ === 'bad';
  const error = wrong || v.lead_ === 'error';
  return html`<form novalidate @submit=${v.submit_} aria-busy=${busy}><label for="e">${say(s, 'emailLabel')}</label><div class="row"><input id="e" name="email" type="email" required autocomplete="email" placeholder=${say(s, 'emailPlaceholder')} aria-invalid=${wrong} aria-describedby=${error ? 'err' : nothing}><button class="b" part="button" aria-disabled=${busy}>${busy ? say(s, 'sending') : o.buttonLabel}</button></div>${error ? html`<p class="err" id="err">${v.leadError_()}</p>` : nothing}<p class="fine">${o.consentText}</p></form>`;
}
