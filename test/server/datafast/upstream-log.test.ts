// What a breaker's calls put in the log, on a fake clock and a fake timer: the first failure of
// each cause in a minute, one line per transition, a summary per minute with counts by cause, and
// never a line per request.
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type Permit } from '../../../server/datafast/breaker';
import { SUMMARY_INTERVAL_MS, UpstreamLog, type SetTimer } from '../../../server/datafast/upstream-log';
import { captureLog } from '../../support/log-capture';

const THRESHOLD = 3;
/** Longer than the summary's minute, so a summary never finds the breaker half-open by itself. */
const COOL_DOWN = 90_000;

interface Line {
  level: number;
  msg: string;
  endpoint?: string;
  cause?: string;
  breaker?: string;
  failures?: Record<string, number> | number;
  refused?: number;
  succeeded?: number;
  status?: number;
  bytes?: number;
}

/** A timer the test fires by hand. */
class ManualTimers {
  pending = new Map<number, { fn: () => void; ms: number }>();
  #next = 0;
  readonly set: SetTimer = (fn, ms) => {
    const id = this.#next++;
    this.pending.set(id, { fn, ms });
    return () => this.pending.delete(id);
  };
  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const t of due) t.fn();
  }
}

/** A line as [level, what]: a summary, a transition (the state it went to) or a failure (its cause). */
function label(l: Line): [number, string | undefined] {
  return [l.level, l.msg.includes('in the last minute') ? 'summary' : (l.breaker ?? l.cause)];
}

function setup() {
  const clock = { t: 1_700_000_000_000 };
  const now = (): number => clock.t;
  const breaker = new CircuitBreaker({ endpoint: 'visitors', failureThreshold: THRESHOLD, failureWindowMs: 60_000, coolDownMs: COOL_DOWN, now });
  const timers = new ManualTimers();
  const captured = captureLog('debug');
  const log = new UpstreamLog(breaker, { logger: captured.logger, timeoutMs: 1500, now, setTimer: timers.set });
  const lines = (): Line[] => captured.lines.map((l) => JSON.parse(l) as Line);
  const take = (): Permit => {
    const p = breaker.acquire();
    if (p === null) throw new Error('refused');
    return p;
  };
  return { breaker, clock, timers, log, lines, take };
}

describe('UpstreamLog', () => {
  it('logs a single timeout (a hang), naming the endpoint, the cause and the deadline', () => {
    const { take, lines } = setup();
    take().fail('timeout');
    expect(lines()).toEqual([expect.objectContaining({ level: 40, endpoint: 'visitors', cause: 'timeout' })]);
    expect(lines()[0]?.msg).toMatch(/visitor lookups: no answer within 1500 ms/);
  });

  it('logs a reset, a server error with its status and an oversized body with its size, each once', () => {
    const { take, lines } = setup();
    take().fail('network');
    take().succeed();
    take().fail('server-error', { status: 502 });
    take().succeed();
    take().unusable('too-large', { bytes: 3_670_016 });
    take().succeed();
    take().fail('server-error', { status: 500 });
    expect(lines().map((l) => [l.cause, l.status ?? l.bytes ?? null])).toEqual([
      ['network', null],
      ['server-error', 502],
      ['too-large', 3_670_016],
    ]);
    expect(lines()[2]?.msg).toMatch(/refused unread \(that answer only: not counted against the breaker\)/);
  });

  it('during an outage logs the first failure, the opening, then nothing per request; a summary with counts by cause after the minute', () => {
    const { take, breaker, timers, lines, clock } = setup();
    for (let i = 0; i < THRESHOLD; i++) take().fail('timeout');
    for (let i = 0; i < 200; i++) expect(breaker.acquire()).toBeNull();
    expect(lines().map((l) => l.msg)).toEqual([
      expect.stringMatching(/no answer within 1500 ms/),
      expect.stringMatching(/breaker open after 3 failures in a row \(last: timeout\); calls fail fast for 90 s, then one probe/),
    ]);
    expect(lines()[1]).toMatchObject({ level: 40, breaker: 'open', failures: THRESHOLD });

    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([SUMMARY_INTERVAL_MS]);
    clock.t += SUMMARY_INTERVAL_MS;
    timers.fireAll();
    const summary = lines()[2];
    expect(summary).toMatchObject({ level: 40, endpoint: 'visitors', failures: { timeout: THRESHOLD }, refused: 200, succeeded: 0 });
    expect(summary?.msg).toMatch(/visitor lookups in the last minute: 3 failed \(timeout 3\), 200 refused by the open breaker, 0 succeeded/);
    expect(lines()).toHaveLength(3);
  });

  it('logs the probe and the recovery once each', () => {
    const { take, breaker, clock, lines } = setup();
    for (let i = 0; i < THRESHOLD; i++) take().fail('server-error', { status: 500 });
    clock.t += COOL_DOWN;
    take().succeed();
    for (let i = 0; i < 50; i++) take().succeed();
    expect(breaker.state()).toBe('closed');
    // The cool-down outlasts the minute, so the first call after it also brings the summary.
    expect(lines().map(label)).toEqual([
      [40, 'server-error'],
      [40, 'open'],
      [30, 'half-open'],
      [30, 'closed'],
      [40, 'summary'],
    ]);
  });

  it('logs a failed probe at warn, with how long calls keep failing fast', () => {
    const { take, clock, lines } = setup();
    for (let i = 0; i < THRESHOLD; i++) take().fail('network');
    clock.t += COOL_DOWN;
    take().fail('timeout');
    expect(lines().slice(2).map(label)).toEqual([
      [30, 'half-open'],
      [40, 'summary'],
      [40, 'timeout'],
      [40, 'open'],
    ]);
    expect(lines().at(-1)?.msg).toMatch(/the probe failed \(timeout\); calls keep failing fast for 90 s more/);
  });

  it('summarises at the first call after the minute when the timer has not fired', () => {
    const { take, clock, lines } = setup();
    take().unusable('malformed');
    take().unusable('malformed');
    take().succeed();
    clock.t += SUMMARY_INTERVAL_MS;
    take().succeed();
    expect(lines().map((l) => l.msg)).toEqual([expect.stringMatching(/a body we could not read/), expect.stringMatching(/in the last minute: 2 failed \(malformed 2\), 0 refused by the open breaker, 1 succeeded/)]);
  });

  it('writes no summary when the minute held nothing the log has not already said', () => {
    const { take, timers, clock, lines } = setup();
    take().fail('timeout');
    clock.t += SUMMARY_INTERVAL_MS;
    timers.fireAll();
    expect(lines()).toHaveLength(1);
  });

  it('logs the first failure of a cause again in the next minute', () => {
    const { take, clock, timers, lines } = setup();
    take().fail('timeout');
    take().succeed();
    clock.t += SUMMARY_INTERVAL_MS;
    timers.fireAll();
    take().fail('timeout');
    expect(lines().filter((l) => l.cause === 'timeout')).toHaveLength(2);
  });

  it('leaves 429s to the one line of the caller: an opening by trip is at debug, and rate-limited calls only count', () => {
    const { take, breaker, clock, lines } = setup();
    take().fail('rate-limited');
    breaker.trip('rate-limited', clock.t + 10_000);
    expect(lines().map(label)).toEqual([[20, 'open']]);
  });

  it('stops listening and cancels its timer on close', () => {
    const { take, log, timers, lines } = setup();
    take().fail('timeout');
    log.close();
    expect(timers.pending.size).toBe(0);
    take().fail('network');
    expect(lines()).toHaveLength(1);
  });
});
