// Parses DataFast's GET /api/v1/analytics/realtime/map into what social proof and the operator
// view use. Names, emails, cities and coordinates are dropped here, so no later code can leak them.
import { z } from 'zod';

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

const str = z.string().nullish().catch(null);
const num = z.number().finite().nullish().catch(null);
const nameOf = (key: 'name' | 'type') =>
  z
    .union([z.string(), z.object({ [key]: z.string().nullish() })])
    .nullish()
    .catch(null)
    .transform((v): string | null => (v == null ? null : typeof v === 'string' ? v : ((v as Record<string, string | null | undefined>)[key] ?? null)));

const visitorSchema = z.object({
  visitorId: z.string(),
  location: z.object({ countryCode: str }).nullish().catch(null),
  system: z
    .object({ browser: nameOf('name'), os: nameOf('name'), device: nameOf('type') })
    .nullish()
    .catch(null),
  currentUrl: str,
  visitCount: num,
  isCustomer: z.boolean().nullish().catch(null),
  conversionLikelihood: z.object({ score: num, confidence: num }).nullish().catch(null),
});

const paymentSchema = z.object({
  timestamp: z.string(),
  visible: z.boolean().nullish().catch(null),
  amount: num,
  currency: str,
  countryCode: str,
});

const eventSchema = z.object({
  type: z.string(),
  timestamp: z.string(),
  path: str,
  countryCode: str,
});

/** Keeps the items that parse; one odd row must not cost the whole map. */
function rows<T>(schema: z.ZodType<T>) {
  return z
    .array(z.unknown())
    .nullish()
    .catch(null)
    .transform((items) => {
      const out: T[] = [];
      for (const item of items ?? []) {
        const r = schema.safeParse(item);
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
