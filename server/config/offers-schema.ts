// The offers file's schema: offers, ordered rules, experiments, thresholds and segment offers.
// The same schema checks an offers file, the router's options and `parseOffers()`, and is written
// out as offers.schema.json for editors. Marketer-friendly shorthands are part of the input
// language and normalised by offers-normalise.ts: a single string where a list is expected, a
// trigger written as "immediate", `"$comment"` keys in every object.
import { z } from 'zod';
import { UI_STRING_KEYS, UI_STRING_MAX } from '../offers/ui-strings.js';
import { unknownKeysMessage } from './messages.js';

export const SEGMENTS = ['low', 'average', 'high', 'customer', 'unknown'] as const;
export const PLACEMENTS = ['inline', 'bar', 'slide-in', 'modal'] as const;

export const TEXT_LIMITS = {
  headline: 120,
  body: 600,
  discountLabel: 40,
  assetName: 120,
  buttonLabel: 40,
  consentText: 600,
  ctaLabel: 40,
} as const;

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const ID_RULE = 'of a-z, 0-9, _ and - (1 to 64, starting with a letter or digit)';
const offerId = z.string().regex(ID, 'expected an offer id of a-z, 0-9, _ and -');
const ruleId = z.string().regex(ID, `expected a rule id ${ID_RULE}`);
const experimentId = z.string().regex(ID, `expected an experiment id ${ID_RULE}`);
const variantId = z.string().regex(ID, `expected a variant id ${ID_RULE}`);

const comment = z.union([z.string(), z.array(z.string())]).optional().describe('A note for people; ignored.');

/** A strict object that also allows a `$comment`, and names the closest known key for a typo. */
export function obj<S extends z.ZodRawShape>(shape: S) {
  const full = { ...shape, $comment: comment };
  const known = Object.keys(full);
  return z.strictObject(full, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? unknownKeysMessage(iss.keys, known) : undefined),
  });
}

/** A list of at least one item; a single value is accepted as a list of one. */
function list<T extends z.ZodType>(item: T) {
  return z.union([item, z.array(item).min(1)]).transform((v): z.output<T>[] => (Array.isArray(v) ? v : [v]));
}

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const minutes = z.number().int().min(1).max(10_080);

const triggerObject = z.discriminatedUnion('type', [
  obj({ type: z.literal('immediate') }),
  obj({ type: z.literal('delay'), seconds: z.number().min(0).max(600) }),
  obj({ type: z.literal('scroll'), percent: z.number().min(1).max(100) }),
  obj({ type: z.literal('exit-intent') }),
]);
// A string is the type alone ("immediate"); it is checked as that object, so "delay" without
// seconds reads `trigger.seconds: is required`.
const triggerShorthand = z
  .string()
  .meta({ enum: ['immediate', 'exit-intent'] })
  .transform((type) => ({ type }))
  .pipe(triggerObject);
export const triggerSchema = z
  .union([triggerShorthand, triggerObject])
  .describe('When the offer shows: "immediate", "exit-intent", {"type":"delay","seconds":5} or {"type":"scroll","percent":50}.');

// Same origin only: a path ("/img/guide.png") or a relative one ("img/guide.png"); never a scheme,
// a protocol-relative "//host", a backslash or whitespace. A strict CSP (img-src 'self') allows it,
// and no third party learns who saw the offer.
const imagePath = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(1024)
  .refine(
    (p) => !/^[a-z][a-z0-9+.-]*:/i.test(p) && !p.startsWith('//') && !/[\\\s]/.test(p),
    'expected an image on your own site: a path like "/images/guide.png" (no http://, no //host)',
  );
const uiStrings = obj(Object.fromEntries(UI_STRING_KEYS.map((k) => [k, text(UI_STRING_MAX).optional()])) as Record<(typeof UI_STRING_KEYS)[number], z.ZodOptional<ReturnType<typeof text>>>);
/** http(s), or a path on the site itself ("/pricing", not "//other.site"): nothing else is a link the widget follows. */
const ctaUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((u) => /^https?:\/\/[^\s/?#]+[^\s]*$/i.test(u) || /^\/(?![/\\])[^\s]*$/.test(u), 'expected an http(s) URL or a path on this site starting with "/", like "/checkout?coupon={code}"');
const cta = obj({ label: text(TEXT_LIMITS.ctaLabel), url: ctaUrl })
  .optional()
  .describe('A call to action: {"label":"Start free trial","url":"/signup"}; a coupon\'s url may carry {code}, replaced by the visitor\'s code.');

const offerBase = {
  id: offerId.describe('Unique id, named by rules and experiments and sent in events.'),
  placement: z.enum(PLACEMENTS).optional().describe('Default: coupon slide-in, urgency bar, lead magnet inline.'),
  trigger: triggerSchema.optional(),
  headline: text(TEXT_LIMITS.headline),
  body: text(TEXT_LIMITS.body),
  image: imagePath.optional().describe('A picture served by your own site, shown instead of the kind\'s icon: "/images/guide.png".'),
  strings: uiStrings.optional().describe('The widget\'s own words for this offer, in any language: {"copyCode": "Copier le code"}.'),
};

export const offerSchema = z.discriminatedUnion('kind', [
  obj({
    ...offerBase,
    kind: z.literal('coupon'),
    code: z
      .string()
      .trim()
      .regex(/^[!-~]{1,64}$/, 'expected a code of 1 to 64 visible characters without spaces')
      .nullable()
      .optional()
      .describe('One code for everyone (or use codePool).'),
    codePool: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(1024)
      .nullable()
      .optional()
      .describe('A file of single-use codes, one per line, relative to the offers file.'),
    discountLabel: text(TEXT_LIMITS.discountLabel),
    expiresInMinutes: minutes.nullable().optional().describe("Minutes from the visitor's first exposure until the code expires."),
    cta,
  }),
  obj({
    ...offerBase,
    kind: z.literal('urgency'),
    deadline: z.iso
      .datetime({ offset: true, error: 'expected an ISO date-time with a time zone, like "2026-06-30T23:59:00Z"' })
      .nullable()
      .optional(),
    countdownMinutes: minutes.nullable().optional().describe("A countdown from the visitor's first exposure."),
    showLiveActivity: z.boolean().optional().describe('Show "N people are viewing now".'),
    cta: cta.refine((c) => !c?.url.includes('{code}'), { message: 'only a coupon has a {code} to put in its URL', path: ['url'] }),
  }),
  obj({
    ...offerBase,
    kind: z.literal('lead_magnet'),
    assetName: text(TEXT_LIMITS.assetName),
    buttonLabel: text(TEXT_LIMITS.buttonLabel),
    consentText: text(TEXT_LIMITS.consentText),
  }),
]);

const param = z.string().trim().min(1, 'must not be empty').max(256);
const goalName = z.string().trim().min(1, 'must not be empty').max(64);
const pathGlob = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(512)
  .refine((p) => p.startsWith('/') || p.startsWith('*'), 'expected a path starting with "/", like "/pricing" or "/blog/**"')
  .refine((p) => !/[?#]/.test(p), 'paths are matched without their query: remove "?…" / "#…" (use utm or ref for parameters)');
const referrerGlob = z
  .string()
  .trim()
  .max(512)
  .refine((r) => !r.includes('://'), 'write the referrer without its scheme, like "news.ycombinator.com/**" or "*.google.*"');

export const conditionsSchema = obj({
  segment: list(z.enum(SEGMENTS)).optional(),
  scoreBelow: z.number().min(0).max(100).optional(),
  scoreAbove: z.number().min(0).max(100).optional(),
  confidenceAtLeast: z.number().min(0).max(1).optional(),
  confidenceBelow: z.number().min(0).max(1).optional(),
  customer: z.boolean().optional(),
  path: list(pathGlob).optional(),
  utm: obj({
    source: list(param).optional(),
    medium: list(param).optional(),
    campaign: list(param).optional(),
    content: list(param).optional(),
    term: list(param).optional(),
  }).optional(),
  ref: list(param).optional(),
  referrer: list(referrerGlob).optional(),
  country: list(z.string().trim().regex(/^[A-Za-z]{2}$/, 'expected a two-letter country code, like "US"')).optional(),
  device: list(z.string().trim().min(1, 'must not be empty').max(32)).optional(),
  visitCountAtLeast: z.number().int().min(0).optional(),
  visitCountBelow: z.number().int().min(1).optional(),
  goalsCompleted: list(goalName).optional(),
  goalsNotCompleted: list(goalName).optional(),
});

export const ruleSchema = obj({
  id: ruleId,
  when: conditionsSchema.optional().describe('All conditions must hold; a list inside one means any of.'),
  then: obj({ offer: offerId.nullable().optional(), experiment: experimentId.optional() }).describe(
    '{"offer": "<id>"}, {"offer": null} (no offer) or {"experiment": "<id>"}.',
  ),
});

export const experimentSchema = obj({
  id: experimentId,
  seed: z.string().min(1, 'must not be empty').max(128).optional().describe('Hash seed, default the id; changing it reshuffles everyone.'),
  coverage: z.number().min(0).max(1).optional().describe('Share of visitors enrolled, default 1.'),
  status: z.enum(['running', 'stopped']).optional(),
  attributionDays: z
    .number()
    .int()
    .min(1)
    .max(90)
    .optional()
    .describe("Days from a visitor's first exposure in which their conversions and orders count for it, default 7."),
  currency: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 currency code, like "EUR"')
    .optional()
    .describe('Currency of the revenue results, default the one most orders of the experiment were in.'),
  allocation: z
    .enum(['fixed', 'thompson'])
    .optional()
    .describe('"fixed" (default): the weights as given; "thompson": a bandit moves new visitors to the arms doing best (Thompson sampling, recomputed at most every 15 minutes, at least 1 % per arm).'),
  allocationMetric: z
    .enum(['conversion', 'revenue'])
    .optional()
    .describe('What a "thompson" bandit maximises: "conversion" (default) or "revenue" per visitor.'),
  variants: z
    .array(obj({ id: variantId, weight: z.number().min(0), offer: offerId.nullable() }))
    .min(2, 'needs at least 2 variants (a control with "offer": null counts)'),
});

/** The offers file's keys, shared with the router's options (which are these plus settings). */
export const offersShape = {
  thresholds: obj({
    low: z.number().min(0).max(100).optional().describe('Scores below this are segment "low" (default 40).'),
    high: z.number().min(0).max(100).optional().describe('Scores above this are segment "high" (default 60).'),
    minConfidence: z.number().min(0).max(1).optional().describe('Less confident predictions count as none (default 0.5).'),
  }).optional(),
  bySegment: obj({
    low: offerId.nullable().optional(),
    average: offerId.nullable().optional(),
    high: offerId.nullable().optional(),
    customer: offerId.nullable().optional(),
    unknown: offerId.nullable().optional(),
  })
    .optional()
    .describe('The offer id (or null) each segment gets when no rule matches.'),
  offers: z.array(offerSchema).optional(),
  rules: z.array(ruleSchema).optional().describe('Checked top to bottom; the first whose conditions all hold decides.'),
  experiments: z.array(experimentSchema).optional(),
  lang: z
    .record(
      z.string().regex(/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/i, 'expected a language tag, like "de" or "pt-BR"'),
      uiStrings,
    )
    .optional()
    .describe('The widget\'s words by page language ({"de": {"copyCode": "Code kopieren"}}), over the shipped tables (en, fr).'),
  holdout: z
    .number()
    .min(0)
    .max(0.5)
    .optional()
    .describe('Share of visitors who never see any offer (by a hash of their id), to measure what the offers add; default 0.'),
  identifiedVisitors: obj({
    withoutPrediction: z
      .enum(['customer', 'unknown'])
      .optional()
      .describe('Segment of an identified visitor (a profile with a userId) whose prediction is null; DataFast gives customers none (default "customer").'),
    leadMagnets: z.boolean().optional().describe('Whether identified visitors, whose email is known, may get a lead magnet (default false).'),
  })
    .optional()
    .describe('How visitors the analytics tool has identified are treated.'),
};

export const offersFileSchema = obj({ $schema: z.string().optional(), ...offersShape });

/** What an offers file (or the offers part of the options) may hold, before normalisation. */
export type OffersInput = z.input<typeof offersFileSchema>;
export type OffersData = z.output<typeof offersFileSchema>;
export type OfferData = z.output<typeof offerSchema>;
export type RuleData = z.output<typeof ruleSchema>;
export type ExperimentData = z.output<typeof experimentSchema>;
