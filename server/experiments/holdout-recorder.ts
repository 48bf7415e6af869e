// Records who was decided for, in the holdout or not (holdout.ts), as exposures of the `_holdout`
// pseudo-experiment: once per visitor (the store keeps the first), and at most once per visitor
// per process (a bounded memory of those written), so the hot path of /offer writes a row only
// for a visitor's first decision. Fire and forget: a store failure costs a count, never an answer,
// and is logged at most once a minute (the visitor is tried again at their next decision).
import { LRUCache } from 'lru-cache';
import type { Decision } from '../decision/decide.js';
import { ThrottledLog } from '../delivery/throttled-log.js';
import type { Logger } from '../logger.js';
import { errorCode } from '../store/backend.js';
import type { StoreRef } from '../store/store-ref.js';
import type { Store } from '../store/store.js';
import { holdoutArm, HOLDOUT_EXPERIMENT } from './holdout.js';

export interface HoldoutRecorderOptions {
  store: StoreRef;
  /** The current holdout share (offers can be reloaded). */
  share: () => number;
  logger: Logger;
  /** Visitors remembered as written. Default 100,000 (about 10 MB). */
  remember?: number;
}

export class HoldoutRecorder {
  readonly #o: HoldoutRecorderOptions;
  readonly #written: LRUCache<string, true>;
  readonly #log: ThrottledLog;

  constructor(options: HoldoutRecorderOptions) {
    this.#o = options;
    this.#written = new LRUCache({ max: options.remember ?? 100_000 });
    this.#log = new ThrottledLog(options.logger);
  }

  /** Called with each decision /offer made; only a decision for a visitor DataFast knows counts. */
  observe(visitorId: string, decision: Decision): void {
    if (decision.reason !== 'holdout' && !decision.reason.startsWith('rule:')) return;
    const arm = holdoutArm(visitorId, this.#o.share());
    if (arm === null || this.#written.has(visitorId)) return;
    this.#written.set(visitorId, true);
    const write = (s: Store): Promise<unknown> => s.recordExposure(HOLDOUT_EXPERIMENT, arm, visitorId);
    const s = this.#o.store.current;
    (s !== null ? write(s) : this.#o.store.ready.then(write)).catch((err: unknown) => {
      this.#written.delete(visitorId);
      this.#log.warn('holdout-store', { code: errorCode(err) }, 'holdout: could not record a decision (the visitor is counted at their next one)');
    });
  }
}
