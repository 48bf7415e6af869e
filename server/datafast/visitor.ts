// Parses DataFast's GET /api/v1/visitors/{id} body into the small record the decision needs.
// Tolerant by design: extra fields are ignored, documented nulls accepted, both doc generations
// (activity.completedGoals and the older completedCustomGoals) read. Personal data the decision
// does not use (city, region, profile userId/metadata, visited pages) is dropped here, so it never
// reaches the cache, a log or a response.
import { z } from 'zod';

export interface CompletedGoal {
  name: string;
  timestamp: string | null;
  origin: 'manual' | 'payment_provider' | null;
}

export interface Prediction {
  /** 0–100, 50 is the site's baseline. */
  score: number;
  /** 0–1; DataFast: "don't make important decisions if confidence is < 0.5". */
  confidence: number;
  conversionRate: number | null;
  expectedValue: number | null;
}

/** What we keep of a visitor: enough to decide, nothing that identifies a person. */
export interface Visitor {
  visitorId: string;
  identity: {
    countryCode: string | null;
    browser: string | null;
    os: string | null;
    deviceType: string | null;
    /** First-session parameters: ref, source, via, utm_source … utm_term. */
    params: Record<string, string>;
  };
  activity: {
    visitCount: number;
    pageViewCount: number;
    firstVisitAt: string | null;
    lastVisitAt: string | null;
    completedGoals: CompletedGoal[];
  };
  /** True when DataFast has an Identify profile; its contents are not kept. */
  identified: boolean;
  prediction: Prediction | null;
}

const nullableString = z.string().nullish().catch(null);
const nullableNumber = z.number().finite().nullish().catch(null);

/** DataFast documents `{ name }` objects in examples and plain strings in field tables: accept both. */
const named = (key: 'name' | 'type') =>
  z
    .union([z.string(), z.object({ [key]: z.string().nullish() })])
    .nullish()
    .catch(null)
    .transform((v): string | null => {
      if (v == null) return null;
      if (typeof v === 'string') return v;
      const inner = (v as Record<string, string | null | undefined>)[key];
      return inner ?? null;
    });

const goalSchema = z.object({
  name: z.string(),
  timestamp: nullableString,
  origin: z.enum(['manual', 'payment_provider']).nullish().catch(null),
});

const goalList = z
  .array(z.unknown())
  .nullish()
  .catch(null)
  .transform((items): CompletedGoal[] => {
    const out: CompletedGoal[] = [];
    for (const item of items ?? []) {
      const g = goalSchema.safeParse(item);
      if (g.success) out.push({ name: g.data.name, timestamp: g.data.timestamp ?? null, origin: g.data.origin ?? null });
    }
    return out;
  });

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

const paramsSchema = z
  .record(z.string(), z.unknown())
  .nullish()
  .catch(null)
  .transform((p): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(p ?? {})) {
      if (typeof v === 'string' && v.length > 0) out[k] = v.slice(0, 256);
    }
    return out;
  });

const countOf = z.number().int().nonnegative().nullish().catch(null);

const visitorDataSchema = z.object({
  visitorId: z.string().min(1),
  identity: z
    .object({
      country: nullableString,
      countryCode: nullableString,
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
      firstVisitAt: nullableString,
      lastVisitAt: nullableString,
      completedGoals: goalList,
      completedCustomGoals: goalList,
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
  const goals = [...(activity?.completedGoals ?? []), ...(activity?.completedCustomGoals ?? [])];
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
