// Turns offers data that passed the schema into the one shape the rest of the server sees, and
// checks what no schema can: ids defined once and named correctly, thresholds in order (with the
// defaults merged in), rules that could match. Pure: no I/O (a pool file is only named here).
//
// - omitted offer fields take defaults (OFFER_DEFAULTS for placement/trigger, null/false otherwise);
// - a trigger shorthand ("immediate") becomes its object; single strings became lists in the schema;
// - `"$comment"` keys are dropped; text is trimmed; countries upper-, devices lowercased;
// - a coupon `codePool` path is resolved against `baseDir` (the offers file's own directory).
import { isAbsolute, resolve } from 'node:path';
import type { SegmentOffers } from '../decision/decide.js';
import { BUILT_IN_OFFERS, type Offer, type OfferKind, type Placement, type Trigger } from '../decision/offer.js';
import type { Rule, RuleAction, RuleConditions } from '../decision/rules.js';
import { DEFAULT_THRESHOLDS, type IdentifiedPolicy, type Thresholds } from '../decision/segment.js';
import { DEFAULT_ATTRIBUTION_DAYS, type Experiment, type Variant } from '../experiments/types.js';
import type { Problem } from './config-error.js';
import type { UiStrings } from '../offers/ui-strings.js';
import { closest } from './messages.js';
import { SEGMENTS, type ExperimentData, type OfferData, type OffersData, type RuleData } from './offers-schema.js';
import { dropUndefined } from './objects.js';

/**
 * Where each kind shows, and when, unless the offer says otherwise:
 * - coupon: a slide-in after 8 s, so the visitor has looked at the page before a discount interrupts
 *   (and it also works on mobile, where exit intent does not);
 * - urgency: a bar, immediately: it is context for the whole visit and does not cover content;
 * - lead_magnet: inline, immediately: it sits where the page places `<visitor-offer>`, in the flow.
 */
export const OFFER_DEFAULTS: Readonly<Record<OfferKind, { placement: Placement; trigger: Trigger }>> = {
  coupon: { placement: 'slide-in', trigger: { type: 'delay', seconds: 8 } },
  urgency: { placement: 'bar', trigger: { type: 'immediate' } },
  lead_magnet: { placement: 'inline', trigger: { type: 'immediate' } },
};

/** The offers file's content, validated and normalised: what the decision policy is built from. */
export interface OffersConfig {
  /** Only what was set; the rest takes DEFAULT_THRESHOLDS. */
  thresholds: Partial<Thresholds>;
  /** Only what was set; the rest takes DEFAULT_SEGMENT_OFFERS. */
  bySegment: Partial<SegmentOffers>;
  /** Offers by id; an offer with a built-in id replaces the built-in. */
  offers: Offer[];
  /** Ordered: the first rule whose conditions all hold decides. */
  rules: Rule[];
  /** A/B experiments that rules may start. */
  experiments: Experiment[];
  /** Share of visitors held out of every offer (0: none). */
  holdout: number;
  /** Only when set; else DEFAULT_IDENTIFIED. */
  identifiedVisitors?: Partial<IdentifiedPolicy>;
  /** The site's own widget words by lower-case language tag, over the shipped tables. */
  lang?: Record<string, Partial<UiStrings>>;
}

export function normaliseOffers(data: OffersData, baseDir: string, problems: Problem[]): OffersConfig {
  const add = (place: string, problem: string): void => void problems.push({ place, problem });
  const t = data.thresholds ?? {};
  const low = t.low ?? DEFAULT_THRESHOLDS.low;
  const high = t.high ?? DEFAULT_THRESHOLDS.high;
  if (low > high) {
    if (t.low !== undefined) add('thresholds.low', `must not exceed ${t.high !== undefined ? 'thresholds.high' : 'the default high'} (${low} > ${high})`);
    else add('thresholds.high', `must not be below the default low (${high} < ${low})`);
  }
  const thresholds = dropUndefined({ low: t.low, high: t.high, minConfidence: t.minConfidence });

  const offers = (data.offers ?? []).map((o, i) => normaliseOffer(o, `offers[${i}]`, baseDir, add));
  firstDuplicates(offers.map((o) => o.id), (i, j, id) => add(`offers[${i}].id`, `"${id}" is already defined by offers[${j}]`));
  const offerIds = new Set<string>([...BUILT_IN_OFFERS.map((o) => o.id), ...offers.map((o) => o.id)]);
  const checkOffer = (place: string, id: string | null | undefined): void => {
    if (id != null && !offerIds.has(id)) add(place, `names offer "${id}", which is not defined${meant(id, offerIds)}`);
  };

  const b = data.bySegment ?? {};
  const bySegment = dropUndefined({ low: b.low, average: b.average, high: b.high, customer: b.customer, unknown: b.unknown });
  for (const segment of SEGMENTS) checkOffer(`bySegment.${segment}`, bySegment[segment]);

  const experiments = (data.experiments ?? []).map((e, i) => normaliseExperiment(e, `experiments[${i}]`, add, checkOffer));
  firstDuplicates(experiments.map((e) => e.id), (i, j, id) => add(`experiments[${i}].id`, `"${id}" is already defined by experiments[${j}]`));
  const experimentIds = new Set(experiments.map((e) => e.id));

  const rules = (data.rules ?? []).map((r, i) => normaliseRule(r, `rules[${i}]`, add));
  firstDuplicates(rules.map((r) => r.id), (i, j, id) => add(`rules[${i}].id`, `"${id}" is already defined by rules[${j}]`));
  rules.forEach((r, i) => {
    if ('experiment' in r.then) {
      if (!experimentIds.has(r.then.experiment)) {
        add(`rules[${i}].then.experiment`, `names experiment "${r.then.experiment}", which is not defined${meant(r.then.experiment, experimentIds)}`);
      }
    } else {
      checkOffer(`rules[${i}].then.offer`, r.then.offer);
    }
  });

  // A stable reading order: by section, then by item index; checks of one item keep their order.
  problems.sort((x, y) => sectionRank(x.place) - sectionRank(y.place) || itemIndex(x.place) - itemIndex(y.place));
  const identified = dropUndefined({ withoutPrediction: data.identifiedVisitors?.withoutPrediction, leadMagnets: data.identifiedVisitors?.leadMagnets });
  const lang = data.lang && Object.fromEntries(Object.entries(data.lang).map(([tag, words]) => [tag.toLowerCase(), dropUndefined(words)]));
  return {
    thresholds,
    bySegment,
    offers,
    rules,
    experiments,
    holdout: data.holdout ?? 0,
    ...(data.identifiedVisitors === undefined ? {} : { identifiedVisitors: identified }),
    ...(lang ? { lang } : {}),
  };
}

/** ` (did you mean "launch-week"?)` for an id one typo away from a defined one, else ''. */
function meant(id: string, defined: ReadonlySet<string>): string {
  const near = closest(id, [...defined]);
  return near === null ? '' : ` (did you mean "${near}"?)`;
}

const SECTIONS = ['thresholds', 'bySegment', 'offers', 'rules', 'experiments'];
function sectionRank(place: string): number {
  const i = SECTIONS.findIndex((s) => place.startsWith(s));
  return i === -1 ? SECTIONS.length : i;
}
function itemIndex(place: string): number {
  const m = /^\w+\[(\d+)\]/.exec(place);
  return m?.[1] === undefined ? -1 : Number(m[1]);
}

type Add = (place: string, problem: string) => void;

function normaliseOffer(o: OfferData, place: string, baseDir: string, add: Add): Offer {
  const defaults = OFFER_DEFAULTS[o.kind];
  const base = {
    placement: o.placement ?? defaults.placement,
    trigger: o.trigger ? toTrigger(o.trigger) : { ...defaults.trigger },
    headline: o.headline,
    body: o.body,
    ...dropUndefined({ image: o.image, strings: o.strings && dropUndefined(o.strings) }),
  };
  switch (o.kind) {
    case 'coupon': {
      const code = o.code ?? null;
      const pool = o.codePool ?? null;
      if ((code === null) === (pool === null)) {
        add(
          place,
          code === null
            ? 'a coupon needs "code" (one code for everyone) or "codePool" (a file of single-use codes)'
            : 'set either "code" or "codePool", not both',
        );
      }
      return {
        id: o.id,
        kind: 'coupon',
        ...base,
        code,
        codePool: pool === null ? null : isAbsolute(pool) ? resolve(pool) : resolve(baseDir, pool),
        discountLabel: o.discountLabel,
        expiresInMinutes: o.expiresInMinutes ?? null,
        ...(o.cta && { cta: { label: o.cta.label, url: o.cta.url } }),
      };
    }
    case 'urgency': {
      const deadline = o.deadline ?? null;
      const countdownMinutes = o.countdownMinutes ?? null;
      if (deadline !== null && countdownMinutes !== null) add(`${place}.countdownMinutes`, 'set either "deadline" or "countdownMinutes", not both');
      return { id: o.id, kind: 'urgency', ...base, deadline, countdownMinutes, showLiveActivity: o.showLiveActivity ?? false, ...(o.cta && { cta: { label: o.cta.label, url: o.cta.url } }) };
    }
    case 'lead_magnet':
      return { id: o.id, kind: 'lead_magnet', ...base, assetName: o.assetName, buttonLabel: o.buttonLabel, consentText: o.consentText };
  }
}

function toTrigger(t: NonNullable<OfferData['trigger']>): Trigger {
  if (typeof t === 'string') return { type: t };
  switch (t.type) {
    case 'immediate':
      return { type: 'immediate' };
    case 'delay':
      return { type: 'delay', seconds: t.seconds };
    case 'scroll':
      return { type: 'scroll', percent: t.percent };
    case 'exit-intent':
      return { type: 'exit-intent' };
  }
}

function normaliseRule(r: RuleData, place: string, add: Add): Rule {
  const w = r.when ?? {};
  const when: RuleConditions = dropUndefined({
    segment: w.segment,
    scoreBelow: w.scoreBelow,
    scoreAbove: w.scoreAbove,
    confidenceAtLeast: w.confidenceAtLeast,
    confidenceBelow: w.confidenceBelow,
    customer: w.customer,
    path: w.path,
    ref: w.ref,
    referrer: w.referrer,
    country: w.country?.map((c) => c.toUpperCase()),
    device: w.device?.map((d) => d.toLowerCase()),
    visitCountAtLeast: w.visitCountAtLeast,
    visitCountBelow: w.visitCountBelow,
    goalsCompleted: w.goalsCompleted,
    goalsNotCompleted: w.goalsNotCompleted,
  });
  if (w.utm) {
    const utm = dropUndefined({ source: w.utm.source, medium: w.utm.medium, campaign: w.utm.campaign, content: w.utm.content, term: w.utm.term });
    if (Object.keys(utm).length > 0) when.utm = utm;
  }

  const never = (key: string, problem: string): void => add(`${place}.when.${key}`, `${problem}: the rule could never match`);
  // scoreAbove and scoreBelow are both strict: above 40 and below 41 still leaves 40.5.
  if (when.scoreAbove !== undefined && when.scoreBelow !== undefined && !(when.scoreAbove < when.scoreBelow)) {
    never('scoreAbove', `${when.scoreAbove} is not below scoreBelow ${when.scoreBelow}`);
  }
  if (when.confidenceAtLeast !== undefined && when.confidenceBelow !== undefined && !(when.confidenceAtLeast < when.confidenceBelow)) {
    never('confidenceAtLeast', `${when.confidenceAtLeast} is not below confidenceBelow ${when.confidenceBelow}`);
  }
  if (when.visitCountAtLeast !== undefined && when.visitCountBelow !== undefined && !(when.visitCountAtLeast < when.visitCountBelow)) {
    never('visitCountAtLeast', `${when.visitCountAtLeast} is not below visitCountBelow ${when.visitCountBelow}`);
  }
  if (when.goalsCompleted && when.goalsNotCompleted) {
    const notDone = new Set(when.goalsNotCompleted.map((g) => g.toLowerCase()));
    const both = when.goalsCompleted.find((g) => notDone.has(g.toLowerCase()));
    if (both !== undefined) never('goalsNotCompleted', `"${both}" is also in goalsCompleted`);
  }

  const t = r.then;
  let then: RuleAction;
  if ((t.offer !== undefined) === (t.experiment !== undefined)) {
    add(`${place}.then`, 'expected {"offer": "<id>"}, {"offer": null} (no offer) or {"experiment": "<id>"}');
    then = { offer: null };
  } else if (t.experiment !== undefined) {
    then = { experiment: t.experiment };
  } else {
    then = { offer: t.offer ?? null };
  }
  return { id: r.id, when, then };
}

function normaliseExperiment(e: ExperimentData, place: string, add: Add, checkOffer: (place: string, id: string | null) => void): Experiment {
  const variants: Variant[] = e.variants.map((v) => ({ id: v.id, weight: v.weight, offer: v.offer }));
  firstDuplicates(variants.map((v) => v.id), (i, j, id) => add(`${place}.variants[${i}].id`, `"${id}" is already used by variants[${j}]`));
  if (!variants.some((v) => v.weight > 0)) add(`${place}.variants`, 'at least one variant needs a weight above 0');
  variants.forEach((v, i) => checkOffer(`${place}.variants[${i}].offer`, v.offer));
  const experiment: Experiment = { id: e.id, coverage: e.coverage ?? 1, status: e.status ?? 'running', variants, attributionDays: e.attributionDays ?? DEFAULT_ATTRIBUTION_DAYS };
  if (e.seed !== undefined) experiment.seed = e.seed;
  if (e.currency !== undefined) experiment.currency = e.currency.toUpperCase();
  if (e.allocation === 'thompson') {
    experiment.allocation = 'thompson';
    experiment.allocationMetric = e.allocationMetric ?? 'conversion';
  } else if (e.allocationMetric !== undefined) {
    add(`${place}.allocationMetric`, 'only a bandit has one: set "allocation": "thompson" too, or remove it');
  }
  return experiment;
}

/** Calls back for each value seen before, with its index and the index of its first occurrence. */
function firstDuplicates(values: readonly string[], report: (index: number, firstIndex: number, value: string) => void): void {
  const seen = new Map<string, number>();
  values.forEach((v, i) => {
    const first = seen.get(v);
    if (first === undefined) seen.set(v, i);
    else report(i, first, v);
  });
}
