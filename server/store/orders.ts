// The store's orders, each the conversion of one visitor, kept so that a repeated report of the
// same order (a retried webhook, a reloaded thank-you page) counts nothing twice, and so that
// revenue can later be read per experiment arm.
//
// Who may claim an order id. The backend's report is authenticated; a page's is not (anyone can
// post one with a forged cookie). So:
// - Only the backend's reports share the site's order-id namespace: the first backend report of
//   an id wins, the same id for another visitor is a conflict (409 on POST /conversions).
// - A page speaks only for its own cookie's visitor: its orders are keyed by (visitor, order id),
//   never conflict, and tell nobody whether an id exists for someone else.
// - The backend always wins: its report of an order this visitor's page already reported
//   supersedes the page's (its value and currency replace the page's, in a new record that wins on
//   replay too); the page's later reports of it are duplicates.

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

/**
 * What recording an order did: `new` (stored, counted), `duplicate` (this visitor's order, already
 * stored) or `conflict` (a backend report of an id the backend recorded for another visitor).
 */
export type OrderOutcome =
  | { status: 'new'; order: Order; /** Experiments whose conversion count this order raised. */ counted: string[] }
  | { status: 'duplicate'; order: Order }
  | { status: 'conflict' };

export const ORDER_SOURCES: readonly OrderSource[] = ['page', 'backend'];

/** What `put` changed, for `restore`. */
export interface OrderUndo {
  order: Order;
  /** The page's report of the same order that a backend report superseded. */
  superseded: Order | undefined;
}

const pageKey = (visitorId: string, orderId: string): string => `${visitorId}\n${orderId}`;

export class OrderBook {
  /** The backend's orders, by order id. */
  private readonly backend = new Map<string, Order>();
  /** The pages' orders, by visitor and order id, unless superseded by the backend's. */
  private readonly page = new Map<string, Order>();

  /**
   * The order `orderId` of `visitorId` (the backend's report of it, else the page's); without a
   * visitor, the backend's order of that id.
   */
  get(orderId: string, visitorId?: string): Order | undefined {
    const backend = this.backend.get(orderId);
    if (visitorId === undefined || backend?.visitorId === visitorId) return backend;
    return this.page.get(pageKey(visitorId, orderId));
  }

  /** Orders stored, the pages' and the backend's. */
  get size(): number {
    return this.backend.size + this.page.size;
  }

  /** How a report of `orderId` for `visitorId` from `source` relates to what is stored (see the header). */
  check(orderId: string, visitorId: string, source: OrderSource): 'new' | 'duplicate' | 'conflict' {
    const backend = this.backend.get(orderId);
    if (backend?.visitorId === visitorId) return 'duplicate';
    if (source === 'backend') return backend === undefined ? 'new' : 'conflict';
    return this.page.has(pageKey(visitorId, orderId)) ? 'duplicate' : 'new';
  }

  /** The page's report a backend report of this order would supersede. */
  supersedable(orderId: string, visitorId: string): Order | undefined {
    return this.page.get(pageKey(visitorId, orderId));
  }

  /** Stores `order` (after `check` said new); returns what `restore` needs to undo it. */
  put(order: Order): OrderUndo {
    const key = pageKey(order.visitorId, order.orderId);
    if (order.source === 'page') {
      this.page.set(key, order);
      return { order, superseded: undefined };
    }
    const superseded = this.page.get(key);
    this.page.delete(key);
    this.backend.set(order.orderId, order);
    return { order, superseded };
  }

  /** Undoes a `put`. */
  restore({ order, superseded }: OrderUndo): void {
    const key = pageKey(order.visitorId, order.orderId);
    if (order.source === 'page') {
      this.page.delete(key);
      return;
    }
    this.backend.delete(order.orderId);
    if (superseded !== undefined) this.page.set(key, superseded);
  }
}

export function copyOrder(order: Order): Order {
  return { ...order, experiments: { ...order.experiments } };
}
