// The goal outbox: goals queued as rows of a real SQLite store and sent by the delivery worker
// through the real client to the simulated DataFast. Oldest first; never more than a batch at
// once; through faults every goal exactly once (at least once after a timeout); one probe at a
// time while DataFast fails; the goals breaker and a 429's pause waited out without using
// attempts; permanent refusals recorded and never retried; the last attempt; the cap on queued
// goals; one send per key; drain and close, which leave every undelivered row in the store.
// (The policy's arithmetic: test/server/delivery/backoff.test.ts; answers → states: outcome.test.ts.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { personas } from '../../../demo/personas';
import { startSimulatedDataFast, SIMULATED_DATAFAST_DEFAULTS as SIM, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import { DataFastClient } from '../../../server/datafast/client';
import type { SendResult } from '../../../server/delivery/outcome';
import { eventKey, exposureKey, leadGoal } from '../../../server/events/outbox';
import type { OutboxEntry } from '../../../server/store/store';
import { captureLog, type CapturedLog } from '../../support/log-capture';
import { outboxRig, type Rig, type RigOptions } from '../../support/outbox-rig';

let sim: SimulatedDataFast;
let log: CapturedLog;
let base: string;
const rigs: Rig[] = [];

beforeAll(async () => {
  sim = await startSimulatedDataFast();
  base = mkdtempSync(join(tmpdir(), 'vo-goal-outbox-'));
});
afterAll(async () => {
  await sim.close();
  rmSync(base, { recursive: true, force: true });
});
beforeEach(() => {
  sim.setFault(null);
  sim.resetCalls();
  log = captureLog('debug');
});
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.close()));
});

const VISITORS = [personas.low.visitorId, personas.average.visitorId, personas.high.visitorId];
const visitor = (i: number): string => VISITORS[i % VISITORS.length] ?? personas.low.visitorId;

async function rig(options: Partial<RigOptions> = {}): Promise<Rig> {
  const r = await outboxRig({ apiUrl: sim.url, apiKey: SIM.apiKey, logger: log.logger, baseDir: base, ...options });
  rigs.push(r);
  return r;
}

/** Queues `n` click goals, offers `offer-0`… */
async function enqueueMany(r: Rig, n: number): Promise<string[]> {
  const offers = Array.from({ length: n }, (_, i) => `offer-${i}`);
  for (const [i, offer] of offers.entries()) expect(await r.enqueue(eventKey(), visitor(i), offer)).toBe(true);
  return offers;
}

interface Line {
  level: number;
  msg: string;
  [key: string]: unknown;
}
const lines = (): Line[] => log.lines.map((l) => JSON.parse(l) as Line);
const offersDelivered = (): string[] => sim.goals.map((g) => g.metadata.offer ?? '');
const goalCalls = () => sim.calls.filter((c) => c.path === '/api/v1/goals');

/** A sender that counts how many are in flight at once (`peak`), optionally only while failing. */
function watchInFlight(): { wrap: RigOptions['wrapSend']; peak: () => number; peakWhileFailing: () => number } {
  let inFlight = 0;
  let peak = 0;
  let failing = false;
  let peakFailing = 0;
  return {
    wrap: (send) => async (e: OutboxEntry): Promise<SendResult> => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      if (failing) peakFailing = Math.max(peakFailing, inFlight);
      try {
        const result = await send(e);
        if (result.kind === 'failed') failing = true;
        if (result.kind === 'delivered') failing = false;
        return result;
      } finally {
        inFlight -= 1;
      }
    },
    peak: () => peak,
    peakWhileFailing: () => peakFailing,
  };
}

describe('delivery through the real client', () => {
  it('delivers every goal once, oldest first, one at a time with a batch of 1', async () => {
    const r = await rig({ batch: 1, start: false });
    const offers = await enqueueMany(r, 20);
    await r.worker.start([]);
    await r.worker.drain(10_000);
    expect(offersDelivered()).toEqual(offers);
    expect(sim.goals.map((g) => g.name)).toEqual(offers.map(() => 'offer_click'));
    expect(r.worker.stats()).toMatchObject({ queued: 0, inFlight: 0, delivered: 20, retries: 0, failed: 0, rejected: 0 });
  });

  it('sends a batch at once and never more than the batch in flight', async () => {
    const watch = watchInFlight();
    sim.setFault({ kind: 'delay', ms: 30 }, { match: 'goals' });
    const r = await rig({ batch: 4, start: false, wrapSend: watch.wrap });
    const offers = await enqueueMany(r, 30);
    await r.worker.start([]);
    await r.worker.drain(10_000);
    expect(watch.peak()).toBe(4);
    expect([...offersDelivered()].sort()).toEqual([...offers].sort());
    expect(r.worker.stats().delivered).toBe(30);
  });

  it('survives a 503 outage of N calls: every goal delivered exactly once, none failed', async () => {
    sim.setFault({ kind: 'status', status: 503 }, { match: 'goals', times: 6 });
    const r = await rig({ start: false });
    const offers = await enqueueMany(r, 25);
    await r.worker.start([]);
    await r.worker.drain(15_000);
    expect(sim.callCount('goals')).toBe(25 + 6);
    expect([...offersDelivered()].sort()).toEqual([...offers].sort());
    // Each 503 put its goal back once; every row is settled delivered in the store.
    expect(r.worker.stats()).toMatchObject({ queued: 0, inFlight: 0, delivered: 25, failed: 0, rejected: 0, retries: 6 });
  });

  it('survives resets and timeouts too (at least once: a timeout that reached DataFast may repeat)', async () => {
    const r = await rig({ batch: 1, client: new DataFastClient({ apiKey: SIM.apiKey, apiUrl: sim.url, logger: log.logger, timeoutMs: 150, breaker: { failureThreshold: 1_000 } }) });
    sim.setFault({ kind: 'reset' }, { match: 'goals', times: 2 });
    const offers = await enqueueMany(r, 5);
    await r.worker.drain(10_000);
    // A retried row waits for its time while the next one goes: every goal once, not in order.
    expect([...offersDelivered()].sort()).toEqual(offers);
    sim.resetCalls();

    sim.setFault({ kind: 'hang' }, { match: 'goals', times: 1 });
    await r.enqueue(eventKey(), visitor(0), 'after-hang');
    await r.worker.drain(10_000);
    expect(offersDelivered()).toEqual(['after-hang']);
    expect(r.worker.stats()).toMatchObject({ delivered: 6, failed: 0 });
    r.client.close();
  });

  it('while failing, probes with one call at a time; the first success brings the batch back', async () => {
    const watch = watchInFlight();
    sim.setFault({ kind: 'status', status: 503 }, { match: 'goals', times: 8 });
    const r = await rig({ batch: 4, start: false, wrapSend: watch.wrap });
    await enqueueMany(r, 12);
    await r.worker.start([]);
    await r.worker.drain(15_000);
    // The first four went out together and all failed; after that, one probe at a time.
    expect(watch.peakWhileFailing()).toBe(1);
    expect(watch.peak()).toBe(4);
    expect(sim.callCount('goals')).toBe(12 + 8);
    expect(sim.goals).toHaveLength(12);
  });

  it('waits for the goals breaker: once failures open it, nothing is claimed until its probe, and every goal arrives once', async () => {
    const client = new DataFastClient({ apiKey: SIM.apiKey, apiUrl: sim.url, logger: log.logger, timeoutMs: 500, breaker: { failureThreshold: 2, coolDownMs: 300 } });
    sim.setFault({ kind: 'status', status: 503 }, { match: 'goals', times: 4 });
    const r = await rig({ client, batch: 4, start: false });
    const offers = await enqueueMany(r, 5);
    await r.worker.start([]);
    await r.worker.drain(10_000);
    expect([...offersDelivered()].sort()).toEqual([...offers].sort());
    expect(sim.goals).toHaveLength(5);
    expect(client.breakers.goals.stats()).toMatchObject({ state: 'closed', opened: 1 });
    expect(r.worker.stats()).toMatchObject({ queued: 0, delivered: 5, failed: 0 });
    client.close();
  });

  it('records goals DataFast refuses for good (bot 400, no pageviews 404) as rejected, never retried, logged at debug', async () => {
    const r = await rig({ start: false });
    await r.enqueue(eventKey(), personas.bot.visitorId, 'a');
    await r.enqueue(eventKey(), personas.unknown.visitorId, 'b');
    await r.enqueue(eventKey(), personas.low.visitorId, 'c');
    await r.worker.start([]);
    await r.worker.drain(10_000);
    expect(sim.callCount('goals')).toBe(3);
    expect(r.worker.stats()).toMatchObject({ delivered: 1, rejected: 2, failed: 0, queued: 0 });
    expect(r.worker.stats().byKind.datafast).toMatchObject({ refused: 2, rejected: 2 });
    // One line for the kind, the other held back (a minute per kind of trouble).
    const debug = lines().filter((l) => l.level === 20 && /refused a goal/.test(l.msg));
    expect(debug).toHaveLength(1);
    expect(['http-400', 'http-404']).toContain(debug[0]?.error);
    expect(lines().some((l) => l.level >= 40 && /refused/.test(l.msg))).toBe(false);
  });

  it('gives up after the last attempt: the row is failed, counted, and the warning says so', async () => {
    sim.setFault({ kind: 'status', status: 500 }, { match: 'goals' });
    const r = await rig({ batch: 1, policy: { baseMs: 5, capMs: 10, maxAttempts: 3 } });
    await r.enqueue(eventKey(), visitor(0), 'doomed');
    await r.worker.drain(10_000);
    expect(sim.callCount('goals')).toBe(3);
    // Two answers put it back; the third gave it up.
    expect(r.worker.stats()).toMatchObject({ queued: 0, inFlight: 0, delivered: 0, failed: 1, retries: 2 });
    expect(lines().some((l) => l.level === 40 && /given up after its last attempt/.test(l.msg) && l.error === 'server-error' && l.attempts === 3)).toBe(true);
  });

  it('waits out a 429 pause without using attempts, then delivers everything', async () => {
    sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 1 }, { match: 'goals', times: 1 });
    // One attempt only: had the pause cost an attempt, these goals would fail.
    const r = await rig({ batch: 4, start: false, policy: { baseMs: 10, capMs: 40, maxAttempts: 1 } });
    const offers = await enqueueMany(r, 6);
    await r.worker.start([]);
    await r.worker.drain(10_000);
    expect(r.worker.stats()).toMatchObject({ queued: 0, delivered: 6, failed: 0 });
    expect([...offersDelivered()].sort()).toEqual([...offers].sort());
    // The first four went out together and one got the 429 (the client answered the rest
    // "paused" without a call); nothing went out again before the pause's end.
    const calls = goalCalls();
    const firstAt = calls[0]?.at ?? 0;
    const late = calls.filter((c) => c.at - firstAt > 0).slice(4);
    for (const c of late) expect(c.at - firstAt).toBeGreaterThanOrEqual(900);
    expect(sim.goals).toHaveLength(6);
  });

  it('counts a sender that throws as a failed attempt, and retries the row', async () => {
    let thrown = 0;
    const r = await rig({
      wrapSend: (send) => (e) => {
        if (thrown++ === 0) throw new Error('boom');
        return send(e);
      },
    });
    await r.enqueue(eventKey(), visitor(0), 'after-throw');
    await r.worker.drain(10_000);
    expect(offersDelivered()).toEqual(['after-throw']);
    expect(r.worker.stats()).toMatchObject({ delivered: 1, retries: 1, failed: 0 });
    expect(lines().some((l) => l.level === 40 && /threw/.test(l.msg))).toBe(true);
  });
});

describe('keys, leads, the cap', () => {
  it('queues a goal once per key: the same exposure twice sends one goal', async () => {
    const r = await rig();
    const key = exposureKey(visitor(0), 'exp', 'offer');
    expect(await r.enqueue(key, visitor(0), 'offer', 'offer_exposure')).toBe(true);
    await r.worker.drain(10_000);
    // Taken: no new row, the first one was delivered.
    expect(await r.store.enqueueGoal({ key, goal: { visitorId: visitor(0), name: 'offer_exposure', metadata: { offer: 'offer' } } })).toBe(false);
    await r.worker.drain(10_000);
    expect(sim.goals).toHaveLength(1);
  });

  it("sends a lead's goal made from the lead as stored (offer_lead, its offer), never the email", async () => {
    const r = await rig();
    const lead = await r.store.addLead({ email: 'ann@example.com', offerId: 'guide', visitorId: visitor(1) }, { deliverTo: ['datafast'] });
    r.worker.kick();
    await r.worker.drain(10_000);
    expect(sim.goals.map((g) => [g.visitorId, g.name, g.metadata])).toEqual([[leadGoal(visitor(1), 'guide').visitorId, 'offer_lead', { offer: 'guide' }]]);
    expect(JSON.stringify(sim.calls)).not.toContain('ann@example.com');
    expect((await r.store.lead(lead.id))?.delivered).toEqual({ datafast: true, webhook: false });
  });

  it('drops widget goals past the cap (pending rows, every instance’s), counts them and warns once a minute', async () => {
    let now = 1_700_000_000_000;
    // Not started: nothing is claimed, so every queued row stays pending.
    const r = await rig({ capacity: 3, start: false, now: () => now });
    for (let i = 0; i < 3; i += 1) expect(await r.enqueue(eventKey(), visitor(i), `kept-${i}`)).toBe(true);
    await r.worker.refresh(0);
    const refused = await Promise.all(Array.from({ length: 6 }, (_, i) => r.enqueue(eventKey(), visitor(i), `dropped-${i}`)));
    expect(refused).toEqual([false, false, false, false, false, false]);
    expect(r.goals.stats()).toEqual({ dropped: 6, capacity: 3 });
    let warnings = lines().filter((l) => l.level === 40 && /outbox is full/.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ pending: 3, capacity: 3, dropped: 1, heldBackSinceLast: 0 });

    now += 60_000;
    expect(await r.enqueue(eventKey(), visitor(0), 'dropped-late')).toBe(false);
    warnings = lines().filter((l) => l.level === 40 && /outbox is full/.test(l.msg));
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatchObject({ dropped: 7, heldBackSinceLast: 5 });

    await r.worker.start([]);
    await r.worker.drain(10_000);
    expect(offersDelivered().sort()).toEqual(['kept-0', 'kept-1', 'kept-2']);
    // Room again: a new goal is queued.
    expect(await r.enqueue(eventKey(), visitor(0), 'room-again')).toBe(true);
  });
});

describe('drain and close', () => {
  it('drain resolves after its timeout when a send never finishes, and says so in stats()', async () => {
    const r = await rig({ wrapSend: () => () => new Promise<SendResult>(() => undefined) });
    await r.enqueue(eventKey(), visitor(0), 'stuck');
    await r.worker.drain(300);
    expect((await r.worker.refresh(0)).inFlight).toBe(1);
  });

  it('drain resolves at once when nothing is pending', async () => {
    const r = await rig();
    await r.worker.drain(60_000);
    expect(r.worker.stats()).toMatchObject({ queued: 0, inFlight: 0 });
  });

  it('close leaves every undelivered row in the store, frees its leases, and the next worker sends them once', async () => {
    // Sends that never end (and so never settle): their leases are what close() frees.
    const first = await rig({ batch: 2, leaseMs: 60_000, start: false, wrapSend: () => () => new Promise<SendResult>(() => undefined) });
    const offers = await enqueueMany(first, 5);
    await first.worker.start([]);
    // Two are out (hanging), three wait.
    await expect.poll(async () => (await first.worker.refresh(0)).inFlight).toBe(2);
    await first.worker.close(100);
    // Nothing lost, nothing leased: the freed rows are due at once, not after the 60 s lease.
    expect(await first.store.outboxCounts()).toMatchObject({ datafast: { queued: 5, inFlight: 0 } });

    expect(sim.callCount('goals')).toBe(0);
    const second = await rig({ store: first.ref });
    await second.worker.drain(10_000);
    expect([...offersDelivered()].sort()).toEqual([...offers].sort());
    expect(second.worker.stats()).toMatchObject({ queued: 0, inFlight: 0, delivered: 5 });
  });
});
