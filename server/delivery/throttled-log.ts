// Warnings about deliveries, at most one a minute per kind of trouble (a failing store, a target
// that fails, one that refuses), each carrying how many were held back since the last: a backlog
// of thousands of rows failing together makes one line a minute, not one per row.
import type { Logger } from '../logger.js';

export const LOG_INTERVAL_MS = 60_000;

export class ThrottledLog {
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #last = new Map<string, number>();
  readonly #held = new Map<string, number>();

  constructor(logger: Logger, now: () => number = Date.now) {
    this.#log = logger;
    this.#now = now;
  }

  warn(kind: string, fields: Record<string, unknown>, msg: string): void {
    this.#emit('warn', kind, fields, msg);
  }

  debug(kind: string, fields: Record<string, unknown>, msg: string): void {
    this.#emit('debug', kind, fields, msg);
  }

  #emit(level: 'warn' | 'debug', kind: string, fields: Record<string, unknown>, msg: string): void {
    const now = this.#now();
    const last = this.#last.get(kind);
    if (last !== undefined && now - last < LOG_INTERVAL_MS) {
      this.#held.set(kind, (this.#held.get(kind) ?? 0) + 1);
      return;
    }
    this.#last.set(kind, now);
    const held = this.#held.get(kind) ?? 0;
    this.#held.set(kind, 0);
    this.#log[level]({ ...fields, heldBackSinceLast: held }, msg);
  }
}
