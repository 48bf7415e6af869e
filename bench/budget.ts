// `npm run bench -- budget`: the upstream budget at 1,000 distinct visitors a minute. Simulated
// time: the visitor cache (60 s records, 5 min stale-if-error) and the budget run on a clock this
// file moves, page view by page view, while every lookup the budget grants is a real HTTP call to
// the simulated DataFast (whose recorder counts them). Traffic, from a seeded generator: each
// minute 1,000 distinct visitors, 60 % new and 40 % returning from earlier minutes, each viewing
// 1–4 pages at random moments of the minute. Printed per budget: calls made against the budget
// (the most in any 60 s, and per minute), and the share of decisions made with a visitor record
// (fresh, or an expired one served because its refresh yielded), with and without the priority of
// new visitors over refreshes. Then the same traffic against the simulated PostMetric, with its
// default budget (100 a minute) and its own limit of 100 a minute enforced by the simulator on the
// same clock (X-RateLimit headers, 429 past it): calls, the most in any 60 s, the 429s it answered
// (must be none), and the share of decisions with a record and with a local score (PostMetric has
// no prediction: every record found is scored locally, its default `localScore: when-missing`).
import { VisitorCache } from '../server/cache/visitor-cache';
import { DataFastClient } from '../server/datafast/client';
import { seededRandom, type Random } from '../server/experiments/rng';
import { silentLogger } from '../server/logger';
import { PostMetricClient } from '../server/postmetric/client';
import { DEFAULT_WEIGHTS } from '../server/scoring/local-score';
import { defaultLocalScoreMode, scoreLookup } from '../server/scoring/score-source';
import { budgeted } from '../server/upstream/budgeted';
import { UpstreamBudget } from '../server/upstream/upstream-budget';
import { SIMULATED_DATAFAST_DEFAULTS, startSimulatedDataFast } from '../demo/simulated-datafast';
import { SIMULATED_POSTMETRIC_DEFAULTS, startSimulatedPostMetric } from '../demo/simulated-postmetric';
import { fixed, int, line, ok, pad, padEnd } from './format';

const MINUTES = 10;
const VISITORS_PER_MINUTE = 1_000;
const NEW_SHARE = 0.6;
const MINUTE = 60_000;
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

/** The n-th simulated visitor's id: a UUID v4 the simulated DataFast answers with a generated record. */
const uuidFromIndex = (n: number): string => `b0d9e7a1-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
/** The n-th simulated visitor's PostMetric id (its charset, not a UUID); the simulator generates its record. */
const postMetricIdFromIndex = (n: number): string => `pm_bench_${n}`;

type Provider = 'datafast' | 'postmetric';

/** One simulated API for a run: its URL, its visitor-lookup count, and the 429s it answered (PostMetric). */
interface Upstream {
  provider: Provider;
  url: string;
  idOf(n: number): string;
  lookups(): number;
  rateLimited(): number | null;
  reset(): void;
}

interface PageView {
  at: number;
  visitor: number;
}

/** The page views of MINUTES minutes, in time order. */
function traffic(rng: Random): PageView[] {
  const views: PageView[] = [];
  let next = 0;
  for (let m = 0; m < MINUTES; m++) {
    const seen = next;
    const chosen = new Set<number>();
    const returning = m === 0 ? 0 : Math.round(VISITORS_PER_MINUTE * (1 - NEW_SHARE));
    while (chosen.size < Math.min(returning, seen)) chosen.add(Math.floor(rng() * seen));
    while (chosen.size < VISITORS_PER_MINUTE) chosen.add(next++);
    for (const visitor of chosen) {
      const pages = 1 + Math.floor(rng() * 4);
      for (let p = 0; p < pages; p++) views.push({ at: T0 + m * MINUTE + Math.floor(rng() * MINUTE), visitor });
    }
  }
  return views.sort((a, b) => a.at - b.at);
}

interface Outcome {
  provider: Provider;
  budget: number | null;
  priority: boolean;
  calls: number;
  maxIn60s: number;
  perMinute: number[];
  decisions: number;
  withData: number;
  steadyWithData: number;
  steadyDecisions: number;
  refused: { cold: number; refresh: number };
  /** Decisions whose score the local model made (PostMetric's default when-missing). */
  localScored: number;
  /** 429s the simulated API answered; null where it has no limit of its own (DataFast). */
  rateLimited: number | null;
}

async function run(upstream: Upstream, clock: { t: number }, views: readonly PageView[], budgetPerMinute: number | null, priority: boolean): Promise<Outcome> {
  clock.t = T0;
  const now = (): number => clock.t;
  const client =
    upstream.provider === 'postmetric'
      ? new PostMetricClient({ apiKey: SIMULATED_POSTMETRIC_DEFAULTS.apiKey, apiUrl: upstream.url, logger: silentLogger(), now })
      : new DataFastClient({ apiKey: SIMULATED_DATAFAST_DEFAULTS.apiKey, apiUrl: upstream.url, logger: silentLogger(), now });
  const scoring = { mode: defaultLocalScoreMode(upstream.provider), weights: DEFAULT_WEIGHTS };
  const budget = budgetPerMinute === null ? null : new UpstreamBudget({ callsPerMinute: budgetPerMinute, now });
  if (budget !== null) client.onQuota((q) => budget.observe(q));
  const callTimes: number[] = [];
  // Without the priority, every call is taken as a cold one: first come, first served.
  const cache = new VisitorCache(
    (id, kind) =>
      budgeted(budget, priority ? kind : 'cold', () => {
        callTimes.push(clock.t);
        return client.getVisitor(id);
      }),
    { now, ttlMs: 60_000, staleIfErrorMs: 300_000, max: 100_000 },
  );
  upstream.reset();
  let localScored = 0;
  let withData = 0;
  let steadyWithData = 0;
  let steadyDecisions = 0;
  for (const view of views) {
    clock.t = view.at;
    const answer = await cache.lookup(upstream.idOf(view.visitor));
    const data = answer.kind === 'found';
    if (data) withData++;
    if (scoreLookup(answer, scoring, clock.t).scoreSource === 'local') localScored++;
    if (view.at >= T0 + 2 * MINUTE) {
      steadyDecisions++;
      if (data) steadyWithData++;
    }
  }
  client.close();
  const perMinute = Array.from({ length: MINUTES }, (_, m) => callTimes.filter((t) => t >= T0 + m * MINUTE && t < T0 + (m + 1) * MINUTE).length);
  const stats = budget?.stats();
  return {
    provider: upstream.provider,
    budget: budgetPerMinute,
    priority,
    calls: upstream.lookups(),
    maxIn60s: maxInWindow(callTimes, MINUTE),
    perMinute,
    decisions: views.length,
    withData,
    steadyWithData,
    steadyDecisions,
    refused: { cold: stats?.refused.cold ?? 0, refresh: stats?.refused.refresh ?? 0 },
    localScored,
    rateLimited: upstream.rateLimited(),
  };
}

function maxInWindow(times: readonly number[], windowMs: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

const percent = (n: number, of: number): string => `${fixed((100 * n) / of, 1)} %`;

export async function budgetSection(): Promise<void> {
  line(`upstream budget — ${int(VISITORS_PER_MINUTE)} distinct visitors a minute (${fixed(NEW_SHARE * 100, 0)} % new) for ${MINUTES} simulated minutes, 1–4 page views each; records fresh 60 s, served stale up to 5 min`);
  line('each granted lookup is a real HTTP call to the simulated API; time is simulated (seeded traffic: the same every run)');
  const views = traffic(seededRandom('bench-budget'));
  line(`${int(views.length)} decisions`);
  const clock = { t: T0 };
  const outcomes: Outcome[] = [];
  const sim = await startSimulatedDataFast({ generateUnknown: true });
  try {
    const upstream: Upstream = { provider: 'datafast', url: sim.url, idOf: uuidFromIndex, lookups: () => sim.callCount('visitors'), rateLimited: () => null, reset: () => sim.resetCalls() };
    for (const [budget, priority] of [[100, true], [100, false], [300, true], [300, false], [null, true]] as const) outcomes.push(await run(upstream, clock, views, budget, priority));
  } finally {
    await sim.close();
  }
  // PostMetric's own limit, on the bench's clock: its window and X-RateLimit headers move with simulated time.
  const pm = await startSimulatedPostMetric({ generateUnknown: true, now: () => clock.t });
  try {
    const upstream: Upstream = { provider: 'postmetric', url: pm.url, idOf: postMetricIdFromIndex, lookups: () => pm.callCount('visitors'), rateLimited: () => pm.rateLimitedCount(), reset: () => pm.resetCalls() };
    outcomes.push(await run(upstream, clock, views, SIMULATED_POSTMETRIC_DEFAULTS.rateLimitPerMinute, true));
  } finally {
    await pm.close();
  }
  line();
  line(`${padEnd('provider', 11)} ${padEnd('budget/min', 11)} ${padEnd('new first', 10)} ${pad('calls', 7)} ${pad('max in 60 s', 12)} ${pad('per minute (min–max)', 21)} ${pad('with data', 10)} ${pad('minutes 3–10', 13)} ${pad('local score', 12)} ${pad('refused cold', 13)} ${pad('refused refresh', 16)} ${pad('429s', 5)}  within budget`);
  for (const o of outcomes) {
    const steady = o.perMinute.slice(1);
    const within = o.budget === null ? '—' : ok(o.maxIn60s <= o.budget && (o.rateLimited ?? 0) === 0);
    line(
      `${padEnd(o.provider, 11)} ${padEnd(o.budget === null ? 'none' : String(o.budget), 11)} ${padEnd(o.budget === null ? '—' : o.priority ? 'yes' : 'no', 10)} ${pad(int(o.calls), 7)} ${pad(int(o.maxIn60s), 12)} ${pad(`${int(Math.min(...steady))}–${int(Math.max(...o.perMinute))}`, 21)} ${pad(percent(o.withData, o.decisions), 10)} ${pad(percent(o.steadyWithData, o.steadyDecisions), 13)} ${pad(percent(o.localScored, o.decisions), 12)} ${pad(int(o.refused.cold), 13)} ${pad(int(o.refused.refresh), 16)} ${pad(o.rateLimited === null ? '—' : int(o.rateLimited), 5)}  ${within}`,
    );
  }
  line('with data: decisions made with a visitor record (fresh, or expired and served while its refresh yielded); the rest answered upstream-budget');
  line('local score: decisions scored by the local model (PostMetric has no prediction); 429s: answered by the simulated PostMetric, whose own limit is 100 a minute');
}
