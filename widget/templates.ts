// What an offer looks like: its DOM per placement (modal dialog, or a card as inline, bar or
// slide-in) and per kind (coupon code, urgency countdown, lead magnet form), built once per
// display by dom.ts's builder. Functions read the element's state; the parts that change later
// are functions of it (re-read on update); handlers call the element's methods.
import type { Builder, Child } from './dom';
import { clock } from './countdown';
import { icon } from './icons';
import { shared } from './shared';
import { say } from './strings';
import type { LeadMagnetOffer, Placement, PublicCouponOffer, PublicOffer, PublicUrgencyOffer } from './types';

/** A child, or a function of the element's state that is re-read on every update. */
type Part = Child | (() => Child);

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

export function view(b: Builder, v: OfferView, o: PublicOffer, where: Placement): HTMLElement {
  const { h } = b;
  const onKey = (e: Event): void => v.onKey_(e as KeyboardEvent);
  const content: Part[] = [
    h('div', { class: 'hd' }, visual(b, o), h('div', null, badge(b, o), h('h2', { id: 'h', part: 'headline' }, h('slot', { name: 'headline' }, o.headline)))),
    h('div', { part: 'body' }, h('slot', { name: 'body' }, h('p', null, o.body))),
    ...kind(b, v, o),
    h('button', { class: 'x', part: 'close', 'aria-label': say(o.strings, 'close'), '@click': () => v.close_() }, '✕'),
  ];
  if (where === 'modal') {
    return h('dialog', { part: 'container', class: `c ${o.kind}`, 'aria-labelledby': 'h', '@close': () => v.dismiss_(), '@keydown': onKey }, ...content);
  }
  const cls = `c ${where}${where === 'bar' && v.inFlow_ ? ' push' : ''} ${o.kind}`;
  return h('div', { part: 'container', class: cls, tabindex: '-1', role: 'region', 'aria-label': v.label_(), '@keydown': onKey }, ...content);
}

/** The offer's own image over the kind's icon (which shows if the image fails to load), in a fixed box. */
function visual(b: Builder, o: PublicOffer): HTMLElement {
  const img = o.image && b.h('img', { part: 'image', src: o.image, alt: '', width: 44, height: 44, '@error': (e) => (e.target as Element).remove() });
  return b.h('div', { class: 'v', part: 'visual' }, icon(b, o.kind), img);
}

function badge({ h }: Builder, o: PublicOffer): Child {
  const text = o.kind === 'coupon' ? o.discountLabel : o.kind === 'lead_magnet' ? o.assetName : '';
  return text && h('p', { class: 'e' }, text);
}

function kind(b: Builder, v: OfferView, o: PublicOffer): Part[] {
  const { h } = b;
  if (o.kind === 'lead_magnet') return [form(b, v, o)];
  if (o.kind === 'urgency') {
    const live = h('p', { class: 't live' }, () => say(o.strings, 'viewing', { n: v.viewers_ }));
    return [timer(b, v, o, 'endsIn'), () => v.viewers_ > 1 && live, cta(b, v, o)];
  }
  const copy = h('button', { class: 'b', part: 'button', '@click': (e) => v.copy_(e) }, () => (v.copied_ ? `${say(o.strings, 'copied')} ✓` : say(o.strings, 'copyCode')));
  return [h('div', { class: 'row k' }, h('code', { part: 'code' }, o.code), copy), cta(b, v, o), timer(b, v, o, 'codeExpiresIn')];
}

// The server accepts only these (offers schema); checked again here, as any link the page gets.
const LINK = /^(https?:\/\/|\/(?![/\\]))/i;

function cta({ h }: Builder, v: OfferView, o: PublicCouponOffer | PublicUrgencyOffer): Child {
  const c = o.cta;
  return c && LINK.test(c.url) && h('a', { class: 'b cta', part: 'cta', href: c.url, '@click': () => v.follow_() }, c.label);
}

/** The countdown while it runs (its time re-read every update), then the ended line; nothing without a deadline. */
function timer({ h }: Builder, v: OfferView, o: PublicOffer, label: 'endsIn' | 'codeExpiresIn'): () => Child {
  const left = (): number => (v.until_ as number) - v.now_;
  const running = h('p', { class: 't', role: 'timer' }, `${say(o.strings, label)} `, h('strong', null, () => clock(left())));
  const ended = h('p', { class: 't' }, `${say(o.strings, 'ended')}.`);
  return () => v.until_ !== null && (left() > 0 ? running : ended);
}

function form(b: Builder, v: OfferView, o: LeadMagnetOffer): () => Child {
  const { h } = b;
  const s = o.strings;
  const busy = (): boolean => v.lead_ === 'busy';
  // invalid: our own check refused it; bad: the server did (400); error: anything else
  const wrong = (): boolean => v.lead_ === 'invalid' || v.lead_ === 'bad';
  const error = (): boolean => wrong() || v.lead_ === 'error';
  const message = h('p', { class: 'err', id: 'err' }, () => v.leadError_());
  const input = h('input', { id: 'e', name: 'email', type: 'email', required: '', autocomplete: 'email', placeholder: say(s, 'emailPlaceholder'), 'aria-invalid': wrong, 'aria-describedby': () => (error() ? 'err' : null) });
  const fields = h(
    'form',
    { novalidate: '', '@submit': (e) => v.submit_(e as SubmitEvent), 'aria-busy': busy },
    h('label', { for: 'e' }, say(s, 'emailLabel')),
    h('div', { class: 'row' }, input, h('button', { class: 'b', part: 'button', 'aria-disabled': busy }, () => (busy() ? say(s, 'sending') : o.buttonLabel))),
    () => error() && message,
    h('p', { class: 'fine' }, o.consentText),
  );
  // The success state: a check, the thanks, the asset's name and what happens next.
  let done: HTMLElement | undefined;
  const success = (): HTMLElement =>
    (done ??= h('div', { class: 'ok', part: 'success' }, h('div', { class: 'v' }, icon(b, 'done')), h('p', null, h('strong', null, say(s, 'leadDone')), `${shared.preview ? `${say(s, 'previewNotSent')} ` : ''}${say(s, 'leadNext', { asset: o.assetName })}`)));
  return () => (v.lead_ === 'done' ? success() : fields);
}
