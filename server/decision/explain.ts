// Why a visitor gets the decision they get: the segment and what it came from, each rule in order
// with the first condition that failed, and the experiment assignment. Pure; the same walk as
// decide(), which the result carries so the two can never disagree.
import type { VisitorLookup } from '../datafast/lookup.js';
import { assign } from '../experiments/assign.js';
import { decide, type Decision, type PageFacts, type Policy } from './decide.js';
import { firstFailedCondition, type RuleConditions, type RuleContext } from './rules.js';
import { segmentOf } from './segment.js';

export type RuleStep =
  | { rule: string; outcome: 'failed'; condition: string; detail: string }
  | { rule: string; outcome: 'matched' }
  | { rule: string; outcome: 'not-enrolled'; experiment: string };

export interface Explanation {
  decision: Decision;
  /** What the segment came from; null when there is no visitor record. */
  visitor: {
    score: number | null;
    confidence: number | null;
    customer: boolean;
    visitCount: number;
    country: string | null;
    device: string | null;
    goals: string[];
  } | null;
  /** The rules looked at, in order, up to the one that decided. */
  rules: RuleStep[];
}

export function explain(lookup: VisitorLookup, policy: Policy, page: PageFacts): Explanation {
  const decision = decide(lookup, policy, page);
  if (lookup.kind !== 'found') return { decision, visitor: null, rules: [] };
  const v = lookup.visitor;
  const segment = segmentOf(v, policy.thresholds);
  const ctx: RuleContext = { visitor: v, segment, path: page.path, query: page.query, referrer: page.referrer };
  const rules: RuleStep[] = [];
  for (const rule of policy.rules) {
    const failed = firstFailedCondition(rule, ctx);
    if (failed !== null) {
      rules.push({ rule: rule.id, outcome: 'failed', condition: failed, detail: describeMiss(failed, rule.when, ctx) });
      continue;
    }
    if ('experiment' in rule.then) {
      const experiment = policy.experiments.get(rule.then.experiment);
      if (!experiment || !assign(experiment, v.visitorId)) {
        rules.push({ rule: rule.id, outcome: 'not-enrolled', experiment: rule.then.experiment });
        continue;
      }
    }
    rules.push({ rule: rule.id, outcome: 'matched' });
    break;
  }
  const goals = v.activity.completedGoals.map((g) => g.name);
  return {
    decision,
    visitor: {
      score: v.prediction?.score ?? null,
      confidence: v.prediction?.confidence ?? null,
      customer: segment === 'customer',
      visitCount: v.activity.visitCount,
      country: v.identity.countryCode,
      device: v.identity.deviceType,
      goals,
    },
    rules,
  };
}

/** "segment is low, not one of high" — the condition, what it wanted and what this request had. */
function describeMiss(condition: string, when: RuleConditions, ctx: RuleContext): string {
  const want = condition.startsWith('utm.') ? when.utm?.[condition.slice(4) as keyof NonNullable<RuleConditions['utm']>] : (when as Record<string, unknown>)[condition];
  const wanted = Array.isArray(want) ? want.join(', ') : String(want);
  const p = ctx.visitor.prediction;
  const had: Record<string, string> = {
    segment: ctx.segment,
    scoreBelow: p ? `score ${p.score}` : 'no prediction',
    scoreAbove: p ? `score ${p.score}` : 'no prediction',
    confidenceAtLeast: p ? `confidence ${p.confidence}` : 'no prediction',
    confidenceBelow: p ? `confidence ${p.confidence}` : 'no prediction',
    visitCountAtLeast: `${ctx.visitor.activity.visitCount} visits`,
    visitCountBelow: `${ctx.visitor.activity.visitCount} visits`,
    customer: ctx.segment === 'customer' ? 'a customer' : 'not a customer',
    country: ctx.visitor.identity.countryCode ?? 'no country',
    device: ctx.visitor.identity.deviceType ?? 'no device',
    goalsCompleted: ctx.visitor.activity.completedGoals.map((g) => g.name).join(', ') || 'no goals',
    goalsNotCompleted: ctx.visitor.activity.completedGoals.map((g) => g.name).join(', ') || 'no goals',
    path: ctx.path,
    referrer: ctx.referrer ?? 'no referrer',
    ref: ctx.query.ref ?? ctx.visitor.identity.params.ref ?? 'none',
  };
  const param = condition.startsWith('utm.') ? `utm_${condition.slice(4)}` : null;
  const found = param !== null ? (ctx.query[param] ?? ctx.visitor.identity.params[param] ?? 'none') : (had[condition] ?? '?');
  return `${condition} wants ${wanted}; this request has ${found}`;
}
