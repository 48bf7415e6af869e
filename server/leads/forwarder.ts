// Forwards a stored lead to the owner's webhook: one POST of `{ id, email, offerId, visitorId,
// createdAt }` with `Idempotency-Key: <lead id>`, for a `webhook` row of the outbox (the delivery
// worker claims, retries and settles it: ../delivery/). The body is read from the lead as stored
// when it is sent, so an erased lead is never sent and the email lives in one table only.
import { thrownSendResult, webhookSendResult, type SendResult } from '../delivery/outcome.js';
import { errorCode } from '../store/backend.js';
import type { Lead, OutboxEntry } from '../store/store.js';

export interface LeadWebhookOptions {
  url: string;
  /** The stored lead. */
  lead: (leadId: string) => Promise<Lead | undefined>;
  /** Per call. Default 5 s. */
  timeoutMs?: number;
}

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5000;

export class LeadWebhook {
  readonly #o: LeadWebhookOptions;
  readonly timeoutMs: number;

  constructor(options: LeadWebhookOptions) {
    this.#o = options;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  }

  /** Sends one `webhook` row's lead (the worker's sender); never rejects. */
  async send(entry: OutboxEntry): Promise<SendResult> {
    let lead: Lead | undefined;
    try {
      lead = entry.leadId === null ? undefined : await this.#o.lead(entry.leadId);
    } catch (err) {
      return { kind: 'failed', error: `store-${errorCode(err)}` };
    }
    if (lead === undefined) return { kind: 'refused', error: 'no-lead' };
    try {
      // No redirects: a 3xx from the webhook could send the emails on to a plain-http address.
      const res = await fetch(this.#o.url, {
        redirect: 'error',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': lead.id, 'user-agent': 'visitor-offers' },
        body: JSON.stringify({ id: lead.id, email: lead.email, offerId: lead.offerId, visitorId: lead.visitorId, createdAt: new Date(lead.at).toISOString() }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.body?.cancel().catch(() => undefined);
      return webhookSendResult(res.status);
    } catch (err) {
      return thrownSendResult(err);
    }
  }
}
