// `npm run bench -- budget`: the upstream budget at 1,000 distinct visitors a minute. Simulated
// time: the visitor cache (60 s records, 5 min stale-if-error) and the budget run on a clock this
// file moves, page view by page view, while every lookup the budget grants is a real HTTP call to
// the simulated DataFast (whose recorder counts them). Traffic, from a seeded generator: each
// minute 1,000 distinct visitors, 60 % new and 40 % returning from earlier minutes, each viewing
// 1–4 pages at random moments of the minute. Printed per budget: calls made against the budget
// (the most in any 60 s, and per minute), and the share of decisions made with a visitor record
// (fresh, or an expired one served because its refresh yielded), with and without the priority of
// new visitors over refreshes.
import { VisitorCache } from '../server/cache/visitor-cache';
import { DataFastClient } from '../server/datafast/client';
import { seededRandom, type Random } from '../server/experiments/rng';
import { silentLogger } from '../server/logger';
import { budgeted } from '../server/upstream/budgeted';
import { UpstreamBudget } from '../server/upstream/upstream-budget';
import { SIMULATED_DATAFAST_DEFAULTS, startSimulatedDataFast, type SimulatedDataFast } from '../demo/simulated-datafast';
import { fixed, int, line, ok, pad, padEnd } from './format';

const MINUTES = 10;
const VISITORS_PER_MINUTE = 1_000;
const NEW_SHARE = 0.6;
const MINUTE = 60_000;
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

/** The n-th simulated visitor's id: a UUID v4 the simulated DataFast answers with a generated record. */
const uuidFromIndex = (n: number): string => `b0d9e7a1-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

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
}

async function run(sim: SimulatedDataFast, views: readonly PageView[], budgetPerMinute: number | null, priority: boolean): Promise<Outcome> {
  const clock = { t: T0 };
  const now = (): number => clock.t;
  const client = new DataFastClient({ apiKey: SIMULATED_DATAFAST_DEFAULTS.apiKey, apiUrl: sim.url, logger: silentLogger(), now });
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
  sim.resetCalls();
  let withData = 0;
  let steadyWithData = 0;
  let steadyDecisions = 0;
  for (const view of views) {
    clock.t = view.at;
    const answer = await cache.lookup(uuidFromIndex(view.visitor));
    const data = answer.kind === 'found';
    if (data) withData++;
    if (view.at >= T0 + 2 * MINUTE) {
      steadyDecisions++;
      if (data) steadyWithData++;
    }
  }
  client.close();
  const perMinute = Array.from({ length: MINUTES }, (_, m) => callTimes.filter((t) => t >= T0 + m * MINUTE && t < T0 + (m + 1) * MINUTE).length);
  const stats = budget?.stats();
  return {
    budget: budgetPerMinute,
    priority,
    calls: sim.callCount('visitors'),
    maxIn60s: maxInWindow(callTimes, MINUTE),
    perMinute,
    decisions: views.length,
    withData,
    steadyWithData,
    steadyDecisions,
    refused: { cold: stats?.refused.cold ?? 0, refresh: stats?.refused.refresh ?? 0 },
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

export async function budgetSection(): Promise<void> {
  line(`upstream budget — ${int(VISITORS_PER_MINUTE)} distinct visitors a minute (${fixed(NEW_SHARE * 100, 0)} % new) for ${MINUTES} simulated minutes, 1–4 page views each; records fresh 60 s, served stale up to 5 min`);
  line('each granted lookup is a real HTTP call to the simulated DataFast; time is simulated (seeded traffic: the same every run)');
  const views = traffic(seededRandom('bench-budget'));
  line(`${int(views.length)} decisions`);
  const sim = await startSimulatedDataFast({ generateUnknown: true });
  const outcomes: Outcome[] = [];
  try {
    for (const [budget, priority] of [[100, true], [100, false], [300, true], [300, false], [null, true]] as const) outcomes.push(await run(sim, views, budget, priority));
  } finally {
    await sim.close();
  }
  line();
  line(`${padEnd('budget/min', 11)} ${padEnd('new first', 10)} ${pad('calls', 7)} ${pad('max in 60 s', 12)} ${pad('per minute (min–max)', 21)} ${pad('with data', 10)} ${pad('minutes 3–10', 13)} ${pad('refused cold', 13)} ${pad('refused refresh', 16)}  within budget`);
  for (const o of outcomes) {
    const steady = o.perMinute.slice(1);
    line(
      `${padEnd(o.budget === null ? 'none' : String(o.budget), 11)} ${padEnd(o.budget === null ? '—' : o.priority ? 'yes' : 'no', 10)} ${pad(int(o.calls), 7)} ${pad(int(o.maxIn60s), 12)} ${pad(`${int(Math.min(...steady))}–${int(Math.max(...o.perMinute))}`, 21)} ${pad(`${fixed((100 * o.withData) / o.decisions, 1)} %`, 10)} ${pad(`${fixed((100 * o.steadyWithData) / o.steadyDecisions, 1)} %`, 13)} ${pad(int(o.refused.cold), 13)} ${pad(int(o.refused.refresh), 16)}  ${o.budget === null ? '—' : ok(o.maxIn60s <= o.budget)}`,
    );
  }
  line('with data: decisions made with a visitor record (fresh, or expired and served while its refresh yielded); the rest answered upstream-budget');
}
