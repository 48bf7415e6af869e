// A cached visitor answer as a short JSON array, for the shared cache in Redis: the visitor record
// is already cut to what decisions use (analytics/visitor.ts), and here it loses its field names and
// its visitor id (the caller knows whom it asked about: the id is the lookup's key, never stored).
// A record of a few goals and params is 150–300 bytes. decode() trusts nothing: anything not
// exactly this shape is null, and the caller asks DataFast instead.
import type { VisitorLookup } from '../datafast/lookup.js';
import type { CompletedGoal, Visitor, VisitorBehaviour } from '../analytics/visitor.js';

/** Bumped when the layout changes: a record of another layout is not read. */
const FORMAT = 1;
const FOUND = 1;
const BOT = 2;
const UNKNOWN = 3;
const UNUSABLE = 4;
const ORIGINS = [null, 'manual', 'payment_provider'] as const;

type Json = null | boolean | number | string | Json[];

/** Every answer the cache keeps (never `unavailable`). */
export type CachedLookup = Exclude<VisitorLookup, { kind: 'unavailable' }>;

export function encodeLookup(value: CachedLookup): string {
  return JSON.stringify([FORMAT, ...body(value)]);
}

function body(value: CachedLookup): Json[] {
  switch (value.kind) {
    case 'bot':
      return [BOT];
    case 'unknown':
      return [UNKNOWN];
    case 'unusable':
      return [UNUSABLE, value.cause];
    case 'found': {
      const v = value.visitor;
      const p = v.prediction;
      return [
        FOUND,
        value.stale === true ? 1 : 0,
        v.identity.countryCode,
        v.identity.browser,
        v.identity.os,
        v.identity.deviceType,
        Object.entries(v.identity.params).flat(),
        v.activity.visitCount,
        v.activity.pageViewCount,
        v.activity.firstVisitAt,
        v.activity.lastVisitAt,
        v.activity.completedGoals.flatMap((g) => [g.name, g.timestamp, ORIGINS.indexOf(g.origin)]),
        v.identified ? 1 : 0,
        p === null ? null : [p.score, p.confidence, p.conversionRate, p.expectedValue],
        // Last and only when known, so a record without it reads as before.
        ...(v.behaviour === undefined ? [] : [behaviourOf(v.behaviour)]),
      ];
    }
  }
}

/** The answer `text` holds about `visitorId`, or null when it is not one encodeLookup wrote. */
export function decodeLookup(text: string, visitorId: string): CachedLookup | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(data) || data[0] !== FORMAT) return null;
  const [, kind, ...rest] = data as unknown[];
  if (kind === BOT && rest.length === 0) return { kind: 'bot' };
  if (kind === UNKNOWN && rest.length === 0) return { kind: 'unknown' };
  if (kind === UNUSABLE && rest.length === 1 && (rest[0] === 'too-large' || rest[0] === 'malformed')) return { kind: 'unusable', cause: rest[0] };
  if (kind !== FOUND || (rest.length !== 13 && rest.length !== 14)) return null;
  const [stale, countryCode, browser, os, deviceType, params, visitCount, pageViewCount, firstVisitAt, lastVisitAt, goals, identified, prediction, behaviour] = rest;
  if (!(stale === 0 || stale === 1) || !(identified === 0 || identified === 1)) return null;
  if (![countryCode, browser, os, deviceType, firstVisitAt, lastVisitAt].every(isTextOrNull)) return null;
  if (!isCount(visitCount) || !isCount(pageViewCount)) return null;
  const paramMap = pairs(params);
  const goalList = completedGoals(goals);
  const scores = predictionOf(prediction);
  const behaved = rest.length === 14 ? readBehaviour(behaviour) : undefined;
  if (paramMap === null || goalList === null || scores === undefined || behaved === null) return null;
  const visitor: Visitor = {
    visitorId,
    identity: {
      countryCode: countryCode as string | null,
      browser: browser as string | null,
      os: os as string | null,
      deviceType: deviceType as string | null,
      params: paramMap,
    },
    activity: {
      visitCount,
      pageViewCount,
      firstVisitAt: firstVisitAt as string | null,
      lastVisitAt: lastVisitAt as string | null,
      completedGoals: goalList,
    },
    identified: identified === 1,
    prediction: scores,
    ...(behaved === undefined ? {} : { behaviour: behaved }),
  };
  return stale === 1 ? { kind: 'found', visitor, stale: true } : { kind: 'found', visitor };
}

function isTextOrNull(v: unknown): boolean {
  return v === null || typeof v === 'string';
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isNumberOrNull(v: unknown): v is number | null {
  return v === null || isCount(v);
}

function pairs(v: unknown): Record<string, string> | null {
  if (!Array.isArray(v) || v.length % 2 !== 0) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < v.length; i += 2) {
    const [k, value] = [v[i] as unknown, v[i + 1] as unknown];
    if (typeof k !== 'string' || typeof value !== 'string') return null;
    out[k] = value;
  }
  return out;
}

function completedGoals(v: unknown): CompletedGoal[] | null {
  if (!Array.isArray(v) || v.length % 3 !== 0) return null;
  const out: CompletedGoal[] = [];
  for (let i = 0; i < v.length; i += 3) {
    const [name, timestamp, origin] = [v[i] as unknown, v[i + 1] as unknown, v[i + 2] as unknown];
    if (typeof name !== 'string' || !isTextOrNull(timestamp) || typeof origin !== 'number' || ORIGINS[origin] === undefined) return null;
    out.push({ name, timestamp: timestamp as string | null, origin: ORIGINS[origin] });
  }
  return out;
}

/** The prediction, null for none, undefined when malformed. */
function predictionOf(v: unknown): Visitor['prediction'] | undefined {
  if (v === null) return null;
  if (!Array.isArray(v) || v.length !== 4) return undefined;
  const [score, confidence, conversionRate, expectedValue] = v as unknown[];
  if (!isCount(score) || !isCount(confidence) || !isNumberOrNull(conversionRate) || !isNumberOrNull(expectedValue)) return undefined;
  return { score, confidence, conversionRate, expectedValue };
}

function behaviourOf(b: VisitorBehaviour): Json[] {
  return [b.avgSessionSeconds, b.visitedPricing ? 1 : 0, b.visitedCheckout ? 1 : 0, b.referrerHost];
}

/** The behaviour, or null when malformed. */
function readBehaviour(v: unknown): VisitorBehaviour | null {
  if (!Array.isArray(v) || v.length !== 4) return null;
  const [avg, pricing, checkout, host] = v as unknown[];
  if (!isNumberOrNull(avg) || !(pricing === 0 || pricing === 1) || !(checkout === 0 || checkout === 1) || !isTextOrNull(host)) return null;
  return { avgSessionSeconds: avg, visitedPricing: pricing === 1, visitedCheckout: checkout === 1, referrerHost: host as string | null };
}
