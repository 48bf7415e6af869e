// DataFastClient.createGoal against the simulated DataFast over real sockets: the body and
// credential it sends, how answers map to created / rejected / unavailable, and that a POST is
// never retried inside the client (the outbox decides), while a 429 pauses every call.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { personas } from '../../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS, startSimulatedDataFast } from '../../../demo/simulated-datafast';
import type { Fault, SimulatedDataFast } from '../../../demo/simulated-datafast';
import { DataFastClient } from '../../../server/datafast/client';
import type { DataFastClientOptions } from '../../../server/datafast/client';
import { GOAL_NAMES } from '../../../server/datafast/goals';
import { captureLog, type CapturedLog } from '../../support/log-capture';

const { apiKey, accountToken, websiteId } = SIMULATED_DATAFAST_DEFAULTS;
const TIMEOUT_MS = 300;
const DEADLINE_MARGIN_MS = 700;
const SECRETS = [apiKey, accountToken];

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
afterEach(() => {
  for (const secret of SECRETS) expect(log.text()).not.toContain(secret);
  expect(log.text()).not.toMatch(/Bearer/i);
});

function client(overrides: Partial<DataFastClientOptions> = {}): DataFastClient {
  return new DataFastClient({ apiKey, apiUrl: sim.url, logger: log.logger, timeoutMs: TIMEOUT_MS, ...overrides });
}

const META = { offer: 'spring-coupon', experiment: 'exp-hero', variant: 'b' };

async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; elapsed: number }> {
  const start = performance.now();
  const result = await fn();
  return { result, elapsed: performance.now() - start };
}

describe('createGoal with a df_ website key', () => {
  it('POSTs the documented JSON body with the key and no websiteId, and answers created', async () => {
    const result = await client().createGoal(personas.average.visitorId, GOAL_NAMES.exposure, META);
    expect(result).toEqual({ kind: 'created' });
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]).toMatchObject({
      method: 'POST',
      path: '/api/v1/goals',
      query: {},
      authorization: `Bearer ${apiKey}`,
      body: { datafast_visitor_id: personas.average.visitorId, name: 'offer_exposure', metadata: META },
    });
    expect(sim.goals).toEqual([
      { visitorId: personas.average.visitorId, name: 'offer_exposure', metadata: META, eventId: expect.any(String), at: expect.any(Number) },
    ]);
  });

  it('drops undefined metadata before sending', async () => {
    await client().createGoal(personas.low.visitorId, GOAL_NAMES.click, { offer: 'o1', experiment: undefined });
    expect(sim.calls[0]?.body).toEqual({ datafast_visitor_id: personas.low.visitorId, name: 'offer_click', metadata: { offer: 'o1' } });
  });

  it('answers 400 for a bot and 404 for a visitor without pageviews as rejected, once each', async () => {
    const c = client();
    expect(await c.createGoal(personas.bot.visitorId, GOAL_NAMES.click, META)).toEqual({ kind: 'rejected', status: 400 });
    expect(await c.createGoal(personas.unknown.visitorId, GOAL_NAMES.click, META)).toEqual({ kind: 'rejected', status: 404 });
    expect(await c.createGoal('00000000-0000-4000-8000-000000000000', GOAL_NAMES.click, META)).toEqual({
      kind: 'rejected',
      status: 404,
    });
    expect(sim.callCount('goals')).toBe(3);
    expect(sim.goals).toHaveLength(0);
  });

  it('refuses to send a body DataFast would reject, without a call', async () => {
    const c = client();
    expect(await c.createGoal(personas.low.visitorId, 'Not A Goal', META)).toEqual({ kind: 'rejected', status: 400 });
    expect(await c.createGoal(personas.low.visitorId, GOAL_NAMES.click, { offer: '' })).toEqual({ kind: 'rejected', status: 400 });
    expect(sim.calls).toHaveLength(0);
    expect(log.lines.some((l) => (JSON.parse(l) as { level: number }).level === 40)).toBe(true);
  });
});

describe('createGoal with a dft_ account token', () => {
  it('sends ?websiteId= and the token', async () => {
    const c = client({ apiKey: accountToken, websiteId });
    expect(await c.createGoal(personas.high.visitorId, GOAL_NAMES.conversion, META)).toEqual({ kind: 'created' });
    expect(sim.calls[0]).toMatchObject({ method: 'POST', query: { websiteId }, authorization: `Bearer ${accountToken}` });
    expect(sim.goals).toHaveLength(1);
  });

  it('answers a 403 (wrong website) as unavailable "auth", logs it once at error level naming goals:write', async () => {
    const c = client({ apiKey: accountToken, websiteId: '665f0b3c4d2e1a0099999999' });
    for (let i = 0; i < 3; i++) {
      expect(await c.createGoal(personas.high.visitorId, GOAL_NAMES.click, META)).toEqual({ kind: 'unavailable', cause: 'auth' });
    }
    expect(sim.calls).toHaveLength(3);
    const errors = log.lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toMatch(/goals:write/);
  });

  it('answers a wrong key (401) as unavailable "auth"', async () => {
    expect(await client({ apiKey: 'df_wrong' }).createGoal(personas.high.visitorId, GOAL_NAMES.click, META)).toEqual({
      kind: 'unavailable',
      cause: 'auth',
    });
  });
});

describe('createGoal when DataFast fails: one call, never retried', () => {
  it.each([
    ['a 500', { kind: 'status', status: 500 }, 'server-error'],
    ['a 502', { kind: 'status', status: 502 }, 'server-error'],
    ['a 503', { kind: 'status', status: 503 }, 'server-error'],
    ['a 504', { kind: 'status', status: 504 }, 'server-error'],
    ['a reset', { kind: 'reset' }, 'network'],
    ['a hang', { kind: 'hang' }, 'timeout'],
    ['a late answer', { kind: 'delay', ms: 3000 }, 'timeout'],
  ] as Array<[string, Fault, string]>)('answers %s as unavailable (%s) after exactly one call, within the deadline', async (_n, fault, cause) => {
    sim.setFault(fault, { match: 'goals' });
    const { result, elapsed } = await timed(() => client().createGoal(personas.average.visitorId, GOAL_NAMES.click, META));
    expect(result).toEqual({ kind: 'unavailable', cause });
    expect(elapsed).toBeLessThan(TIMEOUT_MS + DEADLINE_MARGIN_MS);
    expect(sim.calls).toHaveLength(1);
  });

  it('answers "network" when nothing listens', async () => {
    const closed = await startSimulatedDataFast();
    const url = closed.url;
    await closed.close();
    expect(await client({ apiUrl: url }).createGoal(personas.average.visitorId, GOAL_NAMES.click, META)).toEqual({
      kind: 'unavailable',
      cause: 'network',
    });
  });

  it('counts a 2xx with a cut-off body as created: the goal exists, a retry would duplicate it', async () => {
    sim.setFault({ kind: 'malformed-json' }, { match: 'goals' });
    expect(await client().createGoal(personas.average.visitorId, GOAL_NAMES.click, META)).toEqual({ kind: 'created' });
    expect(sim.goals).toHaveLength(1);
  });

  it('a goals fault does not touch visitor reads', async () => {
    sim.setFault({ kind: 'status', status: 503 }, { match: 'goals' });
    expect((await client().getVisitor(personas.average.visitorId)).kind).toBe('found');
  });
});

describe('createGoal and the 429 pause', () => {
  it('answers rate-limited after one call, then paused without calling, for goals and reads alike', async () => {
    const c = client();
    sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 1 }, { match: 'goals', times: 1 });
    const before = Date.now();
    expect(await c.createGoal(personas.average.visitorId, GOAL_NAMES.click, META)).toEqual({ kind: 'unavailable', cause: 'rate-limited' });
    expect(c.pausedUntil).toBeGreaterThanOrEqual(before + 1000);
    expect(await c.createGoal(personas.average.visitorId, GOAL_NAMES.click, META)).toEqual({ kind: 'unavailable', cause: 'paused' });
    expect(await c.getVisitor(personas.average.visitorId)).toEqual({ kind: 'unavailable', cause: 'paused' });
    expect(sim.calls).toHaveLength(1);
  });

  it('is paused by a 429 on a read', async () => {
    const c = client({ defaultRetryAfterMs: 300 });
    sim.setFault({ kind: 'rate-limit' }, { match: 'visitors', times: 1 });
    await c.getVisitor(personas.average.visitorId);
    expect(await c.createGoal(personas.average.visitorId, GOAL_NAMES.click, META)).toEqual({ kind: 'unavailable', cause: 'paused' });
    expect(sim.callCount('goals')).toBe(0);
    await new Promise((r) => setTimeout(r, Math.max(0, c.pausedUntil - Date.now()) + 50));
    expect(await c.createGoal(personas.average.visitorId, GOAL_NAMES.click, META)).toEqual({ kind: 'created' });
  });
});
