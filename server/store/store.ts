// The durable store as the router sees it: one asynchronous interface, two SQL backends behind it
// (SQLite in the data directory by default, PostgreSQL with DATABASE_URL; sql-store.ts). It records
// facts and answers questions about them; it makes no decision (which offer, which variant, whether
// a code is due) — the routes do.
//
// Every write resolves only once it is committed, and rejects (having stored nothing) otherwise.
// "Record once" methods are safe against concurrent callers, in one process and across instances
// sharing a Postgres database: unique keys in the schema decide, not memory.

import type { ScoreSample } from '../scoring/fit-weights.js';
import type { BehaviourSignals } from '../scoring/signals.js';

/** Where a stored lead is delivered: DataFast (as a goal) and the owner's webhook. */
export type DeliveryTarget = 'datafast' | 'webhook';

export const DELIVERY_TARGETS: readonly DeliveryTarget[] = ['datafast', 'webhook'];

export interface Lead {
  /** Random UUID; also the webhook's `Idempotency-Key`. */
  id: string;
  email: string;
  offerId: string;
  visitorId: string | null;
  /** When it was accepted (ms epoch). */
  at: number;
  delivered: { datafast: boolean; webhook: boolean };
}

/** A lead waiting for delivery, with its place in the queue (`seq` grows with each lead stored). */
export interface PendingLead extends Lead {
  seq: number;
}

/** A widget's exposure to an offer (null: an experiment arm that showed none), in an experiment or not. */
export interface OfferExposure {
  offerId: string | null;
  visitorId: string;
  /** The visitor's experiment and real variant, when the exposure belongs to one. */
  experiment?: { id: string; variantId: string };
  /** Claim the code the visitor holds for the offer (a pooled coupon). */
  claimCode: boolean;
}

/** What recording an exposure did. */
export interface OfferExposureOutcome {
  /** Already counted: the visitor's exposure in this experiment (outside one: to this offer) was recorded before. */
  duplicate: boolean;
  /** With `claimCode`: the visitor's claimed code (now or before), or null when they hold none. */
  code: string | null;
  /** Whether the goal was queued by this exposure's transaction. */
  queued: boolean;
}

export interface VariantCounts {
  exposures: number;
  conversions: number;
}

/** Revenue of one arm in one currency: its orders with a value, within the attribution window. */
export interface ArmRevenue {
  orders: number;
  /** Visitors with at least one such order. */
  buyers: number;
  /** Σ order values. */
  revenue: number;
  /** Σ over the arm's visitors of (their revenue in this currency)²: the spread of revenue per visitor. */
  revenueSquares: number;
}

/** One arm's exposed visitors and what they did within the attribution window after their exposure. */
export interface ArmMetrics {
  exposures: number;
  /** Visitors whose first conversion (a lead, a conversion event, an order, a DataFast payment) fell within the window. */
  conversions: number;
  /** Orders within the window, with a value or not. */
  orders: number;
  /** By currency (ISO 4217); orders without a value are in `orders` only. */
  revenue: Record<string, ArmRevenue>;
}

/** Exposures of an experiment the DataFast reconciliation looks at: those from now − `lookBackMs` on. */
export interface CheckWindow {
  experimentId: string;
  lookBackMs: number;
}

/** A visitor claimed for a look at their DataFast record. */
export interface VisitorCheck {
  visitorId: string;
  /** Looks made before this one. */
  checks: number;
  /** Experiment → the visitor's exposure (ms epoch), for their unconverted exposures within the windows claimed by. */
  exposures: Record<string, number>;
}

/** Where an order was reported from: the widget (`convert()`, via POST /events) or the site's backend (POST /conversions). */
export type OrderSource = 'page' | 'backend';

export const ORDER_SOURCES: readonly OrderSource[] = ['page', 'backend'];

/** An order as reported: the conversion of one visitor. */
export interface OrderReport {
  orderId: string;
  visitorId: string;
  /** In the currency's major unit; null when the report carried no value. */
  value: number | null;
  /** ISO 4217, upper case; null exactly when `value` is. */
  currency: string | null;
  source: OrderSource;
}

export interface Order extends OrderReport {
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

/** What a visitor's offer depends on, read together in one query. */
export interface VisitorOfferFacts {
  /** The visitor's first exposure to the offer (ms epoch), or null if none is recorded. */
  firstExposureAt: number | null;
  /** The single-use code the visitor claimed for the offer (it was shown to them), or null; a code only held is renewed by `holdCouponCode`. */
  code: string | null;
}

/** An offer's single-use codes by state. */
export interface CouponStock {
  /** Codes of the current pool a new visitor could take: free, or held past their hold. */
  left: number;
  /** Codes held for a visitor whose offer showed them, not yet exposed, hold not lapsed. */
  held: number;
  /** Codes claimed for good by a visitor's exposure (from any pool file the offer had). */
  claimed: number;
}

/** Failed writes since the store was opened, for readiness and metrics. */
export interface StoreWriteStats {
  /** Writes that failed for a reason other than a key already taken (a full disk, a lost connection…). */
  failures: number;
  /** The latest failure's code (`SQLITE_FULL`, `SQLITE_BUSY`, a Postgres SQLSTATE like `53100`, `ECONNREFUSED`), or null. */
  lastFailureCode: string | null;
}

/** Rows removed by one pruning pass, by table (`outbox`: finished deliveries; `visitorChecks`: DataFast looks not touched since; `enrolments`: a bandit's; `scoreSignals`: the local score's fitting samples). */
export type PruneCounts = Record<'exposures' | 'conversions' | 'firstExposures' | 'orders' | 'outbox' | 'visitorChecks' | 'enrolments' | 'scoreSignals', number>;

// ---- the delivery outbox ----

/** Where a queued delivery goes: DataFast (a goal) or the owner's webhook (a lead). */
export type OutboxKind = DeliveryTarget;

/** A goal for DataFast as it is queued and sent. */
export interface OutboxGoal {
  visitorId: string;
  name: string;
  metadata: Readonly<Record<string, string | undefined>>;
}

/** A goal to queue, under a key that makes queueing it twice a no-op. */
export interface KeyedGoal {
  key: string;
  goal: OutboxGoal;
}

/** A claimed delivery, leased to the claimer until it settles it or the lease expires. */
export interface OutboxEntry {
  id: number;
  kind: OutboxKind;
  /** Unique per kind: the lead's id for a lead's deliveries (the webhook's `Idempotency-Key`). */
  key: string;
  /** The lead it delivers, else null. */
  leadId: string | null;
  /** The goal DataFast gets, for a `datafast` row that is not a lead's; null for a lead's rows, made from the lead as stored when sent. */
  goal: OutboxGoal | null;
  /** Failed attempts before this one. */
  attempts: number;
  createdAt: number;
  /**
   * When this claim's lease expires. With the owner it names this claim: a settle of an older
   * claim of the row (its lease ran out, and the row was claimed again) changes nothing.
   */
  leaseUntil: number;
}

/** How a claimed delivery ended: done for good, or back in the queue until `retryAt`. */
export type OutboxSettlement =
  | { state: 'delivered' | 'rejected' | 'failed'; attempts: number; error: string | null }
  | { state: 'pending'; attempts: number; retryAt: number; error: string | null };

/** One kind's deliveries by state, counted in the store (every instance's). */
export interface OutboxKindCounts {
  /** Pending and not leased (waiting for their time, or due). */
  queued: number;
  /** Pending and leased to a worker now. */
  inFlight: number;
  /** Given up after the last attempt; kept until the retention prunes them. */
  failed: number;
  /** Refused for good by their target; kept until the retention prunes them. */
  rejected: number;
}

export type OutboxCounts = Record<OutboxKind, OutboxKindCounts>;

export type StoreKind = 'sqlite' | 'postgres';

export interface Store {
  /** Which backend this is. */
  readonly kind: StoreKind;

  // ---- leads ----

  /**
   * Stores a new lead (id and time given here); resolves once it is durable, even across a power
   * loss. Its deliveries to `deliverTo` are queued in the outbox in the same transaction (a lead
   * without a visitor has no DataFast goal).
   */
  addLead(input: { email: string; offerId: string; visitorId: string | null }, options?: { deliverTo?: readonly DeliveryTarget[] }): Promise<Lead>;
  /** The stored lead with this id, if any. */
  lead(leadId: string): Promise<Lead | undefined>;
  /**
   * Leads not delivered to at least one of `targets` (by their `delivered` marks: queued, refused
   * or given up in the outbox, or never queued), oldest first, at most `limit` (default 100) of
   * them with `seq` above `afterSeq` (default 0). The outbox, not this, is the delivery queue.
   */
  pendingLeads(targets: readonly DeliveryTarget[], page?: { afterSeq?: number; limit?: number }): Promise<PendingLead[]>;
  /** How many leads are not delivered to at least one of `targets`. */
  pendingLeadCount(targets: readonly DeliveryTarget[]): Promise<number>;
  /** Records that `leadId` reached `target` (settling its outbox row does this); a no-op if already recorded; rejects for an unknown lead. */
  markDelivered(leadId: string, target: DeliveryTarget): Promise<void>;
  leadCount(): Promise<number>;
  /**
   * Deletes every lead with this email (compared case-insensitively, Unicode included: email-key.ts)
   * and every outbox row of those leads (their webhook calls and DataFast goals, pending or done),
   * in one transaction; then, on SQLite, empties the WAL so no copy stays on disk. Resolves with how
   * many leads. Rejects with SQLITE_BUSY when the WAL stayed busy after the delete committed:
   * calling it again finishes that.
   */
  deleteLeadsByEmail(email: string): Promise<number>;

  // ---- first exposures (coupon expiry, countdowns) ----

  /** First exposure of this visitor to this offer (ms epoch), if recorded. */
  firstExposure(offerId: string, visitorId: string): Promise<number | undefined>;
  /**
   * The visitor's first exposure to the offer, recording `at` (default now) if there is none yet;
   * `first` says whether this call recorded it. Stable afterwards.
   */
  recordFirstExposure(offerId: string, visitorId: string, at?: number): Promise<{ at: number; first: boolean }>;
  /** The visitor's first exposure to the offer and the code they hold for it, in one query. */
  offerFacts(offerId: string, visitorId: string): Promise<VisitorOfferFacts>;

  // ---- experiments ----

  /**
   * Records the visitor's exposure to `variantId`. True when this was their first exposure in this
   * experiment (then counted); false when already exposed — to any variant: the first one counts.
   */
  recordExposure(experimentId: string, variantId: string, visitorId: string): Promise<boolean>;
  /**
   * A bandit's enrolment: records that the visitor is in `variantId` unless they are enrolled in
   * the experiment already, and resolves with the variant they are in (theirs from before, or this
   * one: `first`). Once recorded it never changes, whoever asks (unique key: two instances
   * enrolling one visitor at once agree on the first).
   */
  enrol(experimentId: string, visitorId: string, variantId: string): Promise<{ variantId: string; first: boolean }>;
  /** The variant a bandit enrolled the visitor in, if any. */
  enrolmentOf(experimentId: string, visitorId: string): Promise<string | undefined>;
  /** The variant the visitor was (first) exposed to in this experiment. */
  exposureOf(experimentId: string, visitorId: string): Promise<string | undefined>;
  /** Counts a conversion for the visitor's exposed variant, once per visitor and experiment, only if exposed; true when counted. */
  recordConversion(experimentId: string, visitorId: string): Promise<boolean>;
  /** `recordConversion` for every experiment the visitor was exposed to; resolves with those counted now. */
  recordConversions(visitorId: string): Promise<string[]>;
  /**
   * Records a widget's exposure in one transaction: claims the visitor's held code (`claimCode`),
   * records their first exposure to the offer and their exposure in the experiment, and, when
   * this exposure counts (not a duplicate), queues `goal` in the outbox. A failure stores none of
   * them (so a retry is new again); a stored exposure always has its goal queued.
   */
  recordOfferExposure(exposure: OfferExposure, goal?: KeyedGoal): Promise<OfferExposureOutcome>;
  /** Exposures and conversions per variant, whenever converted (an SQL aggregate); empty if none. */
  experimentCounts(experimentId: string): Promise<Map<string, VariantCounts>>;
  /**
   * Per variant: exposures, conversions and orders within `windowMs` of each visitor's exposure,
   * and revenue per currency with the sum of squares of per-visitor revenue (SQL aggregates over
   * orders that carry this experiment's arm); empty if none.
   */
  experimentMetrics(experimentId: string, windowMs: number): Promise<Map<string, ArmMetrics>>;
  /**
   * Conversions found after the fact (DataFast payments at `times`, ms epoch): for each time, oldest
   * first, the visitor's conversion in every experiment they were exposed to at or before it and
   * had not converted in. Resolves with the experiments counted.
   */
  recordConversionsAt(visitorId: string, times: readonly number[]): Promise<string[]>;

  // ---- DataFast reconciliation ----

  /**
   * Leases up to `limit` visitors due for a look to `owner` for `leaseMs`: visitors with an
   * unconverted exposure in one of `windows`, first looked at `firstCheckAfterMs` after their
   * earliest such exposure, then at the time their last settle set; never one leased to someone
   * else (on Postgres, a conditional upsert per visitor: two instances never claim one together).
   * Soonest due first.
   */
  claimVisitorChecks(claim: { windows: readonly CheckWindow[]; firstCheckAfterMs: number; owner: string; limit: number; leaseMs: number }): Promise<VisitorCheck[]>;
  /**
   * Ends `owner`'s look: the visitor is due again at `nextCheckAt`, or never (null; the row stays,
   * marked done, until the retention prunes it). False (nothing changed) when `owner` no longer
   * holds the lease.
   */
  settleVisitorCheck(visitorId: string, owner: string, nextCheckAt: number | null): Promise<boolean>;

  // ---- orders ----

  /**
   * Records an order. The backend's reports share one order-id namespace (the first wins; the same
   * id for another visitor is a conflict); a page speaks for its own visitor only (keyed by visitor
   * and order id, never a conflict); the backend's report of an order this visitor's page reported
   * supersedes it, keeping the page's arms. A new order counts as the conversion of every
   * experiment the visitor was exposed to before it, and queues `goal` in the outbox, in the same
   * transaction. A duplicate or a conflict stores nothing.
   */
  recordOrder(report: OrderReport, goal?: KeyedGoal): Promise<OrderOutcome>;
  /** The visitor's order with this id (the backend's report, else the page's); without a visitor, the backend's. */
  order(orderId: string, visitorId?: string): Promise<Order | undefined>;
  orderCount(): Promise<number>;

  // ---- single-use coupon codes ----

  /**
   * Makes `codes` the offer's pool: codes not stored yet are added (in this order), codes left out
   * are no longer handed out, codes already held or claimed stay their visitor's. Cheap when the
   * list is the one loaded last (compared by a fingerprint).
   */
  loadCouponPool(offerId: string, codes: readonly string[]): Promise<void>;
  /**
   * The visitor's code for the offer, when their offer is decided: the one they claimed (kept for
   * good), else the one they hold (its hold renewed until now + `holdMs`, also a lapsed one nobody
   * took meanwhile), else the next free code of the pool, else the oldest lapsed hold of another
   * visitor, taken over — held for this visitor until now + `holdMs`. Atomic across instances:
   * never one code for two visitors, never two codes for one. Null when every code is held or claimed.
   */
  holdCouponCode(offerId: string, visitorId: string, holdMs: number): Promise<string | null>;
  /**
   * Makes the code the visitor holds theirs for good (their first exposure; a lapsed hold nobody
   * took is still theirs). Resolves with their claimed code (claimed now or before), or null when
   * they hold none: never held, or their lapsed hold went to another visitor.
   */
  claimHeldCouponCode(offerId: string, visitorId: string): Promise<string | null>;
  /** The code the visitor holds (also a lapsed hold still theirs) or claimed for the offer, if any. */
  couponCode(offerId: string, visitorId: string): Promise<string | undefined>;
  /**
   * Codes of the offer's current pool a new visitor could take: free, or held past their hold.
   * With `atMost`, counting stops there (a cheap "fewer than N left?" on a big pool).
   */
  couponCodesLeft(offerId: string, atMost?: number): Promise<number>;
  /** Codes of the offer held (unlapsed) or claimed by a visitor, from any pool file it had. */
  couponCodesUsed(offerId: string): Promise<number>;
  /** Left, held and claimed codes of the offer (an SQL aggregate). */
  couponStock(offerId: string): Promise<CouponStock>;

  // ---- lead export ----

  /**
   * A page of every stored lead, delivered or not, oldest first: at most `limit` (default 500)
   * with `seq` above `afterSeq` (default 0), accepted at or after `since` (ms epoch) when given.
   */
  leadsPage(page?: { afterSeq?: number; since?: number; limit?: number }): Promise<Array<Lead & { seq: number }>>;

  // ---- the delivery outbox ----

  /** Queues a goal for DataFast; false when its key is queued (or was delivered) already. */
  enqueueGoal(goal: KeyedGoal): Promise<boolean>;
  /**
   * Queues a `target` delivery for every lead not delivered there that has none yet (leads from
   * before the outbox, an imported journal, or accepted while the target was not configured);
   * each lead is looked at once per target. Resolves with how many were queued.
   */
  enqueueUndeliveredLeads(target: DeliveryTarget): Promise<number>;
  /**
   * Leases up to `limit` due rows of `kind` (soonest due first) to `owner` for `leaseMs`: nobody
   * else claims them until the lease expires (Postgres: FOR UPDATE SKIP LOCKED, so instances
   * never claim one row together). A row whose holder died is due again once its lease expires.
   */
  claimOutbox(kind: OutboxKind, claim: { owner: string; limit: number; leaseMs: number }): Promise<OutboxEntry[]>;
  /**
   * Settles a claimed row; a lead's row that is delivered marks the lead delivered to its target,
   * in the same transaction. False (and nothing changed) unless this very claim still holds the
   * row: same owner and lease. A settle arriving after the lease ran out still counts while nobody
   * claimed the row again; once another claim (another worker's, or the same owner's later one)
   * holds it, or it was freed or settled, the late settle can neither settle it twice nor put it back.
   */
  settleOutbox(entry: Pick<OutboxEntry, 'id' | 'leaseUntil'>, owner: string, settlement: OutboxSettlement): Promise<boolean>;
  /**
   * Frees leases so the rows are claimed again at once: `owner`'s (at a graceful stop), or with
   * `owner` null every lease of a previous process — SQLite only, whose data directory's lock
   * proves that process gone; on Postgres other instances may be alive, so null frees nothing.
   */
  releaseOutboxLeases(owner: string | null): Promise<number>;
  /** Rows by kind and state, an aggregate over an index of the rows not delivered. */
  outboxCounts(): Promise<OutboxCounts>;

  // ---- the local score's training data ----

  /** Keeps the visitor's behaviour signals as read at `at` (default now), unless theirs are kept already; true when stored now. */
  recordScoreSignals(visitorId: string, signals: BehaviourSignals, at?: number): Promise<boolean>;
  /**
   * Every visitor with signals kept, oldest first: their signals, when they were read, and whether
   * the visitor converted after that (a conversion counted in an experiment, or an order).
   */
  scoreSamples(): Promise<ScoreSample[]>;

  // ---- settings ----

  getSetting(key: string): Promise<string | undefined>;
  /** Stores `make()` under `key` unless a value is there already; resolves with the stored one (instances agree). */
  settingOrInit(key: string, make: () => string): Promise<string>;
  setSetting(key: string, value: string): Promise<void>;

  // ---- retention ----

  /**
   * Deletes exposures, conversions, first exposures, orders, finished outbox rows (delivered,
   * rejected, failed), DataFast look records and score signals older than `before` (ms epoch), in batches. Leads
   * and pending deliveries are kept.
   */
  prune(before: number): Promise<PruneCounts>;

  // ---- health ----

  /** A real durable write (and, for SQLite, one in the data directory); rejects with the failure. */
  probe(): Promise<void>;
  writeStats(): StoreWriteStats;
  /** Bytes the store takes (SQLite: database and WAL files; Postgres: its tables), or null if unknown. */
  sizeBytes(): Promise<number | null>;

  /** Waits for writes in flight, stops pruning, closes the database (and frees the data directory). Later calls reject. */
  close(): Promise<void>;
}
