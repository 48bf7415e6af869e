// Goals for DataFast, queued in the store's outbox (the delivery worker sends them: ../delivery/).
// The routes queue a goal before they answer, so an accepted event's goal survives a restart or a
// `kill -9`; an order's goal is queued in the order's own transaction (routes/conversions.ts), an exposure's
// in the exposure's (routes/events.ts).
//
// - Keys: a goal whose event is recorded once (a first exposure, an order) is keyed by that
//   event, so queueing it twice sends it once; clicks, dismisses and page conversions without an
//   order get a key of their own.
// - A cap: once `capacity` goals wait (DataFast down a long time, every instance's counted), new
//   goals of widget events are dropped — counted, and logged at most once a minute — so a long
//   outage cannot fill the disk that leads need. Orders' and leads' deliveries are never dropped.
// - Sending: the goal as queued, or a lead's `offer_lead` goal made from the lead as stored.
import { randomUUID } from 'node:crypto';
import type { GoalResult } from '../datafast/client.js';
import { GOAL_NAMES, type GoalMetadata } from '../datafast/goals.js';
import { goalSendResult, type SendResult } from '../delivery/outcome.js';
import { ThrottledLog } from '../delivery/throttled-log.js';
import type { Logger } from '../logger.js';
import { errorCode } from '../store/backend.js';
import type { KeyedGoal, Lead, OrderSource, OutboxEntry, OutboxGoal, Store } from '../store/store.js';

/** Goals of widget events waiting, every instance's, past which new ones are dropped. */
export const DEFAULT_GOAL_CAPACITY = 100_000;

export interface GoalOutboxOptions {
  /** One attempt at sending a goal (the DataFast client's createGoal). */
  createGoal: (visitorId: string, name: string, metadata: GoalMetadata) => Promise<GoalResult>;
  /** Until when the client lets no goal through (its goals breaker, a 429's pause); 0 when it does. */
  retryAt: () => number;
  /** The stored lead, for a lead's goal. */
  lead: (leadId: string) => Promise<Lead | undefined>;
  /** Goals pending now (waiting or being sent), as last counted. */
  pending: () => number;
  /** Tells the worker a goal was queued. */
  queuedOne: () => void;
  logger: Logger;
  capacity?: number;
  now?: () => number;
}

export interface GoalOutboxStats {
  /** Goals not queued since start: the outbox was full, or the store failed. */
  dropped: number;
  capacity: number;
}

export class GoalOutbox {
  readonly #o: GoalOutboxOptions;
  readonly #log: ThrottledLog;
  readonly #capacity: number;
  readonly #now: () => number;
  #dropped = 0;

  constructor(options: GoalOutboxOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#log = new ThrottledLog(options.logger, this.#now);
    this.#capacity = options.capacity ?? DEFAULT_GOAL_CAPACITY;
  }

  /**
   * Queues a widget event's goal in `store`; true once it is queued (or was already, by its key).
   * False when it was dropped: the outbox is full, or the store failed (logged). Never rejects.
   */
  async enqueue(store: Store, goal: KeyedGoal): Promise<boolean> {
    if (!this.admit()) return false;
    try {
      await store.enqueueGoal(goal);
    } catch (err) {
      this.#dropped += 1;
      this.#log.warn('store', { code: errorCode(err), dropped: this.#dropped }, 'could not queue a goal (the event itself is stored): goal dropped');
      return false;
    }
    this.#o.queuedOne();
    return true;
  }

  /**
   * Whether a widget event's goal may be queued now (by a write of the caller's, as an exposure's
   * transaction does); false, counted and logged, when the outbox is full and the goal is dropped.
   */
  admit(): boolean {
    const pending = this.#o.pending();
    if (pending < this.#capacity) return true;
    this.#dropped += 1;
    this.#log.warn('full', { pending, capacity: this.#capacity, dropped: this.#dropped }, 'goal outbox is full (DataFast has been failing a long time): goal dropped');
    return false;
  }

  /** A goal was queued by a store write of its own (an order's transaction): the worker sends it now. */
  kick(): void {
    this.#o.queuedOne();
  }

  stats(): GoalOutboxStats {
    return { dropped: this.#dropped, capacity: this.#capacity };
  }

  /** Sends one `datafast` row (the worker's sender). */
  async send(entry: OutboxEntry): Promise<SendResult> {
    let goal: OutboxGoal | null = entry.goal;
    if (entry.leadId !== null) {
      const lead = await this.#o.lead(entry.leadId);
      // Erased since (its rows go with it), or stored without a visitor: nothing to send.
      if (lead?.visitorId == null) return { kind: 'refused', error: 'no-lead-visitor' };
      goal = leadGoal(lead.visitorId, lead.offerId);
    }
    if (goal === null) return { kind: 'refused', error: 'bad-payload' };
    const result = await this.#o.createGoal(goal.visitorId, goal.name, goal.metadata as GoalMetadata);
    return goalSendResult(result, this.#o.retryAt(), this.#now());
  }
}

/** The goal of a lead. */
export function leadGoal(visitorId: string, offerId: string): OutboxGoal {
  return { visitorId, name: GOAL_NAMES.lead, metadata: { offer: offerId } };
}

/** A first exposure's goal: one per visitor and experiment (outside experiments, per visitor and offer), as the store counts them. */
export function exposureKey(visitorId: string, experiment: string | undefined, offerId: string | null): string {
  return experiment !== undefined ? `exposure:experiment:${experiment}:${visitorId}` : `exposure:offer:${offerId ?? ''}:${visitorId}`;
}

/** An order's goal: the backend's by order id (one namespace), a page's by visitor and order id. */
export function orderKey(source: OrderSource, orderId: string, visitorId: string): string {
  return source === 'backend' ? `order:backend:${orderId}` : `order:page:${visitorId}:${orderId}`;
}

/** An event that is not recorded once (a click, a dismiss, a conversion without an order). */
export function eventKey(): string {
  return `event:${randomUUID()}`;
}
