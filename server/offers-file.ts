// Parses the offers file (OFFERS_CONFIG, JSON) into decision options. Errors name the exact
// place, e.g. `thresholds.low: expected a number`, so a marketer can fix the file alone.
import { z } from 'zod';
import type { VisitorOffersOptions } from './router';

const offerId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected an offer id of a-z, 0-9, _ and -');

const fileSchema = z.strictObject({
  $schema: z.string().optional(),
  thresholds: z
    .strictObject({
      low: z.number().min(0).max(100).optional(),
      high: z.number().min(0).max(100).optional(),
      minConfidence: z.number().min(0).max(1).optional(),
    })
    .optional(),
  bySegment: z
    .strictObject({
      low: offerId.nullable().optional(),
      average: offerId.nullable().optional(),
      high: offerId.nullable().optional(),
      customer: offerId.nullable().optional(),
      unknown: offerId.nullable().optional(),
    })
    .optional(),
});

export type OffersFileResult =
  | { ok: true; decisions: NonNullable<VisitorOffersOptions['decisions']> }
  | { ok: false; error: string };

export function parseOffersFile(text: string): OffersFileResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not valid JSON (${err instanceof Error ? err.message : 'parse error'})` };
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? formatPath(issue.path) : '(top level)';
    return { ok: false, error: `${where}: ${issue?.message ?? 'invalid'}` };
  }
  const { thresholds, bySegment } = parsed.data;
  const t = thresholds ?? {};
  if (t.low !== undefined && t.high !== undefined && t.low > t.high) {
    return { ok: false, error: `thresholds.low: must not exceed thresholds.high (${t.low} > ${t.high})` };
  }
  return {
    ok: true,
    decisions: {
      thresholds: dropUndefined(t),
      bySegment: bySegment ? dropUndefined(bySegment) : undefined,
    },
  };
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
