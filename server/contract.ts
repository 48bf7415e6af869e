// The shapes that cross the browser/server boundary, in one place both sides import: the
// decision `GET /offer` answers with, and the bodies the widget (and a site's backend) POST. The
// widget imports types only, so none of this code reaches the browser bundle.
import { z } from 'zod';
import type { Decision } from './decision/decide.js';
import type { PublicOffer } from './decision/offer.js';
import type { Segment } from './decision/segment.js';
import { readPostMetricId, readVisitorId, type VisitorIdResult } from './visitor-id.js';

import type { Trigger } from './decision/offer.js';
/** The `reason` of a decision made without a visitor record (`upstream-budget`, `upstream-unavailable`, `bot` …); else `rule:<id>`, `holdout`, a preview's. */
export type { NoVisitorReason } from './decision/decide.js';
export type { Cta, LeadMagnetOffer, Placement, PublicCouponOffer, PublicOffer, PublicUrgencyOffer, Trigger } from './decision/offer.js';

/** The experiment arm a visitor is in, as `GET /offer` tells the browser. */
export interface OfferExperiment {
  id: string;
  variant: string;
  /**
   * Only when the answer has no offer (a control, or an arm whose offer was withdrawn for this
   * visitor): the offer the arm stands in for (a withdrawn arm's own; a control's: the experiment's
   * first arm with an offer), as its id and trigger only, nothing it would show. The widget runs
   * that trigger and the id's dismissal and view-cap memory exactly as for the offer, and reports
   * the exposure when the offer would have appeared, so every arm is exposed at the same moment.
   */
  as?: { id: string; trigger: Trigger };
}

/** `GET /offer`: the decision, with the offer made this visitor's own. */
export interface OfferResponse extends Omit<Decision, 'offer' | 'experiment'> {
  /** The offer to show, made this visitor's own (their coupon code, their deadline), or null. */
  offer: PublicOffer | null;
  /** The experiment and arm the visitor is in, or null. */
  experiment: OfferExperiment | null;
  /**
   * The decision signed by the server (visitor, offer, experiment, variant, time; valid 24 h),
   * opaque to the browser, which sends it back with its events and leads. Present whenever there
   * is an offer or an experiment, unless the server cannot sign yet (its generated secret is in
   * the store, which is still opening): events and leads are then refused, as nothing could be
   * recorded anyway.
   */
  token?: string;
  /** Present (true) only on an honoured preview: show it, send no events, remember nothing. */
  preview?: true;
}

/**
 * A preview link's page URL parameters: `visitor-offers-preview=<offer id>` (or `segment:<segment>`)
 * and `visitor-offers-token=<token>`.
 */
export type PreviewPageParam = 'visitor-offers-preview' | 'visitor-offers-token';

/**
 * `GET /offer?path=…&visitor-offers-preview=<target>&visitor-offers-token=<token>`: the widget
 * passes the page's two parameters on as they are. Read only when `visitor-offers-preview` is present.
 */
export type OfferPreviewQuery = Record<PreviewPageParam, string>;

/**
 * `reason` of a preview's answer: `preview` when honoured; refused: `preview-invalid` (malformed,
 * or not signed with this server's key), `preview-expired`, `preview-other-target` (a token for
 * another offer or segment), `preview-disabled` (no admin token configured), `preview-unknown-offer`.
 */
export type PreviewReason = 'preview' | 'preview-invalid' | 'preview-expired' | 'preview-other-target' | 'preview-disabled' | 'preview-unknown-offer';

/** `POST /preview-links` (admin): a link to preview `target` on the page `path` (default `/`). */
export const previewLinkBody = z.strictObject({
  /** `<offer id>`, `offer:<id>` or `segment:<segment>`. */
  target: z.string().min(1).max(80),
  /** A page path on the site, query allowed: `/pricing?utm_source=x`. */
  path: z.string().max(2048).optional(),
  /** How long the link works, 1 to 1440 (24 h); default 60. */
  minutes: z.number().int().min(1).max(1440).optional(),
});
export type PreviewLinkBody = z.input<typeof previewLinkBody>;

/** `POST /preview-links` → 201. `url` is relative to the site (path and query), so it opens on the site's own origin. */
export interface PreviewLinkResponse {
  url: string;
  /** The canonical target: `offer:<id>` or `segment:<segment>`. */
  target: string;
  /** ISO time the link stops working. */
  expiresAt: string;
}

/** `GET /preview-links` (admin): what can be previewed. */
export interface PreviewTargets {
  offers: Array<{ id: string; kind: PublicOffer['kind']; headline: string }>;
  segments: Segment[];
  defaultMinutes: number;
  maxMinutes: number;
}

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected an id of a-z, 0-9, _ and -');

/** The largest order value accepted, in the currency's major unit: above it, a unit mix-up is likelier than a sale. */
export const MAX_ORDER_VALUE = 1_000_000_000;

// An order's fields, shared by the page's conversion event and the backend's POST /conversions.
const orderFields = {
  /**
   * The site's own order or payment id: what makes a conversion idempotent. A safe integer is
   * accepted too (Shopify and WooCommerce number their orders) and kept as its decimal string, so
   * `1001` and `"1001"` are one order.
   */
  orderId: z.union(
    [
      z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(128, 'too long (at most 128 characters)')
        .regex(/^\P{C}+$/u, 'expected printable characters only'),
      z.number().int().transform(String),
    ],
    { error: 'expected a string or a safe integer' },
  ),
  /** In the currency's major unit (49.9 = €49.90). */
  value: z.number().min(0, 'must not be negative').max(MAX_ORDER_VALUE, `too large (at most ${MAX_ORDER_VALUE})`),
  /** ISO 4217, any case (Stripe sends "eur"); stored upper case. */
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'expected a 3-letter ISO 4217 code like EUR')
    .transform((c) => c.toUpperCase()),
};

/** A value needs its currency and an order id; a currency needs a value. */
function checkOrder(o: { value?: number | undefined; currency?: string | undefined; orderId?: string | undefined }, ctx: z.RefinementCtx): void {
  if (o.value !== undefined && o.currency === undefined) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'required with value' });
  if (o.currency !== undefined && o.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'required with currency' });
  // Without an order id, a reloaded thank-you page would count the same money twice.
  if (o.value !== undefined && o.orderId === undefined) ctx.addIssue({ code: 'custom', path: ['orderId'], message: 'required with value' });
}

/** The decision token `GET /offer` answered with, sent back as it came. */
const token = z.string({ error: (iss) => (iss.input === undefined ? 'required: the token GET /offer answered with' : 'expected a string') }).max(400, 'not a decision token');

/**
 * `POST /events` from the widget: `token` is the decision `GET /offer` answered with, and the
 * visitor, offer, experiment and variant are the token's (`offerId` must be the token's offer: null
 * for a control). `orderId`, `value` and `currency` belong to a conversion only. A conversion does
 * not depend on the page's decision (the offer may be gone by the thank-you page: expired, used up,
 * removed): it needs neither `offerId` nor `token` (a token it carries must still be valid and the
 * cookie's), and it counts for every experiment the visitor was exposed to, which only a token
 * could record; the `experiment` and `variant` an older page may still send with it are ignored.
 */
export const eventBody = z
  .strictObject({
    type: z.enum(['exposure', 'click', 'dismiss', 'conversion']),
    /** Null for the exposure of an experiment's control (which shows no offer). */
    offerId: id.nullable().optional(),
    token: token.optional(),
    /** Deprecated, read nowhere: tolerated on a conversion from an older page, refused elsewhere (the token carries them). */
    experiment: id.optional(),
    variant: id.optional(),
    orderId: orderFields.orderId.optional(),
    value: orderFields.value.optional(),
    currency: orderFields.currency.optional(),
  })
  .superRefine((e, ctx) => {
    if (e.type !== 'conversion') {
      if (e.offerId === undefined) ctx.addIssue({ code: 'custom', path: ['offerId'], message: 'required (null for a control)' });
      if (e.token === undefined) ctx.addIssue({ code: 'custom', path: ['token'], message: 'required: the token GET /offer answered with' });
      for (const key of ['experiment', 'variant'] as const) {
        if (e[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'not accepted: the token says which experiment and variant' });
      }
      for (const key of ['orderId', 'value', 'currency'] as const) {
        if (e[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'only for type "conversion"' });
      }
    }
    checkOrder(e, ctx);
  });
export type EventBody = z.output<typeof eventBody>;

/** What the widget sends to `POST /events` for what it showed: the event, the offer (null for a control) and the decision's token. */
export interface OfferEventBody {
  type: 'exposure' | 'click' | 'dismiss';
  offerId: string | null;
  /** Undefined only when the answer had none (the server could not sign yet): the event is then refused. */
  token: string | undefined;
}

/** What `window.visitorOffers.convert()` sends to `POST /events`: the page's order, nothing of its decision. */
export type ConversionEvent = { type: 'conversion' } & Pick<z.input<typeof eventBody>, 'orderId' | 'value' | 'currency'>;

/** `POST /events` → 202: accepted, and queued for DataFast (`forwarded: false` when the queue refused it). */
export interface EventAccepted {
  ok: true;
  forwarded: boolean;
}

/** `POST /events` → 202, or `POST /conversions` → 200: already recorded, so nothing is counted or sent again. */
export interface Duplicate {
  ok: true;
  duplicate: true;
}

/** Every refusal of every route: `field: problem` for a bad body. */
export interface ErrorResponse {
  error: string;
}

/** The body of `POST /conversions` with a visitor id checked by `rule` (and kept as `rule` reads it). */
const conversionBodyOf = (rule: (v: unknown) => VisitorIdResult, expected: string) =>
  z
    .strictObject({
      /** The visitor's analytics cookie, as the backend read it. */
      visitorId: z
        .string()
        .refine((v) => rule(v).kind === 'valid', expected)
        .transform((v) => {
          const id = rule(v);
          return id.kind === 'valid' ? id.id : v;
        }),
      orderId: orderFields.orderId,
      value: orderFields.value.optional(),
      currency: orderFields.currency.optional(),
    })
    .superRefine(checkOrder);

/** `POST /conversions` from the site's backend or payment webhook handler. */
export const conversionBody = conversionBodyOf(readVisitorId, 'expected the datafast_visitor_id cookie (a UUID v4)');
/** The same with PostMetric: its visitor id (1–128 letters, digits, _ and -), as given. */
export const postMetricConversionBody = conversionBodyOf(readPostMetricId, 'expected a PostMetric visitor id (1–128 letters, digits, _ and -)');
export type ConversionBody = z.input<typeof conversionBody>;

/** `POST /conversions` → 201: stored now; `counted`: the experiments whose conversion it raised; `forwarded`: queued for DataFast. */
export interface ConversionCreated {
  ok: true;
  counted: string[];
  forwarded: boolean;
}

/** Every answer of `POST /conversions`: 201, 200 (a duplicate), or a refusal (400, 401, 404, 409, 413, 415, 429, 503). */
export type ConversionResponse = ConversionCreated | Duplicate | ErrorResponse;

// Pragmatic, not RFC 5322: one @, no spaces or controls, a dotted domain of letters, digits, hyphens.
const EMAIL = /^[^\s@<>()[\]\\,;:"\u0000-\u001f\u007f]{1,64}@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]{2,63}$/u;

/**
 * First characters that make a spreadsheet read a cell as a formula (CSV injection once leads are
 * exported). No real address needs one there, so such an email is refused outright.
 */
export const FORMULA_START = /^[=+\-@]/;

/** `POST /leads` from a lead-magnet form: `token` is the decision `GET /offer` answered with, whose offer `offerId` must be. */
export const leadBody = z.strictObject({
  email: z
    .string()
    .trim()
    .refine((e) => !FORMULA_START.test(e), 'must not start with =, +, - or @ (a spreadsheet would run it as a formula)')
    .max(254, 'too long')
    .regex(EMAIL, 'not an email address')
    .transform((e) => {
      const at = e.lastIndexOf('@');
      return e.slice(0, at) + e.slice(at).toLowerCase();
    }),
  offerId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected an offer id'),
  token,
});
export type LeadBody = z.input<typeof leadBody>;

// ---- experiment results (GET /experiments, the dashboard, `visitor-offers results --json`) ----

/** A two-sided interval. */
export interface ResultInterval {
  lower: number;
  upper: number;
}

/** What the sequential test says to do: its interval lies above 0, below 0, or holds 0 (yet). */
export type SequentialDecision = 'treatment-wins' | 'control-wins' | 'keep-running';

/** One metric of a variant against control. */
export interface MetricComparison {
  /** (variant − control) / control; null when control's mean is 0. */
  lift: number | null;
  /** The default: an always-valid (1 − alpha) interval for the lift, valid at every read. */
  liftInterval: ResultInterval | null;
  /** variant − control, in the metric's unit (a rate, or money per visitor). */
  difference: number;
  differenceInterval: ResultInterval;
  /** Always-valid p-value (below alpha exactly when the interval excludes 0). */
  pValue: number;
  decision: SequentialDecision;
  /** Fixed-horizon test (`z-test` for rates, `welch` for revenue): valid when read once, at a sample size set in advance. */
  fixedHorizon: { test: 'z-test' | 'welch'; pValue: number | null; differenceInterval: ResultInterval; liftInterval: ResultInterval | null } | null;
}

export interface VariantResult {
  id: string;
  offer: string | null;
  /** Share of enrolled visitors this variant should get (weights normalised; a bandit's current weight). */
  expectedShare: number;
  isControl: boolean;
  exposures: number;
  /** Exposed visitors who converted within the attribution window. */
  conversions: number;
  conversionRate: number | null;
  /** Orders within the attribution window, in any currency. */
  orders: number;
  /** Revenue within the window in the experiment's result currency. */
  revenue: number;
  revenuePerVisitor: number | null;
  averageOrderValue: number | null;
  /** A bandit's arm: the posterior chance that it is the best on the bandit's metric (what its weight follows, before the 1 % floor); null with fixed weights. */
  chanceToBeBest: number | null;
  /** Null for control, for a bandit's arms, and while there are too few visitors. */
  vsControl: {
    conversionRate: MetricComparison | null;
    revenuePerVisitor: MetricComparison | null;
    /** Bayesian chance that the variant's conversion rate beats control's (Beta(1,1) priors). */
    chanceToBeatControl: number | null;
  } | null;
}

export interface ExperimentResult {
  id: string;
  status: 'running' | 'stopped';
  coverage: number;
  attributionDays: number;
  /** `fixed` weights, or a `thompson` bandit (no tests: its arms' visitors come from different times). */
  allocation: 'fixed' | 'thompson';
  /** What a bandit maximises (`conversion` rate or `revenue` per visitor); null with fixed weights. */
  allocationMetric: 'conversion' | 'revenue' | null;
  /** The method of `liftInterval`, `pValue` and `decision`. */
  method: 'sequential';
  alpha: number;
  /** Currency of the revenue columns: the configured one, else the one most orders were in; null without orders with a value. */
  currency: string | null;
  /** Orders with a value in other currencies, not in the revenue columns. */
  otherCurrencies: Array<{ currency: string; orders: number }>;
  variants: VariantResult[];
  /** Exposures split differently from the weights (p < 0.001): assignment or tracking is broken. Null for a bandit. */
  sampleRatioMismatch: { chiSquare: number; pValue: number; mismatch: boolean } | null;
}

/** The global holdout against everyone else: what the offers add. */
export interface HoldoutResult {
  share: number;
  /** Arms `holdout` (control) and `offers`. */
  result: ExperimentResult;
  /** Conversions and revenue (in `result.currency`) the offers added: (offers' rate − holdout's rate) × offers' visitors. */
  incremental: { conversions: number; revenue: number | null } | null;
}

/** `GET /experiments`. */
export interface ExperimentsResponse {
  experiments: ExperimentResult[];
  holdout: HoldoutResult | null;
}
