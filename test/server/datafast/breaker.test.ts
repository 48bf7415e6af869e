// The circuit breaker as a pure state machine on a fake clock: closed → open after failures in a
// row within the window (or at once on trip), open → half-open after the cool-down with a single
// probe, probe success → closed, probe failure → open again; what it reports to its listeners.
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerTransition, type CircuitBreakerOptions, type Permit, type UpstreamCall } from '../../../server/datafast/breaker';

const THRESHOLD = 3;
const WINDOW = 10_000;
const COOL_DOWN = 5_000;

function setup(options: Partial<CircuitBreakerOptions> = {}) {
  const clock = { t: 1_700_000_000_000 };
  let tick = 0;
  const breaker = new CircuitBreaker({
    endpoint: 'visitors',
    failureThreshold: THRESHOLD,
    failureWindowMs: WINDOW,
    coolDownMs: COOL_DOWN,
    now: () => clock.t,
    elapsed: () => tick,
    ...options,
  });
  const transitions: BreakerTransition[] = [];
  const calls: UpstreamCall[] = [];
  breaker.onTransition((t) => transitions.push(t));
  breaker.onCall((c) => calls.push(c));
  const advance = (ms: number): void => {
    clock.t += ms;
    tick += ms;
  };
  /** A permit that must be granted. */
  const take = (): Permit => {
    const permit = breaker.acquire();
    if (permit === null) throw new Error(`refused while ${breaker.state()}`);
    return permit;
  };
  const failTimes = (n: number): void => {
    for (let i = 0; i < n; i++) take().fail('timeout');
  };
  return { breaker, clock, advance, take, failTimes, transitions, calls };
}

describe('CircuitBreaker', () => {
  describe('closed', () => {
    it('lets calls through and stays closed while they succeed', () => {
      const { breaker, take } = setup();
      for (let i = 0; i < 10; i++) take().succeed();
      expect(breaker.state()).toBe('closed');
      expect(breaker.stats()).toMatchObject({ state: 'closed', successes: 10, refused: 0, opened: 0, openSince: null, retryAt: null });
    });

    it('opens after failureThreshold failures in a row', () => {
      const { breaker, failTimes, transitions, clock } = setup();
      failTimes(THRESHOLD - 1);
      expect(breaker.state()).toBe('closed');
      failTimes(1);
      expect(breaker.state()).toBe('open');
      expect(transitions).toEqual([
        { endpoint: 'visitors', from: 'closed', to: 'open', at: clock.t, reason: 'timeout', retryAt: clock.t + COOL_DOWN, failures: THRESHOLD },
      ]);
      expect(breaker.retryAt()).toBe(clock.t + COOL_DOWN);
      expect(breaker.stats()).toMatchObject({ opened: 1, openSince: clock.t });
    });

    it('starts counting again after a success', () => {
      const { breaker, failTimes, take } = setup();
      failTimes(THRESHOLD - 1);
      take().succeed();
      failTimes(THRESHOLD - 1);
      expect(breaker.state()).toBe('closed');
      failTimes(1);
      expect(breaker.state()).toBe('open');
    });

    it('stays closed when the failures in a row are spread over more than the window', () => {
      const { breaker, failTimes, advance } = setup();
      failTimes(1);
      advance(WINDOW / 2);
      failTimes(1);
      advance(WINDOW / 2 + 1);
      failTimes(1); // three in a row, but the first and the last are more than WINDOW apart
      expect(breaker.state()).toBe('closed');
      failTimes(1); // the last three are within the window
      expect(breaker.state()).toBe('open');
    });

    it('counts every cause of failure alike', () => {
      const { breaker, take } = setup();
      take().fail('server-error', { status: 500 });
      take().fail('network');
      take().fail('timeout');
      expect(breaker.state()).toBe('open');
      expect(breaker.stats().failures).toEqual({ timeout: 1, network: 1, 'server-error': 1, 'rate-limited': 0, malformed: 0, 'too-large': 0 });
    });

    it('never opens on refused bodies (one record too large or unreadable): counted, but an answer that ends a run of failures', () => {
      const { breaker, take } = setup();
      for (let i = 0; i < THRESHOLD * 10; i++) take().unusable(i % 2 === 0 ? 'too-large' : 'malformed', { bytes: 300_000 });
      expect(breaker.state()).toBe('closed');
      expect(breaker.stats()).toMatchObject({ successes: 0, opened: 0, failures: { 'too-large': THRESHOLD * 5, malformed: THRESHOLD * 5 } });
      // Between real failures it resets the run, as any answer does.
      take().fail('timeout');
      take().fail('timeout');
      take().unusable('too-large');
      take().fail('timeout');
      take().fail('timeout');
      expect(breaker.state()).toBe('closed');
    });
  });

  describe('open', () => {
    it('refuses every call until the cool-down is over, and counts them', () => {
      const { breaker, failTimes, advance, calls } = setup();
      failTimes(THRESHOLD);
      advance(COOL_DOWN - 1);
      for (let i = 0; i < 5; i++) expect(breaker.acquire()).toBeNull();
      expect(breaker.state()).toBe('open');
      expect(breaker.stats().refused).toBe(5);
      expect(calls.filter((c) => c.outcome === 'refused')).toHaveLength(5);
    });

    it('reports half-open once the cool-down is over, without anyone calling', () => {
      const { breaker, failTimes, advance, transitions } = setup();
      failTimes(THRESHOLD);
      advance(COOL_DOWN);
      expect(breaker.state()).toBe('half-open');
      expect(breaker.retryAt()).toBe(0);
      expect(transitions.map((t) => [t.from, t.to, t.reason])).toEqual([
        ['closed', 'open', 'timeout'],
        ['open', 'half-open', 'cool-down'],
      ]);
    });

    it('ignores the answers of calls started before it opened', () => {
      const { breaker, take, failTimes } = setup();
      const early = take();
      const late = take();
      failTimes(THRESHOLD);
      early.succeed();
      late.fail('timeout');
      expect(breaker.state()).toBe('open');
      expect(breaker.stats()).toMatchObject({ successes: 1, opened: 1 });
    });
  });

  describe('half-open', () => {
    function halfOpen() {
      const s = setup();
      s.failTimes(THRESHOLD);
      s.advance(COOL_DOWN);
      return s;
    }

    it('lets exactly one probe through and refuses the rest while it is out', () => {
      const { breaker, take } = halfOpen();
      take();
      expect(breaker.acquire()).toBeNull();
      expect(breaker.acquire()).toBeNull();
      expect(breaker.state()).toBe('half-open');
    });

    it('closes when the probe succeeds', () => {
      const { breaker, take, transitions } = halfOpen();
      take().succeed();
      expect(breaker.state()).toBe('closed');
      expect(transitions.at(-1)).toMatchObject({ from: 'half-open', to: 'closed', reason: 'probe-succeeded', retryAt: null });
      expect(breaker.stats()).toMatchObject({ openSince: null, retryAt: null });
      take().succeed();
    });

    it('opens again for a whole cool-down when the probe fails, and keeps the time it first opened', () => {
      const { breaker, take, clock, transitions, advance } = halfOpen();
      const openedAt = clock.t - COOL_DOWN;
      take().fail('network');
      expect(breaker.state()).toBe('open');
      expect(transitions.at(-1)).toMatchObject({ from: 'half-open', to: 'open', reason: 'network', retryAt: clock.t + COOL_DOWN, failures: 1 });
      expect(breaker.stats()).toMatchObject({ opened: 1, openSince: openedAt });
      advance(COOL_DOWN - 1);
      expect(breaker.acquire()).toBeNull();
      advance(1);
      expect(breaker.acquire()).not.toBeNull();
    });

    it('says a probe is due only while half-open with no probe out (readiness probes an idle instance by it)', () => {
      const { breaker, take, failTimes, advance } = setup();
      expect(breaker.probeDue()).toBe(false);
      failTimes(THRESHOLD);
      expect(breaker.probeDue()).toBe(false);
      advance(COOL_DOWN);
      expect(breaker.probeDue()).toBe(true);
      const probe = take();
      expect(breaker.probeDue()).toBe(false);
      // Asking refuses nothing: no call is counted as refused.
      expect(breaker.stats().refused).toBe(0);
      probe.succeed();
      expect(breaker.probeDue()).toBe(false);
    });

    it('closes when the probe brings a body it refuses (DataFast answered: one record too large)', () => {
      const { breaker, take } = halfOpen();
      take().unusable('too-large', { bytes: 300_000 });
      expect(breaker.state()).toBe('closed');
    });

    it('lets another probe through when the first one ends without a verdict', () => {
      const { breaker, take } = halfOpen();
      take().release();
      expect(breaker.state()).toBe('half-open');
      take().succeed();
      expect(breaker.state()).toBe('closed');
    });
  });

  describe('trip (a 429)', () => {
    it('opens a closed breaker at once, until the given time', () => {
      const { breaker, clock, transitions } = setup();
      breaker.trip('rate-limited', clock.t + 60_000);
      expect(breaker.state()).toBe('open');
      expect(breaker.retryAt()).toBe(clock.t + 60_000);
      expect(transitions).toEqual([{ endpoint: 'visitors', from: 'closed', to: 'open', at: clock.t, reason: 'rate-limited', retryAt: clock.t + 60_000, failures: 1 }]);
    });

    it('extends an open breaker to a later time, never shortens it, and makes no transition', () => {
      const { breaker, clock, failTimes, transitions } = setup();
      failTimes(THRESHOLD);
      breaker.trip('rate-limited', clock.t + 1_000);
      expect(breaker.retryAt()).toBe(clock.t + COOL_DOWN);
      breaker.trip('rate-limited', clock.t + 20_000);
      expect(breaker.retryAt()).toBe(clock.t + 20_000);
      expect(transitions).toHaveLength(1);
    });

    it('takes the probe slot back: the probe out during a 429 moves nothing', () => {
      const { breaker, clock, failTimes, advance, take } = setup();
      failTimes(THRESHOLD);
      advance(COOL_DOWN);
      const probe = take();
      breaker.trip('rate-limited', clock.t + 1_000);
      probe.succeed();
      expect(breaker.state()).toBe('open');
      advance(1_000);
      expect(breaker.state()).toBe('half-open');
    });
  });

  describe('what it reports', () => {
    it('tells call listeners the outcome and duration of each call, failures before the transition they cause', () => {
      const { breaker, take, advance } = setup();
      const order: string[] = [];
      breaker.onCall((c) => order.push(`call:${c.outcome}:${c.durationMs}`));
      breaker.onTransition((t) => order.push(`to:${t.to}`));
      const p = take();
      advance(250);
      p.succeed();
      take().fail('timeout');
      take().fail('timeout');
      const last = take();
      advance(1_500);
      last.fail('server-error', { status: 503 });
      breaker.acquire();
      expect(order).toEqual(['call:success:250', 'call:timeout:0', 'call:timeout:0', 'call:server-error:1500', 'to:open', 'call:refused:0']);
    });

    it('passes the failure detail on', () => {
      const { take, calls } = setup();
      take().fail('server-error', { status: 503 });
      take().unusable('too-large', { bytes: 3_670_016 });
      expect(calls).toEqual([
        { endpoint: 'visitors', outcome: 'server-error', durationMs: 0, detail: { status: 503 } },
        { endpoint: 'visitors', outcome: 'too-large', durationMs: 0, detail: { bytes: 3_670_016 } },
      ]);
    });

    it('counts only the first verdict of a permit', () => {
      const { breaker, take } = setup();
      const p = take();
      p.fail('timeout');
      p.succeed();
      p.fail('timeout');
      expect(breaker.stats()).toMatchObject({ successes: 0, failures: { timeout: 1 } });
    });

    it('ignores a listener that throws, and stops calling one that unsubscribed', () => {
      const { breaker, failTimes } = setup();
      let seen = 0;
      breaker.onTransition(() => {
        throw new Error('metrics bug');
      });
      const off = breaker.onCall(() => {
        seen += 1;
      });
      failTimes(1);
      off();
      failTimes(THRESHOLD - 1);
      expect(breaker.state()).toBe('open');
      expect(seen).toBe(1);
    });
  });

  it('refuses settings that would make no sense', () => {
    expect(() => new CircuitBreaker({ endpoint: 'goals', failureThreshold: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ endpoint: 'goals', failureThreshold: 1.5 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ endpoint: 'goals', coolDownMs: -1 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ endpoint: 'goals', failureWindowMs: Number.NaN })).toThrow(RangeError);
    expect(new CircuitBreaker({ endpoint: 'goals' }).settings).toEqual({ failureThreshold: 5, failureWindowMs: 60_000, coolDownMs: 30_000 });
  });
});
