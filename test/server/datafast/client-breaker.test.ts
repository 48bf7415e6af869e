// The client's breakers against the simulated DataFast over real sockets, with the breakers'
// clock in the test's hands: failures in a row open a breaker and calls are refused without
// touching the network; the cool-down lets one probe through; a 429 opens all three; each kind of
// call has its own breaker; and the log holds a line per transition, not one per request.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { personas } from '../../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS, startSimulatedDataFast, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import { DataFastClient, PROBE_VISITOR_ID } from '../../../server/datafast/client';
import { GOAL_NAMES } from '../../../server/datafast/goals';
import { captureLog, type CapturedLog } from '../../support/log-capture';

const THRESHOLD = 3;
const COOL_DOWN = 30_000;
/** Small, so the hang tests stay short; the breaker's own clock is fake. */
const TIMEOUT_MS = 250;
const META = { offer: 'launch-coupon' };

let sim: SimulatedDataFast;
beforeAll(async () => {
  sim = await startSimulatedDataFast();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.setFault(null);
  sim.resetCalls();
});

interface Setup {
  client: DataFastClient;
  clock: { t: number };
  log: CapturedLog;
  /** Warnings and errors logged so far. */
  warnings(): string[];
}

function setup(): Setup {
  const clock = { t: Date.now() };
  const log = captureLog('debug');
  const client = new DataFastClient({
    apiKey: SIMULATED_DATAFAST_DEFAULTS.apiKey,
    apiUrl: sim.url,
    timeoutMs: TIMEOUT_MS,
    breaker: { failureThreshold: THRESHOLD, failureWindowMs: 60_000, coolDownMs: COOL_DOWN },
    logger: log.logger,
    now: () => clock.t,
    // No summary timer fires during these tests: summaries are the upstream-log tests' business.
    setTimer: () => () => undefined,
  });
  const warnings = (): string[] =>
    log.lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 40).map((l) => l.msg);
  return { client, clock, log, warnings };
}

async function openByHang(s: Setup): Promise<void> {
  sim.setFault({ kind: 'hang' }, { match: 'visitors' });
  for (let i = 0; i < THRESHOLD; i++) {
    expect(await s.client.getVisitor(personas.average.visitorId)).toEqual({ kind: 'unavailable', cause: 'timeout' });
  }
  expect(s.client.breakers.visitors.state()).toBe('open');
}

describe('while DataFast hangs', () => {
  it('opens after the failures in a row, then answers "paused" without a call to DataFast', async () => {
    const s = setup();
    await openByHang(s);
    expect(sim.callCount('visitors')).toBe(THRESHOLD);
    for (let i = 0; i < 20; i++) expect(await s.client.getVisitor(personas.high.visitorId)).toEqual({ kind: 'unavailable', cause: 'paused' });
    expect(sim.callCount('visitors')).toBe(THRESHOLD);
    expect(s.client.breakers.visitors.stats()).toMatchObject({ state: 'open', refused: 20, opened: 1, failures: { timeout: THRESHOLD } });
    expect(s.client.retryAt('visitors')).toBe(s.clock.t + COOL_DOWN);
  });

  it('logs the hang once and the opening once, not a line per request', async () => {
    const s = setup();
    await openByHang(s);
    for (let i = 0; i < 20; i++) await s.client.getVisitor(personas.high.visitorId);
    expect(s.warnings()).toEqual([
      expect.stringMatching(/^DataFast visitor lookups: no answer within 250 ms/),
      expect.stringMatching(/^DataFast visitor lookups: breaker open after 3 failures in a row \(last: timeout\)/),
    ]);
  });
});

describe('after the cool-down', () => {
  it('lets one probe through; while it is out other calls are refused; its success closes the breaker', async () => {
    const s = setup();
    await openByHang(s);
    sim.setFault({ kind: 'delay', ms: 100 }, { match: 'visitors', times: 1 });
    s.clock.t += COOL_DOWN;
    sim.resetCalls();

    const probe = s.client.getVisitor(personas.high.visitorId);
    expect(await s.client.getVisitor(personas.low.visitorId)).toEqual({ kind: 'unavailable', cause: 'paused' });
    expect((await probe).kind).toBe('found');
    expect(sim.callCount('visitors')).toBe(1);
    expect(s.client.breakers.visitors.state()).toBe('closed');

    expect((await s.client.getVisitor(personas.low.visitorId)).kind).toBe('found');
    expect(sim.callCount('visitors')).toBe(2);
  });

  it('opens again when the probe fails, for another cool-down', async () => {
    const s = setup();
    await openByHang(s);
    s.clock.t += COOL_DOWN;
    sim.resetCalls();
    expect(await s.client.getVisitor(personas.high.visitorId)).toEqual({ kind: 'unavailable', cause: 'timeout' });
    expect(s.client.breakers.visitors.state()).toBe('open');
    expect(await s.client.getVisitor(personas.high.visitorId)).toEqual({ kind: 'unavailable', cause: 'paused' });
    expect(sim.callCount('visitors')).toBe(1);
    expect(s.client.retryAt('visitors')).toBe(s.clock.t + COOL_DOWN);
  });
});

describe('probeVisitors (what readiness calls when no traffic comes)', () => {
  it('makes no call unless the breaker is half-open with no probe out; then one lookup of PROBE_VISITOR_ID, whose answer closes it', async () => {
    const s = setup();
    expect(s.client.probeVisitors()).toBeNull();
    await openByHang(s);
    expect(s.client.probeVisitors()).toBeNull();
    sim.resetCalls();
    s.clock.t += COOL_DOWN;
    // The probe hangs at first: while it is out, no second one.
    const probe = s.client.probeVisitors();
    expect(probe).not.toBeNull();
    expect(s.client.probeVisitors()).toBeNull();
    expect(await probe).toEqual({ kind: 'unavailable', cause: 'timeout' });
    expect(s.client.breakers.visitors.state()).toBe('open');
    sim.setFault(null);
    s.clock.t += COOL_DOWN;
    // A visitor no one is: DataFast answers 404, an answer.
    expect(await s.client.probeVisitors()).toEqual({ kind: 'unknown' });
    expect(s.client.breakers.visitors.state()).toBe('closed');
    expect(sim.calls.map((c) => c.path)).toEqual([`/api/v1/visitors/${PROBE_VISITOR_ID}`, `/api/v1/visitors/${PROBE_VISITOR_ID}`]);
  });
});

describe('a 429', () => {
  it('opens every breaker at once, until Retry-After, with one warning', async () => {
    const s = setup();
    sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 120 }, { times: 1 });
    expect(await s.client.getVisitor(personas.average.visitorId)).toEqual({ kind: 'unavailable', cause: 'rate-limited' });
    for (const b of Object.values(s.client.breakers)) expect(b.state()).toBe('open');
    expect(s.client.pausedUntil).toBe(s.clock.t + 120_000);
    expect(s.client.retryAt('goals')).toBe(s.clock.t + 120_000);

    expect(await s.client.getRealtimeMap()).toEqual({ kind: 'unavailable', cause: 'paused' });
    expect(await s.client.createGoal(personas.average.visitorId, GOAL_NAMES.click, META)).toEqual({ kind: 'unavailable', cause: 'paused' });
    expect(await s.client.getVisitor(personas.high.visitorId)).toEqual({ kind: 'unavailable', cause: 'paused' });
    expect(sim.calls).toHaveLength(1);
    expect(s.warnings()).toEqual([expect.stringMatching(/rate limit reached \(429\)/)]);

    // The cool-down of a breaker does not end a 429's pause early.
    s.clock.t += COOL_DOWN;
    expect(await s.client.getVisitor(personas.high.visitorId)).toEqual({ kind: 'unavailable', cause: 'paused' });

    s.clock.t += 120_000 - COOL_DOWN;
    expect(s.client.pausedUntil).toBe(0);
    expect((await s.client.getVisitor(personas.high.visitorId)).kind).toBe('found');
    expect((await s.client.getRealtimeMap()).kind).toBe('found');
    expect(await s.client.createGoal(personas.average.visitorId, GOAL_NAMES.click, META)).toEqual({ kind: 'created' });
    expect(sim.calls).toHaveLength(4);
    for (const b of Object.values(s.client.breakers)) expect(b.state()).toBe('closed');
  });
});

describe('one breaker per kind of call', () => {
  it('a failing realtime map opens its own breaker and leaves visitor lookups and goals alone', async () => {
    const s = setup();
    sim.setFault({ kind: 'status', status: 500 }, { match: 'realtime' });
    for (let i = 0; i < THRESHOLD; i++) expect(await s.client.getRealtimeMap()).toEqual({ kind: 'unavailable', cause: 'server-error' });
    expect(await s.client.getRealtimeMap()).toEqual({ kind: 'unavailable', cause: 'paused' });
    expect(sim.callCount('realtime')).toBe(THRESHOLD);
    expect((await s.client.getVisitor(personas.high.visitorId)).kind).toBe('found');
    expect(await s.client.createGoal(personas.average.visitorId, GOAL_NAMES.click, META)).toEqual({ kind: 'created' });
    expect([s.client.breakers.realtime.state(), s.client.breakers.visitors.state(), s.client.breakers.goals.state()]).toEqual(['open', 'closed', 'closed']);
  });

  it('DataFast refusing the key is an answer, not an outage: the breaker stays closed', async () => {
    const log = captureLog('debug');
    const client = new DataFastClient({ apiKey: 'df_wrong_key_0000', apiUrl: sim.url, breaker: { failureThreshold: THRESHOLD }, logger: log.logger });
    for (let i = 0; i < THRESHOLD * 2; i++) expect(await client.getVisitor(personas.high.visitorId)).toEqual({ kind: 'unavailable', cause: 'auth' });
    expect(client.breakers.visitors.state()).toBe('closed');
    expect(sim.callCount('visitors')).toBe(THRESHOLD * 2);
    client.close();
  });

  it('bots, unknown visitors and refused goals are answers too', async () => {
    const s = setup();
    for (let i = 0; i < THRESHOLD; i++) {
      expect(await s.client.getVisitor(personas.bot.visitorId)).toEqual({ kind: 'bot' });
      expect(await s.client.getVisitor(personas.unknown.visitorId)).toEqual({ kind: 'unknown' });
      expect((await s.client.createGoal(personas.unknown.visitorId, GOAL_NAMES.click, META)).kind).toBe('rejected');
    }
    expect([s.client.breakers.visitors.state(), s.client.breakers.goals.state()]).toEqual(['closed', 'closed']);
  });
});

describe('repeated server errors and bad bodies', () => {
  it.each([
    ['500', { kind: 'status', status: 500 } as const, 'server error 500'],
    ['a reset', { kind: 'reset' } as const, 'connection refused, reset or cut off'],
  ])('%s: 50 requests log two warnings (the first failure and the opening), not 50', async (_label, fault, words) => {
    const s = setup();
    sim.setFault(fault, { match: 'visitors' });
    for (let i = 0; i < 50; i++) expect((await s.client.getVisitor(personas.high.visitorId)).kind).toBe('unavailable');
    expect(s.warnings()).toEqual([expect.stringContaining(words), expect.stringMatching(/breaker open after 3 failures in a row/)]);
  });

  it.each([
    ['cut-off JSON', { kind: 'malformed-json' } as const, 'malformed', 'a body we could not read'],
    ['a 300 kB record', { kind: 'huge-record', bytes: 300_000 } as const, 'too-large', 'a body over the size limit'],
  ])('%s: 50 answers are that record refused, one warning, and the breaker stays closed (a record is not an outage)', async (_label, fault, cause, words) => {
    const s = setup();
    sim.setFault(fault, { match: 'visitors' });
    for (let i = 0; i < 50; i++) expect(await s.client.getVisitor(personas.high.visitorId)).toEqual({ kind: 'unusable', cause });
    expect(sim.callCount('visitors')).toBe(50);
    expect(s.client.breakers.visitors.state()).toBe('closed');
    expect(s.warnings()).toEqual([expect.stringContaining(words)]);
  });
});
