// Delivers stored leads to DataFast (as a goal) and to the owner's webhook, with retries. A lead
// is marked delivered to a target only after that target accepted it, so a crash or an outage
// delays delivery but never loses it; pending leads are picked up again at start-up.
import type { GoalResult } from '../datafast/client.js';
import type { Logger } from '../logger.js';
import type { DeliveryTarget, Lead, Store } from '../store/store.js';

export interface LeadForwarderOptions {
  /** Where leads wait; only these two methods are used. */
  store: Pick<Store, 'pendingLeads' | 'markDelivered'>;
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
  now?: () => number;
}

type Outcome = 'delivered' | 'retry';

export interface ForwarderStats {
  delivered: number;
  failures: number;
  pending: number;
}

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

  constructor(options: LeadForwarderOptions) {
    this.#o = { baseDelayMs: 1000, maxDelayMs: 300_000, webhookTimeoutMs: 5000, now: Date.now, ...options };
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
    return { delivered: this.#delivered, failures: this.#failures, pending: this.#o.store.pendingLeads(this.targets).length };
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.idle();
  }

  async #pass(): Promise<void> {
    const { store, now } = this.#o;
    let nextWake = Infinity;
    for (const lead of store.pendingLeads(this.targets)) {
      if (this.#closed) return;
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
    if (nextWake !== Infinity && !this.#closed) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.kick(), Math.max(0, nextWake - now()));
      this.#timer.unref();
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
