// GET /offer under steady load with PostMetric's defaults (a budget of 100 calls a minute, the
// local score when-missing), over real HTTP to the simulated PostMetric, which enforces its own
// limit of 100 a minute with X-RateLimit headers and 429s. Time is a fake clock (Date only) that
// the router, the budget, the cache and the simulator's window all read, moved request by request:
// a few simulated minutes of distinct visitors, new and returning (the bench's shape, smaller:
// `npm run bench -- budget` runs 1,000 a minute). The calls stay within the budget in every 60 s,
// the simulator never answers 429, the budget is used (not starved by the provider's count), and
// every decision either has data and a local score or says upstream-budget.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../../../server/experiments/rng';
import { internalsOf } from '../../../server/router-internals';
import { TEST_SECRET } from '../../support/decision-tokens';
import { mountRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const MINUTE = 60_000;
const MINUTES = 3;
const VISITORS_PER_MINUTE = 150;
const NEW_SHARE = 0.6;
const BUDGET = 100;

// The simulator's window reads the same fake clock as the router (a function, so it sees vi's Date).
const suite = useRouteSuite('offer-budget-load', { provider: 'postmetric', pm: { generateUnknown: true, now: () => Date.now() } });

afterEach(() => {
  vi.useRealTimers();
});

interface View {
  at: number;
  visitor: string;
}

/** Seeded page views: each minute VISITORS_PER_MINUTE distinct visitors (60 % new), 1–2 views each, in time order. */
function traffic(): View[] {
  const rng = seededRandom('offer-budget-load');
  const views: View[] = [];
  let next = 0;
  for (let m = 0; m < MINUTES; m++) {
    const seen = next;
    const chosen = new Set<number>();
    const returning = m === 0 ? 0 : Math.round(VISITORS_PER_MINUTE * (1 - NEW_SHARE));
    while (chosen.size < Math.min(returning, seen)) chosen.add(Math.floor(rng() * seen));
    while (chosen.size < VISITORS_PER_MINUTE) chosen.add(next++);
    for (const n of chosen) for (let p = 1 + Math.floor(rng() * 2); p > 0; p--) views.push({ at: T0 + m * MINUTE + Math.floor(rng() * MINUTE), visitor: `pm_load_${n}` });
  }
  return views.sort((a, b) => a.at - b.at);
}

function maxInWindow(times: readonly number[], windowMs: number): number {
  let best = 0;
  for (let start = 0, end = 0; end < times.length; end++) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

describe('GET /offer with PostMetric under load', () => {
  it(`${VISITORS_PER_MINUTE} distinct visitors a minute for ${MINUTES} minutes: calls ≤ ${BUDGET} in any 60 s, no 429, the budget used, every decision with data scored locally`, async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    suite.pm.resetCalls();
    const m = suite.track(await mountRouter({ ...suite.analytics({ timeoutMs: 1500 }), dataDir: suite.baseDir, secret: TEST_SECRET, logger: suite.log.logger, cache: { ttlMs: 60_000, staleIfErrorMs: 300_000 } }));
    expect(internalsOf(m.router).budget?.stats().callsPerMinute).toBe(BUDGET);

    const views = traffic();
    let withData = 0;
    for (const view of views) {
      vi.setSystemTime(view.at);
      const res = await fetch(`${m.origin}/visitor-offers/offer?path=/pricing`, { headers: { cookie: `postmetric_visitor_id=${view.visitor}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { reason: string; scoreSource?: string };
      if (body.reason === 'upstream-budget') continue;
      expect(body.reason, JSON.stringify(body)).toMatch(/^rule:/);
      expect(body.scoreSource).toBe('local');
      withData++;
    }

    const times = suite.pm.calls.filter((c) => c.path === '/api/v1/visitor').map((c) => c.at);
    expect(suite.pm.rateLimitedCount()).toBe(0);
    expect(maxInWindow(times, MINUTE)).toBeLessThanOrEqual(BUDGET);
    // After the first minute's burst the bucket refills 84 a minute; with 90 new visitors a minute (more than the refill)
    // every minute should use nearly all of it (a provider's stale count must not starve one).
    const perMinute = Array.from({ length: MINUTES }, (_, i) => times.filter((t) => t >= T0 + i * MINUTE && t < T0 + (i + 1) * MINUTE).length);
    for (const calls of perMinute.slice(1)) expect(calls, `calls per minute ${perMinute.join(', ')}`).toBeGreaterThanOrEqual(80);
    expect(withData).toBeGreaterThanOrEqual(times.length);
    expect(withData).toBeLessThan(views.length);
  }, 60_000);
});
