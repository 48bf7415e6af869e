// A budget of calls per minute, as a token bucket: `perMinute` tokens refill evenly over each
// minute, and at most a sixth of a minute's worth (at least one) is saved up, so a quiet spell
// never turns into a burst. Pure apart from the clock it is given.
export class CallBudget {
  readonly #perMs: number;
  readonly #capacity: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(perMinute: number, now: () => number = Date.now) {
    this.#perMs = Math.max(0, perMinute) / 60_000;
    this.#capacity = perMinute > 0 ? Math.max(1, perMinute / 6) : 0;
    this.#now = now;
    this.#tokens = this.#capacity;
    this.#at = now();
  }

  /** Whole calls that may be made now. */
  available(): number {
    this.#refill();
    return Math.floor(this.#tokens);
  }

  /** Spends one call; false (nothing spent) when none is left. */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#at);
    this.#at = now;
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsed * this.#perMs);
  }
}
