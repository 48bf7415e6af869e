// The goals this server sends to DataFast (POST /api/v1/goals) and the body it sends them in.
// DataFast's own rules drifted between doc generations (names up to 32 or 64 chars, with or
// without colons), so everything here keeps to the subset every generation accepts:
// `^[a-z0-9_-]{1,32}$` for goal names and metadata keys, string values of at most 255 chars,
// at most 10 metadata keys. See ../shared/reference/datafast-api.md §1.8.

/** The goal names this server sends, one per widget event and one for a captured lead. */
export const GOAL_NAMES = {
  exposure: 'offer_exposure',
  click: 'offer_click',
  dismiss: 'offer_dismiss',
  conversion: 'offer_conversion',
  lead: 'offer_lead',
} as const;

export type GoalName = (typeof GOAL_NAMES)[keyof typeof GOAL_NAMES];

/** Names and metadata keys every DataFast doc generation accepts. */
export const SAFE_GOAL_NAME = /^[a-z0-9_-]{1,32}$/;
export const SAFE_METADATA_KEY = /^[a-z0-9_-]{1,32}$/;
export const MAX_METADATA_KEYS = 10;
export const MAX_METADATA_VALUE_LENGTH = 255;

/**
 * What a goal carries besides its name. `offer` is always present; `experiment` and `variant`
 * only for a decision made by an experiment. Extra keys are allowed within DataFast's limits.
 */
export interface GoalMetadata {
  offer: string;
  experiment?: string | undefined;
  variant?: string | undefined;
  [key: string]: string | undefined;
}

/**
 * The metadata of an `offer_conversion` goal, the same shape from the page and from the backend:
 * `offer: "none"` (a conversion is not the answer to one offer: it counts for every experiment the
 * visitor was exposed to), `source` (`page` or `backend`), and for an order `order_id`, plus
 * `value` (a decimal string, DataFast's values being strings) with `currency` when it had a value.
 */
export function conversionMetadata(
  source: 'page' | 'backend',
  order?: { orderId: string; value: number | null; currency: string | null },
): GoalMetadata {
  return {
    offer: 'none',
    source,
    order_id: order?.orderId,
    value: order?.value == null ? undefined : String(order.value),
    currency: order?.currency ?? undefined,
  };
}

/** The JSON body of POST /api/v1/goals as we send it. */
export interface GoalBody {
  datafast_visitor_id: string;
  name: string;
  metadata: Record<string, string>;
}

/** A goal this server must not send: a programming or configuration mistake, never a visitor's. */
export class GoalBodyError extends RangeError {
  override name = 'GoalBodyError';
}

export function isGoalName(name: string): boolean {
  return SAFE_GOAL_NAME.test(name);
}

/**
 * Cleans one metadata value: control characters removed, whitespace trimmed, and cut to 255
 * characters (by code point, so a surrogate pair is never split). Returns '' when nothing is left.
 */
export function sanitizeMetadataValue(value: string): string {
  const cleaned = value.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  const points = Array.from(cleaned);
  return points.length <= MAX_METADATA_VALUE_LENGTH ? cleaned : points.slice(0, MAX_METADATA_VALUE_LENGTH).join('').trimEnd();
}

/**
 * The body of POST /api/v1/goals. Keys and the name are ours, so a bad one is a bug and throws
 * GoalBodyError; values come from config and are sanitised (undefined and empty values dropped).
 * `offer` must survive sanitising.
 */
export function goalBody(visitorId: string, name: string, metadata: GoalMetadata): GoalBody {
  if (typeof visitorId !== 'string' || visitorId === '') throw new GoalBodyError('goal: the visitor id is empty');
  if (!isGoalName(name)) throw new GoalBodyError(`goal: name "${name}" does not match ${SAFE_GOAL_NAME.source}`);

  const out: Record<string, string> = {};
  let count = 0;
  for (const [key, raw] of Object.entries(metadata)) {
    if (raw === undefined) continue;
    if (!SAFE_METADATA_KEY.test(key)) throw new GoalBodyError(`goal: metadata key "${key}" does not match ${SAFE_METADATA_KEY.source}`);
    if (typeof raw !== 'string') throw new GoalBodyError(`goal: metadata.${key} must be a string`);
    const value = sanitizeMetadataValue(raw);
    if (value === '') continue;
    count += 1;
    if (count > MAX_METADATA_KEYS) throw new GoalBodyError(`goal: more than ${MAX_METADATA_KEYS} metadata keys`);
    out[key] = value;
  }
  if (out.offer === undefined) throw new GoalBodyError('goal: metadata.offer is required');
  return { datafast_visitor_id: visitorId, name, metadata: out };
}
