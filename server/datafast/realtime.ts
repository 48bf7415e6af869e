// Parses DataFast's GET /api/v1/analytics/realtime/map into what social proof and the operator
// view use. Names, emails, cities and coordinates are dropped here, so no later code can leak them.
// Bounded like the visitor record: at most MAP_LIMITS.rows items of each list are looked at, and
// every string kept is cut, so the one map kept in memory has a size limit whatever DataFast sends.
import { z } from 'zod';
import { cut } from './cut.js';

export const MAP_LIMITS = Object.freeze({
  /** Items of each list (visitors, recent events, recent payments) read; the dashboard shows fewer. */
  rows: 1_000,
  /** A page URL or path is cut to this. */
  url: 2_048,
  /** Every other string is cut to this. */
  shortString: 64,
});

export interface ActiveVisitor {
  visitorId: string;
  countryCode: string | null;
  deviceType: string | null;
  browser: string | null;
  os: string | null;
  currentUrl: string | null;
  visitCount: number | null;
  isCustomer: boolean;
  score: number | null;
  confidence: number | null;
}

export interface RecentPayment {
  timestamp: string;
  /** DataFast's own flag for payments the owner hid from public realtime views. */
  visible: boolean;
  amount: number | null;
  currency: string | null;
  countryCode: string | null;
}

export interface RecentEvent {
  type: string;
  timestamp: string;
  path: string | null;
  countryCode: string | null;
}

export interface RealtimeMap {
  count: number;
  visitors: ActiveVisitor[];
  recentPayments: RecentPayment[];
  recentEvents: RecentEvent[];
}

const cutTo = (max: number) => (v: string | null | undefined): string | null => (v == null ? null : cut(v, max));
const str = z.string().nullish().catch(null).transform(cutTo(MAP_LIMITS.shortString));
const url = z.string().nullish().catch(null).transform(cutTo(MAP_LIMITS.url));
const required = z.string().transform((v) => cut(v, MAP_LIMITS.shortString));
const num = z.number().finite().nullish().catch(null);
const nameOf = (key: 'name' | 'type') =>
  z
    .union([z.string(), z.object({ [key]: z.string().nullish() })])
    .nullish()
    .catch(null)
    .transform((v): string | null => (v == null ? null : typeof v === 'string' ? v : ((v as Record<string, string | null | undefined>)[key] ?? null)))
    .transform(cutTo(MAP_LIMITS.shortString));

const visitorSchema = z.object({
  visitorId: z.string().max(128),
  location: z.object({ countryCode: str }).nullish().catch(null),
  system: z
    .object({ browser: nameOf('name'), os: nameOf('name'), device: nameOf('type') })
    .nullish()
    .catch(null),
  currentUrl: url,
  visitCount: num,
  isCustomer: z.boolean().nullish().catch(null),
  conversionLikelihood: z.object({ score: num, confidence: num }).nullish().catch(null),
});

const paymentSchema = z.object({
  timestamp: required,
  visible: z.boolean().nullish().catch(null),
  amount: num,
  currency: str,
  countryCode: str,
});

const eventSchema = z.object({
  type: required,
  timestamp: required,
  path: url,
  countryCode: str,
});

/** Keeps the items that parse among the first MAP_LIMITS.rows; one odd row must not cost the whole map. */
function rows<T>(schema: z.ZodType<T>) {
  return z
    .unknown()
    .optional()
    .transform((items) => {
      const out: T[] = [];
      if (!Array.isArray(items)) return out;
      const end = Math.min(items.length, MAP_LIMITS.rows);
      for (let i = 0; i < end; i++) {
        const r = schema.safeParse(items[i]);
        if (r.success) out.push(r.data);
      }
      return out;
    });
}

const mapSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    count: z.number().int().nonnegative(),
    visitors: rows(visitorSchema),
    recentEvents: rows(eventSchema),
    recentPayments: rows(paymentSchema),
  }),
});

export function parseRealtimeMapResponse(body: unknown): RealtimeMap | null {
  const parsed = mapSchema.safeParse(body);
  if (!parsed.success) return null;
  const d = parsed.data.data;
  return {
    count: d.count,
    visitors: d.visitors.map((v) => ({
      visitorId: v.visitorId,
      countryCode: v.location?.countryCode ?? null,
      deviceType: v.system?.device ?? null,
      browser: v.system?.browser ?? null,
      os: v.system?.os ?? null,
      currentUrl: v.currentUrl ?? null,
      visitCount: v.visitCount ?? null,
      isCustomer: v.isCustomer ?? false,
      score: v.conversionLikelihood?.score ?? null,
      confidence: v.conversionLikelihood?.confidence ?? null,
    })),
    recentPayments: d.recentPayments.map((p) => ({
      timestamp: p.timestamp,
      visible: p.visible !== false,
      amount: p.amount ?? null,
      currency: p.currency ?? null,
      countryCode: p.countryCode ?? null,
    })),
    recentEvents: d.recentEvents.map((e) => ({
      type: e.type,
      timestamp: e.timestamp,
      path: e.path ?? null,
      countryCode: e.countryCode ?? null,
    })),
  };
}
