// The goal outbox: in-order delivery through the real client to the simulated DataFast, retries
// with backoff through faults (every goal exactly once), a bounded queue that counts and reports
// its drops, permanent rejections, maxAttempts, and waiting out a 429 pause without using attempts.
// The backoff arithmetic is checked with an injected clock, timer and random source.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { personas } from '../../../demo/personas';
import { startSimulatedDataFast, SIMULATED_DATAFAST_DEFAULTS, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import { DataFastClient, type GoalResult } from '../../../server/datafast/client';
import { GOAL_NAMES } from '../../../server/datafast/goals';
import { GoalOutbox, type GoalJob, type GoalOutboxOptions, type SetTimer } from '../../../server/events/outbox';
import { captureLog, type CapturedLog } from '../../support/log-capture';

let sim: SimulatedDataFast;
let log: CapturedLog;

beforeAll(async () => {
  sim = await startSimulatedDataFast();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.setFault(null);
  sim.resetCalls();
  log = captureLog('debug');
});

const VISITORS = [personas.low.visitorId, personas.average.visitorId, personas.high.visitorId];

function jobs(n: number): GoalJob[] {
  return Array.from({ length: n }, (_, i) => ({
    visitorId: VISITORS[i % VISITORS.length] ?? personas.low.visitorId,
    name: GOAL_NAMES.exposure,
    metadata: { offer: `offer-${i}` },
  }));
}

/**
 * The client's circuit breaker is set out of reach unless a test asks for one: these tests are
 * about the outbox's own backoff, which would otherwise wait out the breaker's cool-down.
 */
function makeClient(overrides: { timeoutMs?: number; defaultRetryAfterMs?: number; breaker?: { failureThreshold?: number; coolDownMs?: number } } = {}): DataFastClient {
  return new DataFastClient({ apiKey: SIMULATED_DATAFAST_DEFAULTS.apiKey, apiUrl: sim.url, logger: log.logger, timeoutMs: 500, breaker: { failureThreshold: 1_000 }, ...overrides });
}

function outboxFor(client: DataFastClient, options: Partial<GoalOutboxOptions> = {}): GoalOutbox {
  return new GoalOutbox({
    send: (job) => client.createGoal(job.visitorId, job.name, job.metadata),
    pausedUntil: () => client.pausedUntil,
    logger: log.logger,
    baseDelayMs: 10,
    maxDelayMs: 40,
    ...options,
  });
}

interface Line {
  level: number;
  msg: string;
  [key: string]: unknown;
}
const lines = (): Line[] => log.lines.map((l) => JSON.parse(l) as Line);
const offersDelivered = (): string[] => sim.goals.map((g) => g.metadata.offer ?? '');

describe('delivery through the real client', () => {
  it('delivers every goal once, in order, with concurrency 1', async () => {
    const outbox = outboxFor(makeClient(), { concurrency: 1 });
    const list = jobs(20);
    for (const j of list) expect(outbox.enqueue(j)).toBe(true);
    await outbox.drain(5000);
    expect(offersDelivered()).toEqual(list.map((j) => j.metadata.offer));
    expect(sim.goals.map((g) => g.name)).toEqual(list.map(() => 'offer_exposure'));
    expect(outbox.stats()).toEqual({ queued: 0, inFlight: 0, sent: 20, rejected: 0, failed: 0, dropped: 0, retries: 0, capacity: 10_000 });
  });

  it('starts sends in order with concurrency 4 and never has more than 4 in flight', async () => {
    const client = makeClient();
    const started: string[] = [];
    let inFlight = 0;
    let peak = 0;
    const outbox = new GoalOutbox({
      logger: log.logger,
      send: async (job) => {
        started.push(job.metadata.offer);
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        try {
          return await client.createGoal(job.visitorId, job.name, job.metadata);
        } finally {
          inFlight -= 1;
        }
      },
    });
    const list = jobs(30);
    for (const j of list) outbox.enqueue(j);
    expect(outbox.stats().inFlight).toBe(4);
    expect(outbox.stats().queued).toBe(26);
    await outbox.drain(5000);
    expect(started).toEqual(list.map((j) => j.metadata.offer));
    expect(peak).toBe(4);
    expect([...offersDelivered()].sort()).toEqual(list.map((j) => j.metadata.offer).sort());
    expect(outbox.stats().sent).toBe(30);
  });

  it('survives a 503 outage of N calls: every goal delivered exactly once, none failed', async () => {
    const outbox = outboxFor(makeClient());
    sim.setFault({ kind: 'status', status: 503 }, { match: 'goals', times: 6 });
    const list = jobs(25);
    for (const j of list) outbox.enqueue(j);
    await outbox.drain(10_000);
    expect(sim.callCount('goals')).toBe(25 + 6);
    const delivered = offersDelivered();
    expect(new Set(delivered).size).toBe(25);
    expect([...delivered].sort()).toEqual(list.map((j) => j.metadata.offer).sort());
    // Each 503 put its goal back once.
    expect(outbox.stats()).toMatchObject({ queued: 0, inFlight: 0, sent: 25, failed: 0, rejected: 0, dropped: 0, retries: 6 });
  });

  it('survives resets and timeouts too (at-least-once: a timeout that reached DataFast may repeat)', async () => {
    const outbox = outboxFor(makeClient({ timeoutMs: 150 }), { concurrency: 1 });
    sim.setFault({ kind: 'reset' }, { match: 'goals', times: 2 });
    const list = jobs(5);
    for (const j of list) outbox.enqueue(j);
    await outbox.drain(5000);
    expect(offersDelivered()).toEqual(list.map((j) => j.metadata.offer));
    sim.resetCalls();

    sim.setFault({ kind: 'hang' }, { match: 'goals', times: 1 });
    outbox.enqueue(list[0] as GoalJob);
    await outbox.drain(5000);
    expect(offersDelivered()).toEqual([list[0]?.metadata.offer]);
    expect(outbox.stats()).toMatchObject({ sent: 6, failed: 0 });
  });

  it('while failing, probes with one call at a time', async () => {
    const client = makeClient();
    let inFlight = 0;
    let failing = false;
    let peakWhileFailing = 0;
    const outbox = new GoalOutbox({
      logger: log.logger,
      baseDelayMs: 20,
      maxDelayMs: 20,
      random: () => 0.999,
      send: async (job) => {
        inFlight += 1;
        if (failing) peakWhileFailing = Math.max(peakWhileFailing, inFlight);
        const result = await client.createGoal(job.visitorId, job.name, job.metadata);
        inFlight -= 1;
        if (result.kind === 'unavailable') failing = true;
        if (result.kind === 'created') failing = false;
        return result;
      },
    });
    sim.setFault({ kind: 'status', status: 503 }, { match: 'goals', times: 8 });
    for (const j of jobs(12)) outbox.enqueue(j);
    await outbox.drain(10_000);
    // The first four went out together and all failed; after that, one probe at a time.
    expect(peakWhileFailing).toBe(1);
    expect(sim.callCount('goals')).toBe(12 + 8);
    expect(outbox.stats()).toMatchObject({ sent: 12, failed: 0 });
    expect(sim.goals).toHaveLength(12);
  });

  it('waits for the goals breaker: once failures open it, the queue holds until its probe, and every goal arrives once', async () => {
    // As the router wires it: the queue waits for the goals breaker's probe time.
    const client = makeClient({ breaker: { failureThreshold: 2, coolDownMs: 300 } });
    const outbox = outboxFor(client, { pausedUntil: () => client.retryAt('goals') });
    sim.setFault({ kind: 'status', status: 503 }, { match: 'goals', times: 4 });
    const list = jobs(5);
    for (const j of list) outbox.enqueue(j);
    await outbox.drain(5_000);
    // The first four went out together and failed; then the probe and the last one succeeded.
    expect(sim.callCount('goals')).toBe(5 + 4);
    expect([...offersDelivered()].sort()).toEqual(list.map((j) => j.metadata.offer).sort());
    expect(outbox.stats()).toMatchObject({ queued: 0, sent: 5, failed: 0, dropped: 0 });
    expect(client.breakers.goals.stats()).toMatchObject({ state: 'closed', opened: 1 });
  });

  it('drops rejected goals (bot 400, no pageviews 404) without retrying, logged at debug', async () => {
    const outbox = outboxFor(makeClient());
    outbox.enqueue({ visitorId: personas.bot.visitorId, name: GOAL_NAMES.click, metadata: { offer: 'a' } });
    outbox.enqueue({ visitorId: personas.unknown.visitorId, name: GOAL_NAMES.click, metadata: { offer: 'b' } });
    outbox.enqueue({ visitorId: personas.low.visitorId, name: GOAL_NAMES.click, metadata: { offer: 'c' } });
    await outbox.drain(5000);
    expect(sim.callCount('goals')).toBe(3);
    expect(outbox.stats()).toMatchObject({ sent: 1, rejected: 2, failed: 0 });
    const debug = lines().filter((l) => l.level === 20 && /refused a goal/.test(l.msg));
    expect(debug.map((l) => l.status)).toEqual(expect.arrayContaining([400, 404]));
    expect(lines().some((l) => l.level >= 40 && /refused a goal/.test(l.msg))).toBe(false);
  });

  it('gives up after maxAttempts unavailable answers and counts the goal as failed', async () => {
    const outbox = outboxFor(makeClient(), { maxAttempts: 3, concurrency: 1 });
    sim.setFault({ kind: 'status', status: 500 }, { match: 'goals' });
    outbox.enqueue(jobs(1)[0] as GoalJob);
    await outbox.drain(5000);
    expect(sim.callCount('goals')).toBe(3);
    // Two answers put it back; the third gave it up.
    expect(outbox.stats()).toMatchObject({ queued: 0, inFlight: 0, sent: 0, failed: 1, retries: 2 });
    expect(lines().some((l) => l.level === 40 && /given up/.test(l.msg))).toBe(true);
  });

  it('waits out a 429 pause without using attempts, then delivers everything', async () => {
    const client = makeClient();
    // maxAttempts 1: had the pause cost an attempt, these goals would fail.
    const outbox = outboxFor(client, { maxAttempts: 1 });
    sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 1 }, { match: 'goals', times: 1 });
    const list = jobs(6);
    for (const j of list) outbox.enqueue(j);
    await outbox.drain(5000);
    expect(outbox.stats()).toMatchObject({ queued: 0, sent: 6, failed: 0 });
    // The first four went out together and one got the 429; the three left waited for the pause
    // (answered "paused" by the client without a call) and went out after it.
    expect(sim.callCount('goals')).toBe(7);
    const goalCalls = sim.calls.filter((c) => c.path === '/api/v1/goals');
    const firstAt = goalCalls[0]?.at ?? 0;
    for (const late of goalCalls.slice(4)) expect(late.at - firstAt).toBeGreaterThanOrEqual(900);
    expect([...offersDelivered()].sort()).toEqual(list.map((j) => j.metadata.offer).sort());
  });

  it('waits out a pause with backoff when it cannot see the client pause', async () => {
    const client = makeClient({ defaultRetryAfterMs: 200 });
    const outbox = new GoalOutbox({
      send: (job) => client.createGoal(job.visitorId, job.name, job.metadata),
      logger: log.logger,
      baseDelayMs: 20,
      maxDelayMs: 80,
      maxAttempts: 1,
    });
    sim.setFault({ kind: 'rate-limit' }, { match: 'goals', times: 1 });
    for (const j of jobs(3)) outbox.enqueue(j);
    await outbox.drain(5000);
    expect(outbox.stats()).toMatchObject({ sent: 3, failed: 0 });
  });
});

describe('the bounded queue', () => {
  it('refuses jobs beyond maxSize, counts them and warns once a minute', async () => {
    let now = 1_000_000;
    const outbox = outboxFor(makeClient(), { maxSize: 3, concurrency: 1, now: () => now });
    sim.setFault({ kind: 'delay', ms: 100 }, { match: 'goals' });
    const results = jobs(10).map((j) => outbox.enqueue(j));
    // One in flight, three waiting, six refused.
    expect(results).toEqual([true, true, true, true, false, false, false, false, false, false]);
    expect(outbox.stats()).toMatchObject({ queued: 3, inFlight: 1, dropped: 6 });
    let warnings = lines().filter((l) => l.level === 40 && /full/.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ dropped: 1, maxSize: 3 });

    now += 60_000;
    expect(outbox.enqueue(jobs(1)[0] as GoalJob)).toBe(false);
    warnings = lines().filter((l) => l.level === 40 && /full/.test(l.msg));
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatchObject({ dropped: 7, suppressedSinceLastWarning: 5 });

    await outbox.drain(5000);
    expect(outbox.stats()).toMatchObject({ queued: 0, sent: 4, dropped: 7 });
    expect(sim.goals).toHaveLength(4);
  });
});

// ---------------------------------------------------------------------------------------------
// Deterministic checks with an injected clock and timer.

class FakeTime {
  now = 0;
  timers: Array<{ at: number; fn: () => void; id: number }> = [];
  requested: number[] = [];
  #id = 0;

  readonly setTimer: SetTimer = (fn, ms) => {
    const id = ++this.#id;
    this.requested.push(ms);
    this.timers.push({ at: this.now + ms, fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  };

  /** Runs every timer due within `ms`, in time order, letting promises settle in between. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      await flush();
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.now = Math.max(this.now, due.at);
      due.fn();
    }
    this.now = end;
    await flush();
  }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

describe('backoff (injected clock)', () => {
  it('holds for full-jitter exponential delays, capped at maxDelayMs, then fails the job', async () => {
    const time = new FakeTime();
    let calls = 0;
    const outbox = new GoalOutbox({
      send: async () => {
        calls += 1;
        return { kind: 'unavailable', cause: 'server-error' };
      },
      logger: log.logger,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      maxAttempts: 6,
      now: () => time.now,
      setTimer: time.setTimer,
      random: () => 0.999_999,
    });
    outbox.enqueue(jobs(1)[0] as GoalJob);
    await time.advance(10_000);
    expect(calls).toBe(6);
    // Ceilings 100, 200, 400, 800, 1000 (capped); random just below 1 gives ceiling - 1.
    expect(time.requested.slice(0, 5)).toEqual([99, 199, 399, 799, 999]);
    expect(outbox.stats()).toMatchObject({ failed: 1, queued: 0, inFlight: 0 });
  });

  it('uses the random source for the jitter (full jitter can retry at once)', async () => {
    const time = new FakeTime();
    let calls = 0;
    const outbox = new GoalOutbox({
      send: async (): Promise<GoalResult> => {
        calls += 1;
        return calls < 3 ? { kind: 'unavailable', cause: 'timeout' } : { kind: 'created' };
      },
      logger: log.logger,
      baseDelayMs: 1000,
      now: () => time.now,
      setTimer: time.setTimer,
      random: () => 0,
    });
    outbox.enqueue(jobs(1)[0] as GoalJob);
    await time.advance(0);
    expect(calls).toBe(3);
    expect(outbox.stats()).toMatchObject({ sent: 1, failed: 0 });
  });

  it('does not start anything before the hold ends, and a success ends probing', async () => {
    const time = new FakeTime();
    const answers: GoalResult[] = [{ kind: 'unavailable', cause: 'server-error' }];
    let inFlight = 0;
    let peak = 0;
    const started: number[] = [];
    const outbox = new GoalOutbox({
      send: async () => {
        started.push(time.now);
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await flush();
        inFlight -= 1;
        return answers.shift() ?? { kind: 'created' };
      },
      logger: log.logger,
      baseDelayMs: 500,
      concurrency: 1,
      now: () => time.now,
      setTimer: time.setTimer,
      random: () => 0.5,
    });
    for (const j of jobs(3)) outbox.enqueue(j);
    await time.advance(249);
    expect(started).toEqual([0]);
    await time.advance(1);
    await time.advance(0);
    expect(started.slice(0, 2)).toEqual([0, 250]);
    await time.advance(1);
    expect(outbox.stats()).toMatchObject({ sent: 3, queued: 0 });
    expect(peak).toBe(1);
  });

  it('treats a throwing sender as unavailable', async () => {
    const time = new FakeTime();
    let calls = 0;
    const outbox = new GoalOutbox({
      send: async () => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
        return { kind: 'created' };
      },
      logger: log.logger,
      now: () => time.now,
      setTimer: time.setTimer,
      random: () => 0,
    });
    outbox.enqueue(jobs(1)[0] as GoalJob);
    await time.advance(0);
    expect(outbox.stats()).toMatchObject({ sent: 1, failed: 0 });
  });

  it('waits until pausedUntil on "paused", using no attempt', async () => {
    const time = new FakeTime();
    let pausedUntil = 5000;
    const sentAt: number[] = [];
    const outbox = new GoalOutbox({
      send: async () => {
        if (time.now < pausedUntil) return { kind: 'unavailable', cause: 'paused' };
        sentAt.push(time.now);
        return { kind: 'created' };
      },
      pausedUntil: () => (pausedUntil > time.now ? pausedUntil : 0),
      logger: log.logger,
      maxAttempts: 1,
      now: () => time.now,
      setTimer: time.setTimer,
    });
    for (const j of jobs(5)) outbox.enqueue(j);
    await time.advance(4999);
    expect(outbox.stats()).toMatchObject({ queued: 5, sent: 0, failed: 0 });
    await time.advance(1);
    expect(sentAt).toEqual([5000, 5000, 5000, 5000, 5000]);
    expect(outbox.stats()).toMatchObject({ queued: 0, sent: 5, failed: 0 });
    pausedUntil = 0;
  });
});

describe('drain and close', () => {
  it('drain resolves after its timeout when a send never finishes', async () => {
    const outbox = new GoalOutbox({ send: () => new Promise<GoalResult>(() => {}), logger: log.logger });
    outbox.enqueue(jobs(1)[0] as GoalJob);
    const started = performance.now();
    await outbox.drain(60);
    expect(performance.now() - started).toBeGreaterThanOrEqual(50);
    expect(outbox.stats()).toMatchObject({ inFlight: 1 });
  });

  it('drain resolves at once when idle', async () => {
    const outbox = new GoalOutbox({ send: async () => ({ kind: 'created' }), logger: log.logger });
    await outbox.drain(60_000);
  });

  it('close drops what is still queued (counted and logged) and refuses new jobs', async () => {
    const outbox = new GoalOutbox({ send: () => new Promise<GoalResult>(() => {}), logger: log.logger, concurrency: 1 });
    for (const j of jobs(4)) outbox.enqueue(j);
    outbox.close();
    expect(outbox.stats()).toMatchObject({ queued: 0, inFlight: 1, dropped: 3 });
    expect(outbox.enqueue(jobs(1)[0] as GoalJob)).toBe(false);
    expect(outbox.stats().dropped).toBe(4);
    expect(lines().some((l) => l.level === 40 && /closed/.test(l.msg))).toBe(true);
  });

  it('refuses nonsense options', () => {
    expect(() => new GoalOutbox({ send: async () => ({ kind: 'created' }), logger: log.logger, maxSize: 0 })).toThrow(RangeError);
    expect(() => new GoalOutbox({ send: async () => ({ kind: 'created' }), logger: log.logger, maxAttempts: Number.NaN })).toThrow(
      RangeError,
    );
  });
});
