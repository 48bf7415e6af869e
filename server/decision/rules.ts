// Ordered rules from the offers file: the first rule whose conditions all hold decides. Pure.
//
// Matching semantics (each condition present must hold: conditions are ANDed, a list is "any of"):
// - segment: the request's segment is one of the list.
// - scoreBelow / scoreAbove / confidenceAtLeast / confidenceBelow: on DataFast's raw prediction
//   (not filtered by thresholds.minConfidence); a visitor without a prediction never matches one.
// - customer: `isCustomer(visitor)` (a payment goal completed) equals the value.
// - path: globs (glob.ts), case-sensitive, on the page path without its query. A trailing slash is
//   ignored on both sides (`/pricing` matches `/pricing/`), so `/blog/**` matches pages under
//   /blog but not /blog itself: write `["/blog", "/blog/**"]` for both.
// - utm / ref: per key, the current page's query (`utm_source`, …, `ref`) when it has a non-empty
//   value, else the visitor's first-session params from DataFast; compared trimmed and
//   case-insensitively. A visitor with neither never matches. Several utm keys: all must hold.
// - referrer: globs, case-insensitive, without a scheme. A pattern without `/` is matched against
//   the referrer's host alone (`*.google.*`, `t.co`), one with `/` against host + path
//   (`news.ycombinator.com/item*`; query and port are ignored). `""` matches "no referrer": null,
//   empty, or anything that is not a URL with a host (treated as no referrer, so it matches only `""`).
//   `*.google.*` does not match `google.com`: list both.
// - country: ISO codes vs `identity.countryCode`; device vs `identity.deviceType`; both
//   case-insensitive, and a visitor without one never matches.
// - visitCountAtLeast: visitCount >= n; visitCountBelow: visitCount < n.
// - goalsCompleted: all of these completed; goalsNotCompleted: none of these completed (case-insensitive).
// An empty list matches nothing (the offers file rejects empty lists).
import type { Visitor } from '../datafast/visitor.js';
import { compileGlob } from './glob.js';
import { isCustomer, type Segment } from './segment.js';

/** Every condition is optional; a rule with none always matches. Lists mean "any of". */
export interface RuleConditions {
  /** The visitor's segment is one of these. */
  segment?: Segment[];
  /** Strict: score < scoreBelow. A visitor without prediction never matches a score condition. */
  scoreBelow?: number;
  /** Strict: score > scoreAbove. */
  scoreAbove?: number;
  /** confidence >= confidenceAtLeast (no prediction never matches). */
  confidenceAtLeast?: number;
  /** confidence < confidenceBelow (no prediction never matches). */
  confidenceBelow?: number;
  /** Has (true) or has not (false) completed a payment goal. */
  customer?: boolean;
  /** Globs on the page path without its query: `*` any characters except `/`, `**` anything. */
  path?: string[];
  /** Exact, case-insensitive, on the current page's query or else the visitor's first-session params. */
  utm?: Partial<Record<'source' | 'medium' | 'campaign' | 'content' | 'term', string[]>>;
  /** `ref` parameter, same lookup as utm. */
  ref?: string[];
  /** Globs on the referrer's host + path (`*.google.*`, `news.ycombinator.com/**`); `""` = no referrer. */
  referrer?: string[];
  /** ISO 3166-1 alpha-2 codes, case-insensitive. */
  country?: string[];
  /** DataFast device types: desktop, mobile, tablet … */
  device?: string[];
  /** visitCount >= n. */
  visitCountAtLeast?: number;
  /** visitCount < n. */
  visitCountBelow?: number;
  /** All of these goals completed. */
  goalsCompleted?: string[];
  /** None of these goals completed. */
  goalsNotCompleted?: string[];
}

/** What a matching rule does: show an offer (null: none), or start an experiment. */
export type RuleAction = { offer: string | null } | { experiment: string };

/** One rule of the offers file. */
export interface Rule {
  /** Unique id; decisions it makes have `reason: "rule:<id>"`. */
  id: string;
  /** Conditions that must all hold (none: always). */
  when: RuleConditions;
  /** What it decides. */
  then: RuleAction;
}

/** What a rule may look at for one request. */
export interface RuleContext {
  visitor: Visitor;
  segment: Segment;
  /** Page path without query, e.g. `/pricing`. */
  path: string;
  /** Query parameters of the page URL, e.g. utm_source. */
  query: Readonly<Record<string, string>>;
  /** The page's document.referrer as the widget sent it, or null. */
  referrer: string | null;
}

/** A rule ready for per-request matching: globs compiled and lists lowercased once. */
export interface CompiledRule {
  readonly id: string;
  readonly when: RuleConditions;
  readonly then: RuleAction;
  /** One test per condition present, cheapest first; the rule matches when all pass. */
  readonly checks: readonly Check[];
  /** The condition each check tests (`segment`, `utm.source` …), in the same order. */
  readonly conditions: readonly string[];
}

type Check = (ctx: RuleContext) => boolean;

export const UTM_KEYS = ['source', 'medium', 'campaign', 'content', 'term'] as const;

export function compileRules(rules: readonly Rule[]): CompiledRule[] {
  return rules.map(compileRule);
}

export function compileRule(rule: Rule): CompiledRule {
  const named = compileConditions(rule.when);
  return { id: rule.id, when: rule.when, then: rule.then, checks: named.map(([, c]) => c), conditions: named.map(([n]) => n) };
}

export function matches(rule: CompiledRule, ctx: RuleContext): boolean {
  for (const check of rule.checks) if (!check(ctx)) return false;
  return true;
}

/** The first condition of the rule that does not hold for this request, or null when it matches. */
export function firstFailedCondition(rule: CompiledRule, ctx: RuleContext): string | null {
  const i = rule.checks.findIndex((check) => !check(ctx));
  return i === -1 ? null : (rule.conditions[i] ?? null);
}

/** The first rule, in file order, whose conditions all hold; undefined when none does. */
export function firstMatch(rules: readonly CompiledRule[], ctx: RuleContext): CompiledRule | undefined {
  for (const rule of rules) if (matches(rule, ctx)) return rule;
  return undefined;
}

function compileConditions(when: RuleConditions): [condition: string, check: Check][] {
  const named: [string, Check][] = [];
  const w = when;
  const add = (condition: string, check: Check): void => void named.push([condition, check]);

  if (w.segment !== undefined) {
    const set = new Set<string>(w.segment);
    add('segment', (ctx) => set.has(ctx.segment));
  }
  if (w.scoreBelow !== undefined) {
    const n = w.scoreBelow;
    add('scoreBelow', (ctx) => ctx.visitor.prediction != null && ctx.visitor.prediction.score < n);
  }
  if (w.scoreAbove !== undefined) {
    const n = w.scoreAbove;
    add('scoreAbove', (ctx) => ctx.visitor.prediction != null && ctx.visitor.prediction.score > n);
  }
  if (w.confidenceAtLeast !== undefined) {
    const n = w.confidenceAtLeast;
    add('confidenceAtLeast', (ctx) => ctx.visitor.prediction != null && ctx.visitor.prediction.confidence >= n);
  }
  if (w.confidenceBelow !== undefined) {
    const n = w.confidenceBelow;
    add('confidenceBelow', (ctx) => ctx.visitor.prediction != null && ctx.visitor.prediction.confidence < n);
  }
  if (w.visitCountAtLeast !== undefined) {
    const n = w.visitCountAtLeast;
    add('visitCountAtLeast', (ctx) => ctx.visitor.activity.visitCount >= n);
  }
  if (w.visitCountBelow !== undefined) {
    const n = w.visitCountBelow;
    add('visitCountBelow', (ctx) => ctx.visitor.activity.visitCount < n);
  }
  if (w.customer !== undefined) {
    const want = w.customer;
    add('customer', (ctx) => isCustomer(ctx.visitor) === want);
  }
  if (w.country !== undefined) {
    const set = lowerSet(w.country);
    add('country', (ctx) => has(set, ctx.visitor.identity.countryCode));
  }
  if (w.device !== undefined) {
    const set = lowerSet(w.device);
    add('device', (ctx) => has(set, ctx.visitor.identity.deviceType));
  }
  if (w.goalsCompleted !== undefined) {
    const wanted = [...lowerSet(w.goalsCompleted)];
    add('goalsCompleted', (ctx) => {
      const done = completedGoals(ctx.visitor);
      return wanted.every((g) => done.has(g));
    });
  }
  if (w.goalsNotCompleted !== undefined) {
    const unwanted = [...lowerSet(w.goalsNotCompleted)];
    add('goalsNotCompleted', (ctx) => {
      const done = completedGoals(ctx.visitor);
      return !unwanted.some((g) => done.has(g));
    });
  }
  if (w.utm !== undefined) {
    for (const key of UTM_KEYS) {
      const values = w.utm[key];
      if (values === undefined) continue;
      const set = lowerSet(values);
      const param = `utm_${key}`;
      add(`utm.${key}`, (ctx) => has(set, paramOf(ctx, param)));
    }
  }
  if (w.ref !== undefined) {
    const set = lowerSet(w.ref);
    add('ref', (ctx) => has(set, paramOf(ctx, 'ref')));
  }
  if (w.path !== undefined) {
    const globs = w.path.map((p) => compileGlob(withoutTrailingSlash(p)));
    add('path', (ctx) => {
      const path = withoutTrailingSlash(ctx.path);
      return globs.some((g) => g.test(path));
    });
  }
  if (w.referrer !== undefined) {
    const test = compileReferrer(w.referrer);
    add('referrer', (ctx) => test(ctx.referrer));
  }
  return named;
}

function compileReferrer(patterns: readonly string[]): (referrer: string | null) => boolean {
  let none = false;
  const hostGlobs: RegExp[] = [];
  const hostPathGlobs: RegExp[] = [];
  for (const raw of patterns) {
    const p = raw.trim();
    if (p === '') none = true;
    else if (p.includes('/')) hostPathGlobs.push(compileGlob(p, { caseInsensitive: true }));
    else hostGlobs.push(compileGlob(p, { caseInsensitive: true }));
  }
  return (referrer) => {
    const r = referrerParts(referrer);
    if (r === null) return none;
    if (hostGlobs.some((g) => g.test(r.host))) return true;
    if (hostPathGlobs.length === 0) return false;
    const hostPath = r.host + r.path;
    return hostPathGlobs.some((g) => g.test(hostPath));
  };
}

/** Host and path of a referrer URL, or null for "no referrer" (absent, empty, not a URL, no host). */
export function referrerParts(referrer: string | null): { host: string; path: string } | null {
  if (referrer == null) return null;
  const text = referrer.trim();
  if (text === '') return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.hostname === '') return null;
  return { host: url.hostname, path: url.pathname || '/' };
}

/** The current page's value for a query parameter, else the visitor's first-session one. */
function paramOf(ctx: RuleContext, name: string): string | null {
  const fromPage = ownValue(ctx.query, name);
  if (fromPage !== null) return fromPage;
  return ownValue(ctx.visitor.identity.params, name);
}

function ownValue(record: Readonly<Record<string, string>>, name: string): string | null {
  if (!Object.hasOwn(record, name)) return null;
  const v = record[name];
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

function has(set: ReadonlySet<string>, value: string | null): boolean {
  return value !== null && set.has(value.trim().toLowerCase());
}

function lowerSet(values: readonly string[]): Set<string> {
  return new Set(values.map((v) => v.trim().toLowerCase()));
}

function completedGoals(visitor: Visitor): Set<string> {
  return new Set(visitor.activity.completedGoals.map((g) => g.name.toLowerCase()));
}

function withoutTrailingSlash(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === '/') end--;
  return end === path.length ? path : path.slice(0, end);
}
