// Delivers stored leads to DataFast (as a goal) and to the owner's webhook, with retries. A lead
// is marked delivered to a target only after that target accepted it, so a crash or an outage
// delays delivery but never loses it; pending leads are picked up again at start-up. The queue is
// read from the store a page at a time, so a long backlog is never all in memory; a store that
// fails (a read, a delivery mark) is logged and the pass is tried again later, never thrown.
import type { GoalResult } from '../datafast/client.js';
import type { Logger } from '../logger.js';
import type { DeliveryTarget, Lead, Store } from '../store/store.js';

export interface LeadForwarderOptions {
  /** Where leads wait; only these methods are used. */
  store: Pick<Store, 'pendingLeads' | 'pendingLeadCount' | 'markDelivered'>;
  /** Sends the lead's goal to DataFast for its visitor. */
  sendGoal: (lead: Lead) => Promise<GoalResult>;
  /** Owner's endpoint receiving each lead as JSON; null for none. */
  webhookUrl: string | null;
  logger: Logger;
  /** First retry delay, doubled per failure up to maxDelayMs. Default 1 s. */
  baseDelayMs?: number;
  /** Default 5 min. */
  maxDelayMs?: number;
  /** Per webhook call. Default 5 s. */
  webhookTimeoutMs?: number;
  /** Leads read from the store at a time. Default 100. */
  pageSize?: number;
  now?: () => number;
}

type Outcome = 'delivered' | 'retry';

export interface ForwarderStats {
  delivered: number;
  failures: number;
  /** Leads waiting for a target, as counted at the end of the last pass. */
  pending: number;
}

/** After a store failure, the next pass comes this much later. */
const STORE_RETRY_MS = 5000;

export class LeadForwarder {
  readonly targets: readonly DeliveryTarget[];
  readonly #o: Required<Omit<LeadForwarderOptions, 'webhookUrl'>> & { webhookUrl: string | null };
  /** Per lead and target: failures so far and when to try next. */
  readonly #backoff = new Map<string, { failures: number; nextAt: number }>();
  #running: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #delivered = 0;
  #failures = 0;
  #pending = 0;

  constructor(options: LeadForwarderOptions) {
    this.#o = { baseDelayMs: 1000, maxDelayMs: 300_000, webhookTimeoutMs: 5000, pageSize: 100, now: Date.now, ...options };
    this.targets = options.webhookUrl ? ['datafast', 'webhook'] : ['datafast'];
  }

  /** Asks for a delivery pass soon (after a new lead, or at start-up). */
  kick(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#pass().finally(() => {
      this.#running = null;
      if (this.#again) {
        this.#again = false;
        this.kick();
      }
    });
  }

  /** Resolves when no pass is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  stats(): ForwarderStats {
    return { delivered: this.#delivered, failures: this.#failures, pending: this.#pending };
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.idle();
  }

  async #pass(): Promise<void> {
    let nextWake: number;
    try {
      nextWake = await this.#deliverPending();
      this.#pending = await this.#o.store.pendingLeadCount(this.targets);
    } catch (err) {
      this.#o.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'lead delivery: the store failed; trying again shortly');
      nextWake = this.#o.now() + STORE_RETRY_MS;
    }
    if (nextWake !== Infinity && !this.#closed) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.kick(), Math.max(0, nextWake - this.#o.now()));
      this.#timer.unref();
    }
  }

  /** One walk through the queue, a page at a time; resolves with when a lead in backoff is due next. */
  async #deliverPending(): Promise<number> {
    const { store, now, pageSize } = this.#o;
    let nextWake = Infinity;
    for (let afterSeq = 0; ; ) {
      const page = await store.pendingLeads(this.targets, { afterSeq, limit: pageSize });
      for (const lead of page) {
        if (this.#closed) return Infinity;
        for (const target of this.targets) {
          if (lead.delivered[target]) continue;
          const key = `${lead.id}:${target}`;
          const backoff = this.#backoff.get(key);
          if (backoff && backoff.nextAt > now()) {
            nextWake = Math.min(nextWake, backoff.nextAt);
            continue;
          }
          const outcome = await this.#deliver(lead, target);
          if (outcome === 'delivered') {
            // Durable before it counts: a crash here means one more delivery (idempotency key), never none.
            await store.markDelivered(lead.id, target);
            this.#backoff.delete(key);
            this.#delivered++;
          } else {
            this.#failures++;
            const failures = (backoff?.failures ?? 0) + 1;
            const delay = Math.min(this.#o.maxDelayMs, this.#o.baseDelayMs * 2 ** (failures - 1));
            const nextAt = now() + delay * (0.5 + Math.random() / 2);
            this.#backoff.set(key, { failures, nextAt });
            nextWake = Math.min(nextWake, nextAt);
          }
        }
      }
      const last = page.at(-1);
      if (last === undefined || page.length < pageSize) return nextWake;
      afterSeq = last.seq;
    }
  }

  async #deliver(lead: Lead, target: DeliveryTarget): Promise<Outcome> {
    const log = this.#o.logger;
    if (target === 'datafast') {
      // Without a visitor there is nobody to attach the goal to: nothing to send.
      if (lead.visitorId === null) return 'delivered';
      const result = await this.#o.sendGoal(lead);
      if (result.kind === 'created') return 'delivered';
      if (result.kind === 'rejected') {
        log.warn({ lead: lead.id, status: result.status }, 'DataFast refused the lead goal for good; the lead stays stored');
        return 'delivered';
      }
      return 'retry';
    }
    const url = this.#o.webhookUrl;
    if (!url) return 'delivered';
    try {
      // No redirects: a 3xx from the webhook could send the emails on to a plain-http address.
      const res = await fetch(url, {
        redirect: 'error',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': lead.id, 'user-agent': 'visitor-offers' },
        body: JSON.stringify({
          id: lead.id,
          email: lead.email,
          offerId: lead.offerId,
          visitorId: lead.visitorId,
          createdAt: new Date(lead.at).toISOString(),
        }),
        signal: AbortSignal.timeout(this.#o.webhookTimeoutMs),
      });
      await res.body?.cancel();
      if (res.ok) return 'delivered';
      log.warn({ lead: lead.id, status: res.status }, 'lead webhook refused the lead; will retry');
    } catch (err) {
      log.warn({ lead: lead.id, err: err instanceof Error ? err.name : 'error' }, 'lead webhook unreachable; will retry');
    }
    return 'retry';
  }
}
