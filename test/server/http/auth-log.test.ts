// The log of refused tokens on a fake clock: a budget of lines per minute, a summary of the rest
// within a minute even when the attack stops, a fresh budget the next minute, nothing when quiet.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthFailureLog, LINES_PER_MINUTE } from '../../../server/http/auth-log';
import { captureLog, type CapturedLog } from '../../support/log-capture';

const attempt = (n: number) => ({ address: `203.0.113.${n}`, route: 'GET /visitor-offers/experiments' });
const SUMMARY = 'token attempts refused and not logged one by one';

describe('AuthFailureLog', () => {
  let log: CapturedLog;
  let auth: AuthFailureLog;
  const messages = (): string[] => log.lines.map((l) => (JSON.parse(l) as { msg: string }).msg);

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse('2026-03-02T10:00:00.000Z'));
    log = captureLog();
    auth = new AuthFailureLog(log.logger, () => Date.now());
  });
  afterEach(() => {
    auth.close();
    vi.useRealTimers();
  });

  it(`writes ${LINES_PER_MINUTE} lines a minute one by one, then a summary a minute later without being asked`, () => {
    for (let i = 0; i < 100; i++) auth.refused(attempt(i % 7), null);
    expect(log.lines).toHaveLength(LINES_PER_MINUTE);
    vi.advanceTimersByTime(59_999);
    expect(log.lines).toHaveLength(LINES_PER_MINUTE);
    vi.advanceTimersByTime(1);
    expect(log.lines).toHaveLength(LINES_PER_MINUTE + 1);
    expect(JSON.parse(log.lines.at(-1) ?? '{}')).toMatchObject({ msg: SUMMARY, wrongTokens: 100 - LINES_PER_MINUTE, refusedWhileThrottled: 0, addresses: 7 });
  });

  it('starts a fresh budget the next minute, and says nothing more when nothing happens', () => {
    for (let i = 0; i < LINES_PER_MINUTE + 5; i++) auth.refused(attempt(1), null);
    vi.advanceTimersByTime(60_000);
    auth.refused(attempt(2), null);
    auth.throttled(attempt(2));
    expect(messages().slice(-2)).toEqual([SUMMARY, 'wrong token refused (401)']);
    vi.advanceTimersByTime(10 * 60_000);
    expect(JSON.parse(log.lines.at(-1) ?? '{}')).toMatchObject({ msg: SUMMARY, wrongTokens: 0, refusedWhileThrottled: 1, addresses: 1 });
    const count = log.lines.length;
    vi.advanceTimersByTime(10 * 60_000);
    expect(log.lines).toHaveLength(count);
  });

  it('a throttled address is logged the moment it is throttled, with its Retry-After', () => {
    auth.refused(attempt(3), { retryAfterSeconds: 42 });
    expect(JSON.parse(log.lines[0] ?? '{}')).toMatchObject({ level: 40, address: '203.0.113.3', route: 'GET /visitor-offers/experiments', retryAfterSeconds: 42 });
  });

  it('close() writes what is pending and leaves no timer behind', () => {
    for (let i = 0; i < LINES_PER_MINUTE + 3; i++) auth.refused(attempt(4), null);
    expect(vi.getTimerCount()).toBe(1);
    auth.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(messages().at(-1)).toBe(SUMMARY);
  });
});
