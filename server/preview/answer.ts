// `GET /offer` for a preview (the query carries the page's `visitor-offers-preview` and
// `visitor-offers-token`, contract.ts OfferPreviewQuery): the previewed offer,
// checked against its token, made public as a visitor's would be at their first exposure — now —
// but without the store: nothing is recorded, no single-use code is handed out (a pooled coupon
// shows PREVIEW_CODE), no DataFast call, no experiment. Pure: key, offers and clock are inputs.
import type { OfferResponse, PreviewReason } from '../contract.js';
import type { PageFacts, Policy } from '../decision/decide.js';
import type { Offer } from '../decision/offer.js';
import type { Segment } from '../decision/segment.js';
import { publicOffer, type Materialized } from '../offers/public-offer.js';
import type { VisitorOfferFacts } from '../store/store.js';
import { segmentPreview } from './segment-decision.js';
import { parseTarget, targetKey } from './target.js';
import { verifyPreview, type PreviewKey } from './token.js';

/** The code a preview of a pooled coupon shows in place of a single-use one. */
export const PREVIEW_CODE = 'PREVIEW-CODE';

export interface PreviewRequest {
  /** `visitor-offers-preview`: `<offer id>`, `offer:<id>` or `segment:<segment>`. */
  target: unknown;
  /** `visitor-offers-token`. */
  token: unknown;
  page: PageFacts;
  policy: Policy;
  /** Null: this router cannot honour previews (no admin token). */
  key: PreviewKey | null;
  now: number;
}

const REFUSED = {
  'malformed': 'preview-invalid',
  'bad-signature': 'preview-invalid',
  'expired': 'preview-expired',
  'other-target': 'preview-other-target',
} as const satisfies Record<string, PreviewReason>;

export function previewAnswer({ target, token, page, policy, key, now }: PreviewRequest): OfferResponse | Promise<OfferResponse> {
  if (key === null) return refused('preview-disabled');
  const t = typeof target === 'string' ? parseTarget(target) : null;
  if (t === null || typeof token !== 'string') return refused('preview-invalid');
  const verdict = verifyPreview(key, token, targetKey(t), now);
  if (!verdict.ok) return refused(REFUSED[verdict.reason]);

  let offer: Offer | null;
  let segment: Segment = 'unknown';
  if (t.kind === 'offer') {
    offer = policy.offers.get(t.offerId) ?? null;
    if (offer === null) return refused('preview-unknown-offer');
  } else {
    segment = t.segment;
    offer = segmentPreview(policy, segment, page).offer;
  }
  const base = { experiment: null, segment, preview: true } as const;
  if (offer === null) return { ...base, offer: null, reason: 'preview' };
  const respond = (m: Materialized): OfferResponse => (m.offer === null ? { ...base, offer: null, reason: m.reason } : { ...base, offer: m.offer, reason: 'preview' });
  const m = publicOffer(offer, previewFacts(now), now);
  return respond('hold' in m ? m.withCode(PREVIEW_CODE) : m);
}

/** As if this were the visitor's first exposure, now, and their code the placeholder. Writes nothing. */
function previewFacts(now: number): VisitorOfferFacts {
  return { firstExposureAt: now, code: PREVIEW_CODE };
}

function refused(reason: Exclude<PreviewReason, 'preview'>): OfferResponse {
  return { offer: null, experiment: null, segment: 'unknown', reason };
}
