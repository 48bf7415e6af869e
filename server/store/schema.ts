// The store's tables as Kysely sees them (columns in snake_case, times in ms epoch as bigint).
// Every name starts with `vo_`, so the tables can share a Postgres database with an application's.
// migrations/ creates them; change them only through a new migration.
import type { Generated } from 'kysely';

export interface LeadsTable {
  /** Delivery order: grows with each lead stored. */
  seq: Generated<number>;
  id: string;
  email: string;
  /** The email as erasure compares it (email-key.ts), written with the lead. */
  email_key: string;
  offer_id: string;
  visitor_id: string | null;
  at: number;
  /** 0 or 1 (SQLite has no boolean). */
  delivered_datafast: number;
  delivered_webhook: number;
}

export interface FirstExposuresTable {
  offer_id: string;
  visitor_id: string;
  at: number;
}

export interface ExposuresTable {
  experiment_id: string;
  visitor_id: string;
  variant_id: string;
  at: number;
}

/** One per visitor and experiment, with the variant of their exposure (so counts need no join). */
export interface ConversionsTable {
  experiment_id: string;
  visitor_id: string;
  variant_id: string;
  at: number;
}

export interface OrdersTable {
  /** '' for the backend's orders (one namespace of order ids); the visitor's id for a page's. */
  scope: string;
  order_id: string;
  visitor_id: string;
  source: string;
  value: number | null;
  currency: string | null;
  at: number;
  /** JSON: experiment → variant. */
  experiments: string;
}

export interface CouponPoolsTable {
  offer_id: string;
  /** Raised each time a different list is loaded; only codes of the current one are handed out. */
  generation: number;
  /** sha256 of the list loaded last. */
  fingerprint: string;
  size: number;
}

export interface CouponCodesTable {
  offer_id: string;
  code: string;
  /** Place in the pool file: codes go out in file order. */
  position: number;
  generation: number;
  /** Who holds or claimed the code; null while it is free. */
  visitor_id: string | null;
  /** When the visitor's first exposure claimed it for good; null while it is only held (or free). */
  claimed_at: number | null;
  /** Until when an unclaimed code is held for `visitor_id`; past it, another visitor may take it. */
  held_until: number | null;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

/**
 * A delivery waiting or done: a goal for DataFast or a lead's webhook call. One row per delivery;
 * `dedupe_key` (unique per kind) makes enqueueing it twice a no-op.
 */
export interface OutboxTable {
  id: Generated<number>;
  /** 'datafast' | 'webhook'. */
  kind: string;
  dedupe_key: string;
  /** The lead this delivery is for, else null (erasure deletes by it). */
  lead_id: string | null;
  /** JSON of a goal ({ visitorId, name, metadata }) for DataFast rows; null for a webhook call (its body is read from the lead). */
  payload: string | null;
  /** 'pending' | 'delivered' | 'rejected' | 'failed'. */
  state: string;
  /** Attempts that failed so far (a pause asked for by DataFast is not one). */
  attempts: number;
  /** When it may be claimed: its next attempt, or while leased, its lease's expiry. */
  next_attempt_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  /** When it left `pending` (pruning by retention counts from here). */
  done_at: number | null;
  /** The last failure's code (`http-503`, `timeout`…), or null. */
  last_error: string | null;
}

/** When an exposed, unconverted visitor's DataFast record is looked at next, and who is looking now. */
export interface VisitorChecksTable {
  visitor_id: string;
  /** Due from then (ms epoch). */
  next_check_at: number;
  /** Looks made so far (the next one waits longer). */
  checks: number;
  /** The instance checking it now, until `lease_expires_at`; null between checks. */
  lease_owner: string | null;
  lease_expires_at: number | null;
  /** Last claimed or settled (pruning by the retention). */
  updated_at: number;
}

/** The arm a bandit placed a visitor in, for good (migrations/0007-enrolments.ts). */
export interface EnrolmentsTable {
  experiment_id: string;
  visitor_id: string;
  variant_id: string;
  at: number;
}

/** A visitor's behaviour signals at their first exposure, for fitting the local score. */
export interface ScoreSignalsTable {
  visitor_id: string;
  /** JSON of BehaviourSignals. */
  signals: string;
  at: number;
}

export interface Database {
  vo_leads: LeadsTable;
  vo_first_exposures: FirstExposuresTable;
  vo_exposures: ExposuresTable;
  vo_conversions: ConversionsTable;
  vo_orders: OrdersTable;
  vo_coupon_pools: CouponPoolsTable;
  vo_coupon_codes: CouponCodesTable;
  vo_settings: SettingsTable;
  vo_outbox: OutboxTable;
  vo_visitor_checks: VisitorChecksTable;
  vo_enrolments: EnrolmentsTable;
  vo_score_signals: ScoreSignalsTable;
}

/** Kysely's own bookkeeping tables, named like ours. */
export const MIGRATION_TABLE = 'vo_migrations';
export const MIGRATION_LOCK_TABLE = 'vo_migration_lock';
