// DataFast as a conversion source, end to end with real parts and a fake clock: the simulated
// DataFast over HTTP (its visitors' goals set per test), the real DataFast client, a real SQLite
// store (and two instances on one real Postgres), and the reconciliation job ticked by hand.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Persona } from '../../../demo/personas';
import { startSimulatedDataFast, SIMULATED_DATAFAST_DEFAULTS as SIM, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import { DataFastClient } from '../../../server/datafast/client';
import { buildPolicy } from '../../../server/decision/policy';
import type { Policy } from '../../../server/decision/decide';
import { HOLDOUT_EXPERIMENT } from '../../../server/experiments/holdout';
import { Reconciler } from '../../../server/experiments/reconciler';
import type { Experiment } from '../../../server/experiments/types';
import { openStore } from '../../../server/store/open-store';
import type { Store } from '../../../server/store/store';
import type { StoreRef } from '../../../server/store/store-ref';
import { captureLog, type CapturedLog } from '../../support/log-capture';
import { startPostgres, type Postgres } from '../../support/postgres';
import { visitorIds } from '../../support/visitor-ids';
import { testClock } from '../store/store-contract';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const EXP: Experiment = { id: 'exp', coverage: 1, status: 'running', attributionDays: 7, variants: [{ id: 'a', weight: 1, offer: null }, { id: 'b', weight: 1, offer: 'welcome-coupon' }] };

/** A visitor DataFast knows, with these goals (name, ms epoch). */
function visitor(visitorId: string, goals: Array<[string, number]> = [], status: 200 | 400 = 200): Persona {
  return {
    visitorId,
    label: 'test',
    description: 'test',
    status,
    data:
      status === 200
        ? { visitorId, identity: {}, activity: { visitCount: 1, pageViewCount: 1, completedGoals: goals.map(([name, at]) => ({ name, timestamp: new Date(at).toISOString(), origin: 'payment_provider' })) }, prediction: null }
        : null,
  };
}

let sim: SimulatedDataFast;
let base: string;
let log: CapturedLog;
const toClose: Array<() => Promise<unknown> | void> = [];

beforeAll(async () => {
  sim = await startSimulatedDataFast();
  base = mkdtempSync(join(tmpdir(), 'vo-reconcile-'));
});
afterAll(async () => {
  for (const close of toClose.reverse()) await close();
  await sim.close();
  rmSync(base, { recursive: true, force: true });
});
beforeEach(() => {
  sim.setFault(null);
  sim.resetCalls();
  log = captureLog('info');
});

const refOf = (store: Store): StoreRef => ({ ready: Promise.resolve(store), current: store, close: () => store.close() });
const visitorCalls = (ids: readonly string[]) => sim.calls.filter((c) => ids.some((id) => c.path.endsWith(`/visitors/${id}`))).length;

function client(): DataFastClient {
  const c = new DataFastClient({ apiKey: SIM.apiKey, apiUrl: sim.url, timeoutMs: 2000, logger: log.logger, breaker: { failureThreshold: 1000 } });
  toClose.push(() => c.close());
  return c;
}

async function rig(options: { policy?: Policy; callsPerMinute?: number; store?: Store; clock?: ReturnType<typeof testClock> } = {}) {
  const clock = options.clock ?? testClock();
  const store = options.store ?? (await openStore({ dataDir: mkdtempSync(join(base, 'data-')), now: clock.now }));
  toClose.push(() => store.close().catch(() => undefined));
  const c = client();
  const job = new Reconciler({
    store: refOf(store),
    policy: () => options.policy ?? buildPolicy({ experiments: [EXP] }),
    fetchPayments: (id) => c.getPaymentGoals(id),
    callsPerMinute: options.callsPerMinute ?? 600,
    leaseMs: 30_000,
    logger: log.logger,
    now: clock.now,
  });
  toClose.push(() => job.stop());
  return { clock, store, job };
}

describe('the reconciliation counts DataFast payments after exposure as conversions', () => {
  it('at the payment’s time, in the experiments exposed before it; not a payment from before, not an ending; a bot never again', async () => {
    const { clock, store, job } = await rig();
    const t0 = clock.t;
    const [payer, before, never, bot, ended] = visitorIds(5, 'reconcile-basic');
    const all = [payer, before, never, bot, ended] as string[];
    sim.addVisitor(visitor(payer!));
    sim.addVisitor(visitor(before!, [['payment', t0 - DAY]]));
    sim.addVisitor(visitor(never!));
    sim.addVisitor(visitor(bot!, [], 400));
    sim.addVisitor(visitor(ended!, [['subscription_ended', t0 + 30 * MINUTE]]));
    for (const [i, v] of all.entries()) await store.recordExposure('exp', i % 2 === 0 ? 'a' : 'b', v);
    await store.recordExposure('other', 'x', payer!); // not configured: not its conversion

    await job.runOnce(); // nobody is due before an hour
    expect(visitorCalls(all)).toBe(0);
    clock.advance(HOUR);
    await job.runOnce();
    expect(visitorCalls(all)).toBe(5);
    expect((await store.experimentCounts('exp')).get('a')?.conversions ?? 0).toBe(0);

    // The payer pays at t0 + 90 min; the next look (an hour after the first) finds it.
    sim.addVisitor(visitor(payer!, [['payment', t0 + 90 * MINUTE]]));
    clock.advance(HOUR);
    await job.runOnce();
    expect(visitorCalls(all)).toBe(9); // the bot is not looked at again
    expect(Object.fromEntries(await store.experimentCounts('exp'))).toEqual({ a: { exposures: 3, conversions: 1 }, b: { exposures: 2, conversions: 0 } });
    expect((await store.experimentCounts('other')).get('x')?.conversions).toBe(1); // exposed before it: it converted there too
    // Counted at the payment's time: within 90 minutes of the exposure, not within 89.
    expect((await store.experimentMetrics('exp', 90 * MINUTE)).get('a')?.conversions).toBe(1);
    expect((await store.experimentMetrics('exp', 89 * MINUTE)).get('a')?.conversions).toBe(0);
    expect(job.stats()).toEqual({ looks: 9, conversions: 2, failures: 0 });

    // The converted visitor is done; the others are looked at again later, never twice at once.
    clock.advance(2 * HOUR);
    sim.resetCalls();
    await Promise.all([job.runOnce(), job.runOnce()]);
    expect(visitorCalls([payer!])).toBe(0);
    expect(visitorCalls(all)).toBe(3);
  });

  it('looks until the window ends, once more at its end, then never; stopped experiments not at all', async () => {
    const policy = buildPolicy({ experiments: [{ ...EXP, attributionDays: 2 }, { ...EXP, id: 'old', status: 'stopped' }] });
    const { clock, store, job } = await rig({ policy });
    const [v, w] = visitorIds(2, 'reconcile-window');
    sim.addVisitor(visitor(v!));
    sim.addVisitor(visitor(w!));
    await store.recordExposure('exp', 'a', v!);
    await store.recordExposure('old', 'a', w!);
    // Tick every 10 simulated minutes for 4 days.
    const lookTimes: number[] = [];
    for (let t = 0; t < 4 * DAY; t += 10 * MINUTE) {
      const before = visitorCalls([v!]);
      await job.runOnce();
      if (visitorCalls([v!]) > before) lookTimes.push(clock.t);
      clock.advance(10 * MINUTE);
    }
    expect(visitorCalls([w!])).toBe(0);
    const t0 = lookTimes[0]! - HOUR;
    expect(lookTimes.at(-1)! - t0).toBeGreaterThanOrEqual(2 * DAY);
    expect(lookTimes.at(-1)! - t0).toBeLessThan(2 * DAY + 10 * MINUTE);
    expect(lookTimes.length).toBeGreaterThanOrEqual(7);
    expect(lookTimes.length).toBeLessThanOrEqual(10);
  });

  it('looks at the holdout’s visitors too, so their payments count against the offers’', async () => {
    const { clock, store, job } = await rig({ policy: buildPolicy({ holdout: 0.05 }) });
    const [held, offered] = visitorIds(2, 'reconcile-holdout');
    sim.addVisitor(visitor(held!, [['payment', clock.t + 30 * MINUTE]]));
    sim.addVisitor(visitor(offered!, [['subscription_started', clock.t + 45 * MINUTE]]));
    await store.recordExposure(HOLDOUT_EXPERIMENT, 'holdout', held!);
    await store.recordExposure(HOLDOUT_EXPERIMENT, 'offers', offered!);
    clock.advance(HOUR);
    await job.runOnce();
    expect(Object.fromEntries(await store.experimentCounts(HOLDOUT_EXPERIMENT))).toEqual({ holdout: { exposures: 1, conversions: 1 }, offers: { exposures: 1, conversions: 1 } });
  });
});

describe('the reconciliation keeps to its budget and never fails', () => {
  it('makes at most callsPerMinute lookups a minute, however many visitors are due', async () => {
    const { clock, store, job } = await rig({ callsPerMinute: 12 });
    const ids = visitorIds(100, 'reconcile-budget');
    for (const id of ids) {
      sim.addVisitor(visitor(id));
      await store.recordExposure('exp', 'a', id);
    }
    clock.advance(HOUR);
    // Five simulated minutes of 5-second ticks: 2 saved up at the start, then 12 a minute.
    for (let i = 0; i < 60; i++) {
      await job.runOnce();
      clock.advance(5_000);
    }
    const calls = visitorCalls(ids);
    expect(calls).toBeGreaterThanOrEqual(60);
    expect(calls).toBeLessThanOrEqual(62);
  });

  it('a DataFast outage ends the tick, puts the visitors back, is logged once, and the work resumes after it', async () => {
    const { clock, store, job } = await rig();
    const ids = visitorIds(6, 'reconcile-outage');
    for (const id of ids) {
      sim.addVisitor(visitor(id, [['payment', clock.t + MINUTE]]));
      await store.recordExposure('exp', 'b', id);
    }
    clock.advance(HOUR);
    sim.setFault({ kind: 'status', status: 503 }, { match: 'visitors' });
    for (let i = 0; i < 3; i++) {
      await job.runOnce();
      clock.advance(2 * MINUTE);
    }
    // One lookup per tick (each ends at the first failure), no conversion, one warning.
    expect(visitorCalls(ids)).toBe(3 * 2); // the client retries a 503 once
    expect(log.lines.filter((l) => l.includes('DataFast did not answer'))).toHaveLength(1);
    sim.setFault(null);
    await job.runOnce();
    expect((await store.experimentCounts('exp')).get('b')?.conversions).toBe(6);
    expect(log.lines.filter((l) => l.includes('working again'))).toHaveLength(1);
    expect(job.stats().failures).toBe(3);
  });

  it('a store that fails is logged once and the tick resolves; after stop() nothing more happens', async () => {
    const { clock, store, job } = await rig();
    const [v] = visitorIds(1, 'reconcile-store');
    sim.addVisitor(visitor(v!));
    await store.recordExposure('exp', 'a', v!);
    clock.advance(HOUR);
    await store.close();
    await job.runOnce();
    await job.runOnce();
    expect(log.lines.filter((l) => l.includes('the store failed'))).toHaveLength(1);
    expect(visitorCalls([v!])).toBe(0);
    await job.stop();
    job.start();
    await job.runOnce();
    expect(job.stats().looks).toBe(0);
  });
});

describe('two instances on one Postgres database', () => {
  let pg: Postgres;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    for (const close of toClose.splice(0).reverse()) await close();
    await pg?.stop();
  });

  it('look at each visitor once between them when their jobs tick together', async () => {
    const url = await pg.createDatabase();
    const clock = testClock();
    const [a, b] = await Promise.all([0, 1].map(() => openStore({ dataDir: '/nonexistent/vo', databaseUrl: url, now: clock.now })));
    // 20 lookups a tick each: the claims of the two race for the same visitors.
    const ra = await rig({ store: a, clock, callsPerMinute: 120 });
    const rb = await rig({ store: b, clock, callsPerMinute: 120 });
    const ids = visitorIds(60, 'reconcile-two');
    for (const id of ids) {
      sim.addVisitor(visitor(id, [['payment', clock.t + MINUTE]]));
      await a!.recordExposure('exp', 'a', id);
    }
    clock.advance(HOUR);
    for (let i = 0; i < 6; i++) {
      await Promise.all([ra.job.runOnce(), rb.job.runOnce()]);
      clock.advance(10_000);
    }
    expect(visitorCalls(ids)).toBe(60);
    expect(ra.job.stats().looks + rb.job.stats().looks).toBe(60);
    expect(ra.job.stats().looks).toBeGreaterThan(0);
    expect(rb.job.stats().looks).toBeGreaterThan(0);
    expect((await b!.experimentCounts('exp')).get('a')).toEqual({ exposures: 60, conversions: 60 });
  });
});
