// The router's connection to a real redis-server: start-up does not wait for it; every operation
// ends within its budget; a hung (SIGSTOP), killed or unreachable Redis makes the link down —
// logged once — and every operation is then answered LOCAL at once, with no command sent; it comes
// back by itself — logged once — when Redis answers again.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL, RedisLink } from '../../../server/redis/redis-link';
import { captureLog, type CapturedLog } from '../../support/log-capture';
import { ping, startRedis, type Redis } from '../../support/redis';
import { freePort } from '../../support/server-process';
import { waitFor } from '../../support/wait';

let redis: Redis;
const links: RedisLink[] = [];
const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => void rejections.push(reason);

beforeAll(async () => {
  redis = await startRedis();
  process.on('unhandledRejection', onRejection);
});
afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await redis.stop();
});
afterEach(async () => {
  for (const link of links.splice(0)) link.close();
  // Redis may have been left paused or killed by a test.
  await redis.resume().catch(() => undefined);
  if (!(await ping(redis.port, 200))) await redis.restart();
  expect(rejections).toEqual([]);
});

function open(log: CapturedLog, url = redis.url, budgetMs = 50): RedisLink {
  const link = new RedisLink({ url, logger: log.logger, budgetMs, recheckMs: 100 });
  links.push(link);
  return link;
}

const lines = (log: CapturedLog, text: string): number => log.lines.filter((l) => l.includes(text)).length;

describe('RedisLink', () => {
  it('is created without waiting; answers LOCAL until connected, then runs operations', async () => {
    const log = captureLog();
    const link = open(log);
    expect(link.stats().state).toBe('connecting');
    expect(await link.run((c) => c.ping())).toBe(LOCAL);
    await waitFor(() => link.usable(), 'the link to come up');
    expect(await link.run((c) => c.set('vo:test:a', '1'))).toBe('OK');
    expect(await link.run((c) => c.get('vo:test:a'))).toBe('1');
    expect(lines(log, 'Redis connected')).toBe(1);
    expect(link.stats()).toMatchObject({ state: 'up', fallbacks: 1, timeouts: 0, outages: 0 });
  });

  it('a hung Redis: the operation ends LOCAL within the budget, the link goes down (one warning), and nothing more is sent', async () => {
    const log = captureLog();
    const link = open(log);
    await waitFor(() => link.usable(), 'the link to come up');
    await redis.pause();
    // Redis cannot answer while stopped: an answer at all means the budget ended the wait.
    expect(await link.run((c) => c.get('vo:test:a'))).toBe(LOCAL);
    expect(link.stats()).toMatchObject({ state: 'down', timeouts: 1, outages: 1 });
    let called = 0;
    for (let i = 0; i < 20; i++) expect(await link.run(async (c) => (called++, c.get('vo:test:a')))).toBe(LOCAL);
    expect(called).toBe(0);
    expect(link.stats().fallbacks).toBe(21);
    expect(lines(log, 'Redis unavailable')).toBe(1);

    await redis.resume();
    await waitFor(() => link.usable(), 'the link to come back', { timeoutMs: 5000 });
    expect(await link.run((c) => c.ping())).toBe('PONG');
    expect(lines(log, 'Redis is back')).toBe(1);
    expect(lines(log, 'Redis unavailable')).toBe(1);
  });

  it("a stall of this process's own event loop past the budget is not Redis being slow: the answer waiting on the socket is used", async () => {
    const log = captureLog();
    const link = open(log);
    await waitFor(() => link.usable(), 'the link to come up');
    await link.run((c) => c.set('vo:test:stall', 'here'));
    for (let i = 0; i < 5; i++) {
      const pending = link.run((c) => c.get('vo:test:stall'));
      // Busy for four times the budget (as a burst of requests can keep it): Redis answers meanwhile.
      const until = performance.now() + 200;
      while (performance.now() < until) {
        // spin
      }
      expect(await pending).toBe('here');
    }
    expect(link.stats()).toMatchObject({ state: 'up', timeouts: 0, outages: 0 });
    expect(lines(log, 'Redis unavailable')).toBe(0);
  });

  it('a killed Redis: down at once (one warning); restarted: back by itself (one info)', async () => {
    const log = captureLog();
    const link = open(log);
    await waitFor(() => link.usable(), 'the link to come up');
    await redis.kill();
    await waitFor(() => !link.usable(), 'the link to notice');
    expect(await link.run((c) => c.ping())).toBe(LOCAL);
    await redis.restart();
    await waitFor(() => link.usable(), 'the link to come back', { timeoutMs: 10_000 });
    expect(await link.run((c) => c.ping())).toBe('PONG');
    expect([lines(log, 'Redis unavailable'), lines(log, 'Redis is back')]).toEqual([1, 1]);
  });

  it('an unreachable Redis: down, logged once however long it stays away, no rejection', async () => {
    const log = captureLog();
    const port = await freePort();
    const link = open(log, `redis://127.0.0.1:${port}`);
    await waitFor(() => link.stats().state === 'down', 'the link to give up connecting');
    for (let i = 0; i < 10; i++) expect(await link.run((c) => c.ping())).toBe(LOCAL);
    // Reconnect attempts go on (backoff up to 2 s): still one line.
    await new Promise((r) => setTimeout(r, 700));
    expect(lines(log, 'Redis unavailable')).toBe(1);
  });

  it('an error reply is done locally without taking the link down, logged once per kind', async () => {
    const log = captureLog();
    const link = open(log);
    await waitFor(() => link.usable(), 'the link to come up');
    await link.run((c) => c.set('vo:test:string', 'x'));
    for (let i = 0; i < 3; i++) expect(await link.run((c) => c.lpush('vo:test:string', 'y'))).toBe(LOCAL);
    expect(link.usable()).toBe(true);
    expect(link.stats()).toMatchObject({ errors: 3, outages: 0 });
    expect(lines(log, 'Redis refused an operation')).toBe(1);
  });

  it('close() drops the connection at once, even to a hung Redis, and then answers LOCAL', async () => {
    const log = captureLog();
    const link = open(log);
    await waitFor(() => link.usable(), 'the link to come up');
    await redis.pause();
    const pending = link.run((c) => c.get('vo:test:a'));
    link.close();
    expect(await pending).toBe(LOCAL);
    expect(await link.run((c) => c.ping())).toBe(LOCAL);
    expect(link.stats().state).toBe('closed');
    expect(lines(log, 'Redis unavailable')).toBe(0);
  });
});
