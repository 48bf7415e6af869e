// Why a visitor gets the decision they get: the segment and what it came from, each rule in order
// with the first condition that failed, and the experiment assignment. Pure; it listens to the
// same walk over the rules that decide() takes, so the two cannot disagree.
import type { VisitorLookup } from '../datafast/lookup.js';
import { inHoldout } from '../experiments/holdout.js';
import { decide, decisionOf, holdoutDecision, ruleContext, walkRules, withheldForIdentified, type Decision, type PageFacts, type Policy } from './decide.js';
import { firstFailedCondition, type RuleConditions, type RuleContext } from './rules.js';

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
  if (lookup.kind !== 'found') return { decision: decide(lookup, policy, page), visitor: null, rules: [] };
  const v = lookup.visitor;
  const ctx = ruleContext(v, policy, page);
  const rules: RuleStep[] = [];
  // A visitor of the global holdout gets no offer: no rule is looked at.
  const held = inHoldout(v.visitorId, policy.holdout);
  const walk = held ? null : walkRules(policy, ctx, undefined, (rule, outcome) => {
    if (outcome === 'matched') rules.push({ rule: rule.id, outcome });
    else if (outcome === 'not-enrolled') rules.push({ rule: rule.id, outcome, experiment: 'experiment' in rule.then ? rule.then.experiment : '' });
    else {
      const condition = firstFailedCondition(rule, ctx) ?? '';
      rules.push({ rule: rule.id, outcome, condition, detail: describeMiss(condition, rule.when, ctx) });
    }
  });
  return {
    decision: walk === null ? holdoutDecision(ctx.segment) : withheldForIdentified(decisionOf(policy, ctx.segment, walk), v, policy),
    visitor: {
      score: v.prediction?.score ?? null,
      confidence: v.prediction?.confidence ?? null,
      customer: ctx.segment === 'customer',
      visitCount: v.activity.visitCount,
      country: v.identity.countryCode,
      device: v.identity.deviceType,
      goals: goalNames(v),
    },
    rules,
  };
}

/** Each completed goal once, in the order first completed. */
function goalNames(v: RuleContext['visitor']): string[] {
  return [...new Set(v.activity.completedGoals.map((g) => g.name))];
}

/** "segment wants high; found: low" — the condition, what it wanted and what this request had. */
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
    visitCountAtLeast: visits(ctx.visitor.activity.visitCount),
    visitCountBelow: visits(ctx.visitor.activity.visitCount),
    customer: ctx.segment === 'customer' ? 'a customer' : 'not a customer',
    country: ctx.visitor.identity.countryCode ?? 'no country',
    device: ctx.visitor.identity.deviceType ?? 'no device',
    goalsCompleted: goalNames(ctx.visitor).join(', ') || 'no goals',
    goalsNotCompleted: goalNames(ctx.visitor).join(', ') || 'no goals',
    path: ctx.path,
    referrer: ctx.referrer ?? 'no referrer',
    ref: ctx.query.ref ?? ctx.visitor.identity.params.ref ?? 'none',
  };
  const param = condition.startsWith('utm.') ? `utm_${condition.slice(4)}` : null;
  const found = param !== null ? (ctx.query[param] ?? ctx.visitor.identity.params[param] ?? 'none') : (had[condition] ?? '?');
  return `${condition} wants ${wanted}; found: ${found}`;
}

const visits = (n: number): string => `${n} visit${n === 1 ? '' : 's'}`;
