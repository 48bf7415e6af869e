// Parses the offers file (OFFERS_CONFIG, JSON) into decision settings: thresholds, segment
// offers, offers, ordered rules and experiments. Errors name the exact place, e.g.
// `rules[2].when.scoreBelow: expected number, got string "40"`, so a marketer can fix the file alone.
//
// Marketer-friendly input is accepted and normalised here, so the rest of the server sees one shape:
// - a single string where a list is expected: `"segment": "high"` is `["high"]`;
// - a trigger as `"immediate"` / `"exit-intent"` or an object `{ "type": "delay", "seconds": 5 }`;
// - omitted offer fields take defaults (OFFER_DEFAULTS for placement/trigger, null/false otherwise);
// - `"$comment"` keys (a string or a list of strings) are allowed in every object and dropped;
// - text is trimmed; a coupon `codePool` path is resolved against the offers file's directory.
// The pool file itself is not read here.
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { Experiment, Variant } from './experiments/types.js';
import { BUILT_IN_OFFERS, type Offer, type OfferKind, type Placement, type Trigger } from './decision/offer.js';
import type { DecisionSettings } from './decision/policy.js';
import type { Rule, RuleAction, RuleConditions } from './decision/rules.js';
import type { Segment } from './decision/segment.js';

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

export const TEXT_LIMITS = {
  headline: 120,
  body: 600,
  discountLabel: 40,
  assetName: 120,
  buttonLabel: 40,
  consentText: 600,
} as const;

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const ID_RULE = 'of a-z, 0-9, _ and - (1 to 64, starting with a letter or digit)';
const offerId = z.string().regex(ID, 'expected an offer id of a-z, 0-9, _ and -');
const ruleId = z.string().regex(ID, `expected a rule id ${ID_RULE}`);
const experimentId = z.string().regex(ID, `expected an experiment id ${ID_RULE}`);
const variantId = z.string().regex(ID, `expected a variant id ${ID_RULE}`);

const comment = z.union([z.string(), z.array(z.string())]).optional();

/** A strict object that also allows a `$comment`. */
function obj<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject({ ...shape, $comment: comment });
}

/** A list of at least one item; a single value is accepted as a list of one. */
function list<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(item).min(1));
}

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const minutes = z.number().int().min(1).max(10_080);

const SEGMENTS = ['low', 'average', 'high', 'customer', 'unknown'] as const satisfies readonly Segment[];
const PLACEMENTS = ['inline', 'bar', 'slide-in', 'modal'] as const satisfies readonly Placement[];

const triggerSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { type: v } : v),
  z.discriminatedUnion('type', [
    obj({ type: z.literal('immediate') }),
    obj({ type: z.literal('delay'), seconds: z.number().min(0).max(600) }),
    obj({ type: z.literal('scroll'), percent: z.number().min(1).max(100) }),
    obj({ type: z.literal('exit-intent') }),
  ]),
);

const offerBase = {
  id: offerId,
  placement: z.enum(PLACEMENTS).optional(),
  trigger: triggerSchema.optional(),
  headline: text(TEXT_LIMITS.headline),
  body: text(TEXT_LIMITS.body),
};

const offerSchema = z.discriminatedUnion('kind', [
  obj({
    ...offerBase,
    kind: z.literal('coupon'),
    code: z
      .string()
      .trim()
      .regex(/^[!-~]{1,64}$/, 'expected a code of 1 to 64 visible characters without spaces')
      .nullable()
      .optional(),
    codePool: z.string().trim().min(1, 'must not be empty').max(1024).nullable().optional(),
    discountLabel: text(TEXT_LIMITS.discountLabel),
    expiresInMinutes: minutes.nullable().optional(),
  }),
  obj({
    ...offerBase,
    kind: z.literal('urgency'),
    deadline: z.iso
      .datetime({ offset: true, error: 'expected an ISO date-time with a time zone, like "2026-06-30T23:59:00Z"' })
      .nullable()
      .optional(),
    countdownMinutes: minutes.nullable().optional(),
    showLiveActivity: z.boolean().optional(),
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

const conditionsSchema = obj({
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

const ruleSchema = obj({
  id: ruleId,
  when: conditionsSchema.optional(),
  then: obj({ offer: offerId.nullable().optional(), experiment: experimentId.optional() }),
});

const experimentSchema = obj({
  id: experimentId,
  seed: z.string().min(1, 'must not be empty').max(128).optional(),
  coverage: z.number().min(0).max(1).optional(),
  status: z.enum(['running', 'stopped']).optional(),
  variants: z
    .array(obj({ id: variantId, weight: z.number().min(0), offer: offerId.nullable() }))
    .min(2, 'needs at least 2 variants (a control with "offer": null counts)'),
});

const fileSchema = obj({
  $schema: z.string().optional(),
  thresholds: obj({
    low: z.number().min(0).max(100).optional(),
    high: z.number().min(0).max(100).optional(),
    minConfidence: z.number().min(0).max(1).optional(),
  }).optional(),
  bySegment: obj({
    low: offerId.nullable().optional(),
    average: offerId.nullable().optional(),
    high: offerId.nullable().optional(),
    customer: offerId.nullable().optional(),
    unknown: offerId.nullable().optional(),
  }).optional(),
  offers: z.array(offerSchema).optional(),
  rules: z.array(ruleSchema).optional(),
  experiments: z.array(experimentSchema).optional(),
});

type FileData = z.output<typeof fileSchema>;
type FileOffer = z.output<typeof offerSchema>;
type FileRule = z.output<typeof ruleSchema>;
type FileExperiment = z.output<typeof experimentSchema>;

export type OffersFileDecisions = DecisionSettings & { offers: Offer[]; rules: Rule[]; experiments: Experiment[] };

export type OffersFileResult = { ok: true; decisions: OffersFileDecisions } | { ok: false; error: string };

export interface ParseOffersOptions {
  /** Directory that relative `codePool` paths are resolved against: the offers file's own. Default: the working directory. */
  baseDir?: string;
}

/** At most this many problems are reported, joined with "; " on one line. */
const MAX_ERRORS = 3;

export function parseOffersFile(text: string, options: ParseOffersOptions = {}): OffersFileResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not valid JSON (${err instanceof Error ? err.message : 'parse error'})` };
  }
  return parseOffersObject(json, options);
}

/** The same checks for a value already parsed from JSON (or written in code). */
export function parseOffersObject(json: unknown, options: ParseOffersOptions = {}): OffersFileResult {
  const parsed = fileSchema.safeParse(json, { error: friendlyMessage });
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, MAX_ERRORS).map((issue) => {
      const where = issue.path.length > 0 ? formatPath(asWritten(json, issue.path)) : '(top level)';
      return `${where}: ${issue.message}`;
    });
    return { ok: false, error: lines.join('; ') };
  }
  const errors = new Problems();
  const decisions = normalise(parsed.data, options.baseDir ?? process.cwd(), errors);
  if (errors.list.length > 0) return { ok: false, error: errors.list.slice(0, MAX_ERRORS).join('; ') };
  return { ok: true, decisions };
}

class Problems {
  readonly list: string[] = [];
  add(place: string, problem: string): void {
    this.list.push(`${place}: ${problem}`);
  }
}

function normalise(data: FileData, baseDir: string, errors: Problems): OffersFileDecisions {
  const t = data.thresholds ?? {};
  if (t.low !== undefined && t.high !== undefined && t.low > t.high) {
    errors.add('thresholds.low', `must not exceed thresholds.high (${t.low} > ${t.high})`);
  }
  const thresholds = dropUndefined({ low: t.low, high: t.high, minConfidence: t.minConfidence });

  const offers = (data.offers ?? []).map((o, i) => normaliseOffer(o, `offers[${i}]`, baseDir, errors));
  firstDuplicates(offers.map((o) => o.id), (i, j, id) => errors.add(`offers[${i}].id`, `"${id}" is already defined by offers[${j}]`));
  const offerIds = new Set<string>([...BUILT_IN_OFFERS.map((o) => o.id), ...offers.map((o) => o.id)]);
  const checkOffer = (place: string, id: string | null | undefined): void => {
    if (id != null && !offerIds.has(id)) errors.add(place, `names offer "${id}", which is not defined`);
  };

  let bySegment: DecisionSettings['bySegment'];
  if (data.bySegment) {
    const b = data.bySegment;
    bySegment = dropUndefined({ low: b.low, average: b.average, high: b.high, customer: b.customer, unknown: b.unknown });
    for (const segment of SEGMENTS) checkOffer(`bySegment.${segment}`, bySegment[segment]);
  }

  const experiments = (data.experiments ?? []).map((e, i) => normaliseExperiment(e, `experiments[${i}]`, errors, checkOffer));
  firstDuplicates(experiments.map((e) => e.id), (i, j, id) =>
    errors.add(`experiments[${i}].id`, `"${id}" is already defined by experiments[${j}]`),
  );
  const experimentIds = new Set(experiments.map((e) => e.id));

  const rules = (data.rules ?? []).map((r, i) => normaliseRule(r, `rules[${i}]`, errors));
  firstDuplicates(rules.map((r) => r.id), (i, j, id) => errors.add(`rules[${i}].id`, `"${id}" is already defined by rules[${j}]`));
  rules.forEach((r, i) => {
    if ('experiment' in r.then) {
      if (!experimentIds.has(r.then.experiment)) {
        errors.add(`rules[${i}].then.experiment`, `names experiment "${r.then.experiment}", which is not defined`);
      }
    } else {
      checkOffer(`rules[${i}].then.offer`, r.then.offer);
    }
  });

  // Reported in a stable reading order: by section (thresholds, bySegment, offers, rules,
  // experiments), then by item index; checks of one item keep the order they ran in.
  errors.list.sort((a, b) => sectionRank(a) - sectionRank(b) || itemIndex(a) - itemIndex(b));

  return { thresholds, bySegment, offers, rules, experiments };
}

const SECTIONS = ['thresholds', 'bySegment', 'offers', 'rules', 'experiments'];
function sectionRank(error: string): number {
  const i = SECTIONS.findIndex((s) => error.startsWith(s));
  return i === -1 ? SECTIONS.length : i;
}
function itemIndex(error: string): number {
  const m = /^\w+\[(\d+)\]/.exec(error);
  return m?.[1] === undefined ? -1 : Number(m[1]);
}

function normaliseOffer(o: FileOffer, place: string, baseDir: string, errors: Problems): Offer {
  const defaults = OFFER_DEFAULTS[o.kind];
  const base = {
    placement: o.placement ?? defaults.placement,
    trigger: o.trigger ? toTrigger(o.trigger) : { ...defaults.trigger },
    headline: o.headline,
    body: o.body,
  };
  switch (o.kind) {
    case 'coupon': {
      const code = o.code ?? null;
      const pool = o.codePool ?? null;
      if ((code === null) === (pool === null)) {
        errors.add(
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
      };
    }
    case 'urgency': {
      const deadline = o.deadline ?? null;
      const countdownMinutes = o.countdownMinutes ?? null;
      if (deadline !== null && countdownMinutes !== null) {
        errors.add(`${place}.countdownMinutes`, 'set either "deadline" or "countdownMinutes", not both');
      }
      return { id: o.id, kind: 'urgency', ...base, deadline, countdownMinutes, showLiveActivity: o.showLiveActivity ?? false };
    }
    case 'lead_magnet':
      return { id: o.id, kind: 'lead_magnet', ...base, assetName: o.assetName, buttonLabel: o.buttonLabel, consentText: o.consentText };
  }
}

function toTrigger(t: NonNullable<FileOffer['trigger']>): Trigger {
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

function normaliseRule(r: FileRule, place: string, errors: Problems): Rule {
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
    const utm = dropUndefined({
      source: w.utm.source,
      medium: w.utm.medium,
      campaign: w.utm.campaign,
      content: w.utm.content,
      term: w.utm.term,
    });
    if (Object.keys(utm).length > 0) when.utm = utm;
  }

  const never = (key: string, problem: string): void => errors.add(`${place}.when.${key}`, `${problem}: the rule could never match`);
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
  const hasOffer = t.offer !== undefined;
  const hasExperiment = t.experiment !== undefined;
  if (hasOffer === hasExperiment) {
    errors.add(`${place}.then`, 'expected {"offer": "<id>"}, {"offer": null} (no offer) or {"experiment": "<id>"}');
    then = { offer: null };
  } else if (t.experiment !== undefined) {
    then = { experiment: t.experiment };
  } else {
    then = { offer: t.offer ?? null };
  }
  return { id: r.id, when, then };
}

function normaliseExperiment(
  e: FileExperiment,
  place: string,
  errors: Problems,
  checkOffer: (place: string, id: string | null) => void,
): Experiment {
  const variants: Variant[] = e.variants.map((v) => ({ id: v.id, weight: v.weight, offer: v.offer }));
  firstDuplicates(variants.map((v) => v.id), (i, j, id) =>
    errors.add(`${place}.variants[${i}].id`, `"${id}" is already used by variants[${j}]`),
  );
  if (!variants.some((v) => v.weight > 0)) errors.add(`${place}.variants`, 'at least one variant needs a weight above 0');
  variants.forEach((v, i) => checkOffer(`${place}.variants[${i}].offer`, v.offer));
  const experiment: Experiment = {
    id: e.id,
    coverage: e.coverage ?? 1,
    status: e.status ?? 'running',
    variants,
  };
  if (e.seed !== undefined) experiment.seed = e.seed;
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

// ---- error messages ----

interface IssueLike {
  code?: string;
  input?: unknown;
  expected?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  keys?: string[];
  values?: unknown[];
  options?: unknown[];
  discriminator?: string;
}

/** Zod's messages rewritten for someone editing a JSON file; schema-level messages take precedence. */
function friendlyMessage(raw: unknown): string | undefined {
  const iss = raw as IssueLike;
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return `is required (expected ${typeName(iss.expected)})`;
      return `expected ${typeName(iss.expected)}, got ${describe(iss.input)}`;
    case 'too_small':
    case 'too_big': {
      const small = iss.code === 'too_small';
      const bound = small ? iss.minimum : iss.maximum;
      if (iss.origin === 'string') {
        const len = typeof iss.input === 'string' ? ` (got ${iss.input.length})` : '';
        return `must be at ${small ? 'least' : 'most'} ${bound} characters${len}`;
      }
      if (iss.origin === 'array') return `needs at ${small ? 'least' : 'most'} ${bound} item${bound === 1 ? '' : 's'}`;
      if (iss.inclusive === false) return `must be ${small ? 'above' : 'below'} ${bound}, got ${describe(iss.input)}`;
      return `must be at ${small ? 'least' : 'most'} ${bound}, got ${describe(iss.input)}`;
    }
    case 'unrecognized_keys': {
      const keys = (iss.keys ?? []).map((k) => `"${k}"`).join(', ');
      return `unknown key${(iss.keys ?? []).length === 1 ? '' : 's'} ${keys}`;
    }
    case 'invalid_value':
      return `expected one of ${(iss.values ?? []).map((v) => JSON.stringify(v)).join(', ')}, got ${describe(iss.input)}`;
    case 'invalid_union':
      if (iss.discriminator !== undefined && Array.isArray(iss.options)) {
        const got = iss.input !== null && typeof iss.input === 'object' ? (iss.input as Record<string, unknown>)[iss.discriminator] : undefined;
        const choices = iss.options.map((o) => JSON.stringify(o)).join(', ');
        return got === undefined ? `is required (one of ${choices})` : `expected one of ${choices}, got ${describe(got)}`;
      }
      return undefined;
    default:
      return undefined;
  }
}

function typeName(expected: string | undefined): string {
  if (expected === 'int') return 'whole number';
  return expected ?? 'a value';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return String(value);
  return typeof value;
}

/** A single string given for a list is reported at its own place (`segment`), not as `segment[0]`. */
function asWritten(json: unknown, path: readonly PropertyKey[]): readonly PropertyKey[] {
  if (path.length === 0 || path[path.length - 1] !== 0) return path;
  let node: unknown = json;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return path;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return typeof node === 'string' ? path.slice(0, -1) : path;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

function dropUndefined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
