// Parses DataFast's GET /api/v1/visitors/{id} body into the small record the decision needs.
// Tolerant by design: extra fields are ignored, documented nulls accepted, both doc generations
// (activity.completedGoals and the older completedCustomGoals) read. Personal data the decision
// does not use (city, region, profile userId/metadata, visited pages) is dropped here, so it never
// reaches the cache, a log or a response.
//
// Bounded: what is kept has a size limit whatever DataFast sends (VISITOR_LIMITS), so a cached
// record stays a few kB: the first-session params the rules read (an allow-list), up to 100
// distinct goal names, and every string cut. Lists are walked by hand, not by a schema, and only
// so far, so a body full of junk items costs little (the client refuses bodies over 256 kB).
import { z } from 'zod';
import { cut } from './cut.js';
import { VISITOR_PARAMS, type CompletedGoal, type Visitor, type VisitorBehaviour } from '../analytics/visitor.js';
import { summarisePages } from './visited-pages.js';

export type { CompletedGoal, Prediction, Visitor } from '../analytics/visitor.js';
export { VISITOR_PARAMS } from '../analytics/visitor.js';

/** The most of each thing a parsed visitor keeps. */
export const VISITOR_LIMITS = Object.freeze({
  /** Distinct goal names kept (the first ones met); decisions only ask whether a name is among them. */
  goals: 100,
  /** Items of each goal list looked at. */
  goalItemsScanned: 10_000,
  /** A goal name longer than this is not one DataFast makes (its limit is 64): skipped. */
  goalNameLength: 64,
  /** Each kept param value is cut to this many characters. */
  paramValueLength: 256,
  /** Browser, OS, device and country are cut to this. */
  shortString: 64,
  /** A date string longer than this is not a date: read as null. */
  dateLength: 40,
  /** A visitor id longer than this makes the record unreadable. */
  visitorIdLength: 128,
});


const cutTo = (max: number) => (v: string | null | undefined): string | null => (v == null ? null : cut(v, max));
const nullableString = z.string().nullish().catch(null);
const shortString = nullableString.transform(cutTo(VISITOR_LIMITS.shortString));
const dateString = z
  .string()
  .nullish()
  .catch(null)
  .transform((v) => (v == null || v.length > VISITOR_LIMITS.dateLength ? null : v));
const nullableNumber = z.number().finite().nullish().catch(null);

/** DataFast documents `{ name }` objects in examples and plain strings in field tables: accept both. */
const named = (key: 'name' | 'type') =>
  z
    .union([z.string(), z.object({ [key]: z.string().nullish() })])
    .nullish()
    .catch(null)
    .transform((v): string | null => {
      if (v == null) return null;
      if (typeof v === 'string') return cut(v, VISITOR_LIMITS.shortString);
      const inner = (v as Record<string, string | null | undefined>)[key];
      return inner == null ? null : cut(inner, VISITOR_LIMITS.shortString);
    });

const ORIGINS = new Set(['manual', 'payment_provider']);

/** One goal list: items that are `{ name }` objects with a usable name; anything else is skipped. */
export function readGoals(items: unknown): CompletedGoal[] {
  if (!Array.isArray(items)) return [];
  const out: CompletedGoal[] = [];
  const end = Math.min(items.length, VISITOR_LIMITS.goalItemsScanned);
  for (let i = 0; i < end; i++) {
    const item: unknown = items[i];
    if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
    const { name, timestamp, origin } = item as Record<string, unknown>;
    if (typeof name !== 'string' || name.length > VISITOR_LIMITS.goalNameLength) continue;
    out.push({
      name,
      timestamp: typeof timestamp === 'string' && timestamp.length <= VISITOR_LIMITS.dateLength ? timestamp : null,
      origin: typeof origin === 'string' && ORIGINS.has(origin) ? (origin as CompletedGoal['origin']) : null,
    });
  }
  return out;
}

const goalList = z.unknown().optional().transform(readGoals);

/** Both lists, in order, one entry per name (the first seen), at most VISITOR_LIMITS.goals. */
function distinctGoals(lists: readonly CompletedGoal[][]): CompletedGoal[] {
  const seen = new Set<string>();
  const out: CompletedGoal[] = [];
  for (const list of lists) {
    for (const goal of list) {
      if (seen.has(goal.name)) continue;
      if (out.length >= VISITOR_LIMITS.goals) return out;
      seen.add(goal.name);
      out.push(goal);
    }
  }
  return out;
}

const predictionSchema = z
  .object({
    score: z.number().finite().min(0).max(100),
    confidence: z.number().finite().min(0).max(1),
    conversionRate: nullableNumber,
    expectedValue: nullableNumber,
  })
  .nullish()
  // A prediction we cannot read is treated like no prediction (thin data), not as an outage.
  .catch(null);

/** Only the allow-listed keys are looked up: a params object with a million keys costs eight reads. */
const paramsSchema = z.unknown().optional().transform((p): Record<string, string> => {
  const out: Record<string, string> = {};
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return out;
  for (const key of VISITOR_PARAMS) {
    if (!Object.hasOwn(p, key)) continue;
    const v: unknown = (p as Record<string, unknown>)[key];
    if (typeof v === 'string' && v.length > 0) out[key] = cut(v, VISITOR_LIMITS.paramValueLength);
  }
  return out;
});

const countOf = z.number().int().nonnegative().nullish().catch(null);

const visitorDataSchema = z.object({
  visitorId: z.string().min(1).max(VISITOR_LIMITS.visitorIdLength),
  identity: z
    .object({
      country: shortString,
      countryCode: shortString,
      params: paramsSchema,
      browser: named('name'),
      os: named('name'),
      device: named('type'),
    })
    .nullish()
    .catch(null),
  activity: z
    .object({
      visitCount: countOf,
      pageViewCount: countOf,
      firstVisitAt: dateString,
      lastVisitAt: dateString,
      completedGoals: goalList,
      completedCustomGoals: goalList,
      visitedPages: z.unknown().optional(),
      currentUrl: z.unknown().optional(),
    })
    .nullish()
    .catch(null),
  profile: z.unknown().optional(),
  prediction: predictionSchema,
});

export const visitorResponseSchema = z.object({
  status: z.literal('success'),
  data: visitorDataSchema,
});

const ISO_COUNTRY = /^[A-Za-z]{2}$/;

/** Parses a 200 body; returns null when it is not a DataFast visitor response. */
export function parseVisitorResponse(body: unknown): Visitor | null {
  const parsed = visitorResponseSchema.safeParse(body);
  if (!parsed.success) return null;
  const d = parsed.data.data;
  const identity = d.identity;
  const activity = d.activity;
  const countryCode =
    identity?.countryCode ?? (identity?.country && ISO_COUNTRY.test(identity.country) ? identity.country : null);
  const goals = distinctGoals([activity?.completedGoals ?? [], activity?.completedCustomGoals ?? []]);
  return {
    visitorId: d.visitorId.toLowerCase(),
    identity: {
      countryCode: countryCode ? countryCode.toUpperCase() : null,
      browser: identity?.browser ?? null,
      os: identity?.os ?? null,
      deviceType: identity?.device ? identity.device.toLowerCase() : null,
      params: identity?.params ?? {},
    },
    activity: {
      visitCount: activity?.visitCount ?? 0,
      pageViewCount: activity?.pageViewCount ?? 0,
      firstVisitAt: activity?.firstVisitAt ?? null,
      lastVisitAt: activity?.lastVisitAt ?? null,
      completedGoals: goals,
    },
    identified: d.profile != null && typeof d.profile === 'object',
    prediction: d.prediction
      ? {
          score: d.prediction.score,
          confidence: d.prediction.confidence,
          conversionRate: d.prediction.conversionRate ?? null,
          expectedValue: d.prediction.expectedValue ?? null,
        }
      : null,
  };
}

/**
 * DataFast's visitor as the client hands it on: parseVisitorResponse's record with its behaviour
 * (pricing and checkout visits and session length, from `visitedPages` and `currentUrl`). DataFast
 * reports no referrer on this endpoint: it stays unknown.
 */
export function parseDataFastVisitor(body: unknown): Visitor | null {
  const visitor = parseVisitorResponse(body);
  return visitor === null ? null : { ...visitor, behaviour: behaviourOf(body) };
}

function behaviourOf(body: unknown): VisitorBehaviour {
  const activity = (body as { data?: { activity?: unknown } }).data?.activity;
  const { visitedPages, currentUrl } = typeof activity === 'object' && activity !== null ? (activity as Record<string, unknown>) : {};
  return { ...summarisePages(visitedPages, currentUrl), referrerHost: null };
}
