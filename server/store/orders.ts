// The store's orders: one per order id, each the conversion of one visitor, kept so that a repeated
// report of the same order (a retried webhook, a reloaded thank-you page) counts nothing twice, and
// so that revenue can later be read per experiment arm.
//
// Who may claim an order id: the first report wins, with one exception. The page's report comes
// from a browser, and anyone can post one with a forged cookie; the backend's report is
// authenticated. So a page's claim never blocks the backend: a backend report for an id that only
// a page claimed, for another visitor, replaces that claim. Everything else for another visitor is
// a conflict.

/** Where an order was reported from: the widget (`convert()`, via POST /events) or the site's backend (POST /conversions). */
export type OrderSource = 'page' | 'backend';

export interface Order {
  orderId: string;
  visitorId: string;
  /** In the currency's major unit; null when the report carried no value. */
  value: number | null;
  /** ISO 4217, upper case; null exactly when `value` is. */
  currency: string | null;
  source: OrderSource;
  /** When it was stored (ms epoch). */
  at: number;
  /**
   * Experiment → the visitor's variant, for every experiment the visitor was exposed to before the
   * order: the arms this order's revenue belongs to. (Its conversion counted in those where it was
   * the visitor's first.)
   */
  experiments: Record<string, string>;
}

/** What recording an order did: `new` (stored, counted), `duplicate` (this visitor's order, already stored) or `conflict`. */
export type OrderOutcome =
  | { status: 'new'; order: Order; /** Experiments whose conversion count this order raised. */ counted: string[] }
  | { status: 'duplicate'; order: Order }
  | { status: 'conflict' };

export const ORDER_SOURCES: readonly OrderSource[] = ['page', 'backend'];

export class OrderBook {
  private readonly byId = new Map<string, Order>();

  get(orderId: string): Order | undefined {
    return this.byId.get(orderId);
  }

  get size(): number {
    return this.byId.size;
  }

  /** How a report of `orderId` for `visitorId` from `source` relates to what is stored. */
  check(orderId: string, visitorId: string, source: OrderSource): 'new' | 'duplicate' | 'conflict' {
    const known = this.byId.get(orderId);
    if (known === undefined) return 'new';
    if (known.visitorId === visitorId) return 'duplicate';
    return source === 'backend' && known.source === 'page' ? 'new' : 'conflict';
  }

  /** Stores `order` (after `check` said new); returns the one it replaced, for undo. */
  put(order: Order): Order | undefined {
    const previous = this.byId.get(order.orderId);
    this.byId.set(order.orderId, order);
    return previous;
  }

  /** Undoes a `put`. */
  restore(orderId: string, previous: Order | undefined): void {
    if (previous === undefined) this.byId.delete(orderId);
    else this.byId.set(orderId, previous);
  }
}

export function copyOrder(order: Order): Order {
  return { ...order, experiments: { ...order.experiments } };
}
