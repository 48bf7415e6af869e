// The log of refused bearer tokens, bounded so that an attack cannot flood it: at most
// LINES_PER_MINUTE lines a minute one by one (the first refusals, and each address the moment it
// is throttled), then one summary a minute of what was not logged. A line names the client
// address and the route, never what was sent.
import type { Logger } from '../logger.js';

export const LINES_PER_MINUTE = 10;
const MINUTE = 60_000;
/** Addresses remembered for a summary's count, at most (the count is then a floor). */
const MAX_ADDRESSES = 1_000;

export interface AuthAttempt {
  /** The client address Express resolved (req.ip). */
  address: string;
  /** `GET /visitor-offers/experiments`: method and path, no query. */
  route: string;
}

export class AuthFailureLog {
  readonly #log: Logger;
  readonly #now: () => number;
  #windowStart = -Infinity;
  #lines = 0;
  #unlogged = { refused: 0, throttled: 0 };
  #addresses = new Set<string>();
  #timer: NodeJS.Timeout | null = null;

  constructor(log: Logger, now: () => number) {
    this.#log = log;
    this.#now = now;
  }

  /** A wrong token; `throttledNow`: this failure used up the address's allowance. */
  refused(attempt: AuthAttempt, throttledNow: { retryAfterSeconds: number } | null): void {
    if (throttledNow !== null && this.#take()) {
      this.#log.warn({ ...attempt, retryAfterSeconds: throttledNow.retryAfterSeconds }, 'too many wrong tokens from one address: it is refused (429) for a while');
    } else if (throttledNow === null && this.#take()) {
      this.#log.warn(attempt, 'wrong token refused (401)');
    } else {
      this.#skip(attempt, 'refused');
    }
  }

  /** A request refused unchecked (429) because its address is throttled: counted, not logged. */
  throttled(attempt: AuthAttempt): void {
    this.#skip(attempt, 'throttled');
  }

  /** Logs what is still unlogged now and stops the timer (the router is closing). */
  close(): void {
    this.#flush();
  }

  /** Whether a line may be written one by one now. */
  #take(): boolean {
    const now = this.#now();
    if (now - this.#windowStart >= MINUTE) {
      this.#windowStart = now;
      this.#lines = 0;
    }
    if (this.#lines >= LINES_PER_MINUTE) return false;
    this.#lines += 1;
    return true;
  }

  #skip(attempt: AuthAttempt, kind: 'refused' | 'throttled'): void {
    this.#unlogged[kind] += 1;
    if (this.#addresses.size < MAX_ADDRESSES) this.#addresses.add(attempt.address);
    // One summary a minute, even if the attack stops right now; it never keeps the process alive.
    this.#timer ??= setTimeout(() => this.#flush(), MINUTE).unref();
  }

  #flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const { refused, throttled } = this.#unlogged;
    if (refused + throttled === 0) return;
    // `addresses` counts up to MAX_ADDRESSES.
    this.#log.warn({ wrongTokens: refused, refusedWhileThrottled: throttled, addresses: this.#addresses.size }, 'token attempts refused and not logged one by one');
    this.#unlogged = { refused: 0, throttled: 0 };
    this.#addresses = new Set();
  }
}
