// What one breaker's calls put in the log: enough to see an outage start, what kind it is, and
// when it ends, without a line per request.
//
// - The first failure of each cause in a minute is logged at once (a hang is a `timeout`, a reset
//   a `network` failure), naming the endpoint and the cause; later ones are only counted.
// - Every transition of the breaker is logged once: opening at warn, the probe and the recovery
//   at info. Openings caused by a 429 are logged once for all breakers by the caller (debug here).
// - A summary per minute (counts by cause, calls refused while open, successes) is logged when
//   that minute saw more than the lines above already told: at the first call after the minute,
//   or by an unref'd timer when no call comes.
// 429s themselves are not logged per call either: the caller logs the pause.
import type { Logger } from 'pino';
import { CALL_PROBLEMS, isBodyRejection, type BreakerTransition, type BreakerView, type CallProblem, type FailureDetail, type UpstreamCall } from './breaker.js';

/** Starts a timer; returns the function that cancels it. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

export const SUMMARY_INTERVAL_MS = 60_000;

export interface UpstreamLogOptions {
  logger: Logger;
  /** The client's deadline, named in timeout lines. */
  timeoutMs: number;
  now?: () => number;
  /** Default: setTimeout, unref'd. */
  setTimer?: SetTimer;
  /** The upstream's name in log lines. Default 'DataFast'. */
  upstream?: string;
}

interface Window {
  endsAt: number;
  failures: Record<CallProblem, number>;
  /** Failures already logged one by one in this window. */
  told: Set<CallProblem>;
  refused: number;
  successes: number;
  cancel: () => void;
}

const defaultSetTimer: SetTimer = (fn, ms) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

const NAMES: Record<BreakerView['endpoint'], string> = {
  visitors: 'visitor lookups',
  realtime: 'realtime map',
  goals: 'goals',
};

export function describeFailure(cause: CallProblem, detail: FailureDetail | undefined, timeoutMs: number): string {
  switch (cause) {
    case 'timeout':
      return `no answer within ${timeoutMs} ms (slow or hanging)`;
    case 'network':
      return 'connection refused, reset or cut off';
    case 'server-error':
      return detail?.status !== undefined ? `server error ${detail.status}` : 'server error';
    case 'malformed':
      return 'a body we could not read';
    case 'too-large':
      return `a body over the size limit${detail?.bytes !== undefined ? ` (${detail.bytes} bytes or more)` : ''}, refused unread`;
    case 'rate-limited':
      return 'rate limited (429)';
  }
}

export class UpstreamLog {
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #upstream: string;
  readonly #now: () => number;
  readonly #setTimer: SetTimer;
  readonly #breaker: BreakerView;
  readonly #unsubscribe: Array<() => void>;
  #window: Window | null = null;

  constructor(breaker: BreakerView, options: UpstreamLogOptions) {
    this.#breaker = breaker;
    this.#log = options.logger;
    this.#timeoutMs = options.timeoutMs;
    this.#upstream = options.upstream ?? 'DataFast';
    this.#now = options.now ?? Date.now;
    this.#setTimer = options.setTimer ?? defaultSetTimer;
    this.#unsubscribe = [breaker.onCall((c) => this.#onCall(c)), breaker.onTransition((t) => this.#onTransition(t))];
  }

  /** Stops listening and cancels the pending summary (shutdown). */
  close(): void {
    for (const off of this.#unsubscribe) off();
    this.#window?.cancel();
    this.#window = null;
  }

  #onCall(call: UpstreamCall): void {
    const now = this.#now();
    if (this.#window !== null && now >= this.#window.endsAt) this.#summarise();
    if (call.outcome === 'success') {
      if (this.#window !== null) this.#window.successes += 1;
      return;
    }
    const w = this.#window ?? this.#open(now);
    if (call.outcome === 'refused') {
      w.refused += 1;
      return;
    }
    const cause = call.outcome;
    w.failures[cause] += 1;
    if (cause === 'rate-limited' || w.told.has(cause)) return;
    w.told.add(cause);
    // A refused body is about that one answer: said so, since it does not move the breaker.
    const scope = isBodyRejection(cause) ? ' (that answer only: not counted against the breaker)' : '';
    this.#log.warn(
      { endpoint: this.#breaker.endpoint, cause, ...call.detail },
      `${this.#upstream} ${NAMES[this.#breaker.endpoint]}: ${describeFailure(cause, call.detail, this.#timeoutMs)}${scope}; further failures are counted in a summary each minute`,
    );
  }

  #onTransition(t: BreakerTransition): void {
    const name = NAMES[t.endpoint];
    const fields = { endpoint: t.endpoint, breaker: t.to, from: t.from, reason: t.reason };
    if (t.to === 'open') {
      const seconds = t.retryAt === null ? 0 : Math.max(0, Math.round((t.retryAt - t.at) / 1000));
      if (t.reason === 'rate-limited') {
        this.#log.debug(fields, `${this.#upstream} ${name}: breaker open for ${seconds} s after a 429`);
      } else if (t.from === 'half-open') {
        this.#log.warn(fields, `${this.#upstream} ${name}: the probe failed (${t.reason}); calls keep failing fast for ${seconds} s more`);
      } else {
        this.#log.warn(
          { ...fields, failures: t.failures },
          `${this.#upstream} ${name}: breaker open after ${t.failures} failures in a row (last: ${t.reason}); calls fail fast for ${seconds} s, then one probe`,
        );
      }
    } else if (t.to === 'half-open') {
      this.#log.info(fields, `${this.#upstream} ${name}: cool-down over, letting one probe through`);
    } else {
      this.#log.info(fields, `${this.#upstream} ${name}: answering again, breaker closed`);
    }
  }

  #open(now: number): Window {
    const endsAt = now + SUMMARY_INTERVAL_MS;
    const w: Window = { endsAt, failures: Object.fromEntries(CALL_PROBLEMS.map((c) => [c, 0])) as Record<CallProblem, number>, told: new Set(), refused: 0, successes: 0, cancel: () => undefined };
    w.cancel = this.#setTimer(() => {
      if (this.#window === w) this.#summarise();
    }, SUMMARY_INTERVAL_MS);
    this.#window = w;
    return w;
  }

  #summarise(): void {
    const w = this.#window;
    if (w === null) return;
    this.#window = null;
    w.cancel();
    const failed = CALL_PROBLEMS.reduce((sum, c) => sum + w.failures[c], 0);
    // Nothing beyond the lines already logged: no summary.
    if (failed === w.told.size && w.refused === 0) return;
    const byCause = Object.fromEntries(CALL_PROBLEMS.filter((c) => w.failures[c] > 0).map((c) => [c, w.failures[c]]));
    const causes = Object.entries(byCause)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
    this.#log.warn(
      { endpoint: this.#breaker.endpoint, failures: byCause, refused: w.refused, succeeded: w.successes, breaker: this.#breaker.state() },
      `${this.#upstream} ${NAMES[this.#breaker.endpoint]} in the last minute: ${failed} failed${causes ? ` (${causes})` : ''}, ${w.refused} refused by the open breaker, ${w.successes} succeeded`,
    );
  }
}
