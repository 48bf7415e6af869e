// DataFast's 429 shared through a real redis-server: the instance that gets it pauses, and so does
// every other (it makes no call until the Retry-After), one that starts during the pause learns it
// from Redis, and a later, shorter pause does not cut a longer one short. Real DataFast clients
// against the simulated DataFast.
import { Redis as RedisClient } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { personas } from '../../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import { DataFastClient } from '../../../server/datafast/client';
import { RedisKeyring } from '../../../server/redis/keyring';
import { RedisLink } from '../../../server/redis/redis-link';
import { SharedPause } from '../../../server/redis/shared-pause';
import { captureLog, type CapturedLog } from '../../support/log-capture';
import { startRedis, type Redis } from '../../support/redis';
import { waitFor } from '../../support/wait';

let redis: Redis;
let raw: RedisClient;
let sim: SimulatedDataFast;
let log: CapturedLog;
const closers: Array<() => void> = [];

beforeAll(async () => {
  [redis, sim] = await Promise.all([startRedis(), startSimulatedDataFast()]);
  raw = new RedisClient(redis.url);
});
afterAll(async () => {
  raw.disconnect();
  await Promise.all([redis.stop(), sim.close()]);
});
beforeEach(async () => {
  await raw.flushall();
  sim.setFault(null);
  sim.resetCalls();
  log = captureLog();
});
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** One instance: a DataFast client whose 429s are shared through Redis. */
async function instance(): Promise<DataFastClient> {
  const client = new DataFastClient({ apiKey: SIM.apiKey, apiUrl: sim.url, timeoutMs: 1000, logger: log.logger });
  const link = new RedisLink({ url: redis.url, logger: log.logger, recheckMs: 100 });
  const pause = new SharedPause({ link, keyring: new RedisKeyring(SIM.apiKey, null), client });
  closers.push(() => {
    pause.close();
    link.close();
    client.close();
  });
  await waitFor(() => link.usable(), 'the link to come up');
  // The subscriber connects on its own; give it the moment it needs before the test publishes.
  await waitFor(async () => Number((await raw.pubsub('NUMSUB', `vo:pause:${new RedisKeyring(SIM.apiKey, null).accountName('pause')}`))[1] ?? 0) >= closers.length, 'the subscription');
  return client;
}

describe('a 429 seen by one instance', () => {
  it('pauses every instance until its Retry-After: the others make no call meanwhile', async () => {
    const [a, b] = [await instance(), await instance()];
    sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 120 }, { times: 1, match: 'visitors' });
    expect(await a.getVisitor(personas.high.visitorId)).toEqual({ kind: 'unavailable', cause: 'rate-limited' });
    await waitFor(() => b.pausedUntil > 0, 'b to be paused');
    expect(Math.abs(b.pausedUntil - a.pausedUntil)).toBeLessThan(1000);
    const calls = sim.callCount();
    expect(await b.getVisitor(personas.low.visitorId)).toEqual({ kind: 'unavailable', cause: 'paused' });
    expect(await b.getRealtimeMap()).toEqual({ kind: 'unavailable', cause: 'paused' });
    expect(sim.callCount()).toBe(calls);
    expect(b.breakers.goals.state()).toBe('open');
    expect(log.lines.filter((l) => l.includes('rate limit reached by another instance'))).toHaveLength(1);
  });

  it('pauses an instance that starts during the pause, from the value in Redis', async () => {
    const a = await instance();
    sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 60 }, { times: 1, match: 'visitors' });
    await a.getVisitor(personas.high.visitorId);
    await waitFor(async () => (await raw.keys('vo:pause:*')).length === 1, 'the pause in Redis');
    const late = await instance();
    await waitFor(() => late.pausedUntil > 0, 'the late instance to be paused');
    expect(Math.abs(late.pausedUntil - a.pausedUntil)).toBeLessThan(1000);
  });

  it('is not cut short by a later, shorter one', async () => {
    const [a, b] = [await instance(), await instance()];
    sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 120 }, { times: 1, match: 'visitors' });
    await a.getVisitor(personas.high.visitorId);
    await waitFor(() => b.pausedUntil > 0, 'b to be paused');
    const long = b.pausedUntil;
    // A shorter pause, as if another instance had seen a 429 with Retry-After 5.
    b.pauseUntil(Date.now() + 5_000);
    const key = (await raw.keys('vo:pause:*'))[0] as string;
    expect(Number(await raw.get(key))).toBe(a.pausedUntil);
    expect(b.pausedUntil).toBe(long);
  });
});
