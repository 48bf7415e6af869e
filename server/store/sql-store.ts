// The Store (store.ts) over SQL: the same Kysely queries for SQLite and Postgres (backend.ts says
// what differs). Failed writes are counted for readiness; after close() every call rejects.
import type { Backend } from './backend.js';
import { errorCode } from './backend.js';
import type { RetentionTimer } from './retention.js';
import { prune } from './retention.js';
import { claimHeldCouponCode, couponCode, couponCodesLeft, couponStock, holdCouponCode, loadCouponPool } from './sql-coupons.js';
import { leadsPage } from './sql-lead-pages.js';
import { deleteLeadsByEmail, enqueueUndeliveredLeads, LeadWriter, leadById, markDelivered, pendingLeadCount, pendingLeads, setDelivered } from './sql-leads.js';
import { claimOutbox, insertGoal, outboxCounts, releaseLeases, settleRow } from './sql-outbox.js';
import { claimVisitorChecks, settleVisitorCheck, type VisitorCheckClaim } from './sql-visitor-checks.js';
import { convertAt, experimentMetrics } from './sql-attribution.js';
import { experimentCounts } from './sql-experiments.js';
import { enrol, enrolmentOf } from './sql-enrolments.js';
import { recordOfferExposure } from './sql-exposures.js';
import { recordScoreSignals, scoreSamples } from './sql-score-signals.js';
import type { ScoreSample } from '../scoring/fit-weights.js';
import type { BehaviourSignals } from '../scoring/signals.js';
import { convert, orderById, orderCount, recordOrder } from './sql-orders.js';
import type { ArmMetrics, CouponStock, DeliveryTarget, KeyedGoal, Lead, OfferExposure, OfferExposureOutcome, Order, OrderOutcome, OrderReport, OutboxCounts, OutboxEntry, OutboxKind, OutboxSettlement, PendingLead, PruneCounts, Store, StoreKind, StoreWriteStats, VariantCounts, VisitorCheck, VisitorOfferFacts } from './store.js';

export interface SqlStoreOptions {
  /** Clock, default Date.now. */
  now?: () => number;
}

const PROBE_KEY = 'health.probe';

export class SqlStore implements Store {
  readonly kind: StoreKind;
  readonly #b: Backend;
  readonly #now: () => number;
  readonly #leads: LeadWriter;
  readonly #inFlight = new Set<Promise<unknown>>();
  #failures = 0;
  #lastFailureCode: string | null = null;
  #closing: Promise<void> | null = null;
  #retention: RetentionTimer | null = null;

  constructor(backend: Backend, options: SqlStoreOptions = {}) {
    this.kind = backend.kind;
    this.#b = backend;
    this.#now = options.now ?? Date.now;
    this.#leads = new LeadWriter(backend, this.#now, (err) => this.#failed(err));
  }

  /** Stopped (and awaited) by close(). */
  set retention(timer: RetentionTimer) {
    this.#retention = timer;
  }

  // ---- leads ----

  addLead(input: { email: string; offerId: string; visitorId: string | null }, options: { deliverTo?: readonly DeliveryTarget[] } = {}): Promise<Lead> {
    // Counted by the writer per group, so not through #write.
    return this.#track(() => this.#leads.add({ ...input, visitorId: input.visitorId ?? null }, options.deliverTo ?? []));
  }

  lead(leadId: string): Promise<Lead | undefined> {
    return this.#read(() => leadById(this.#b.db, leadId));
  }

  pendingLeads(targets: readonly DeliveryTarget[], page: { afterSeq?: number; limit?: number } = {}): Promise<PendingLead[]> {
    return this.#read(() => pendingLeads(this.#b.db, targets, page.afterSeq ?? 0, page.limit ?? 100));
  }

  pendingLeadCount(targets: readonly DeliveryTarget[]): Promise<number> {
    return this.#read(() => pendingLeadCount(this.#b.db, targets));
  }

  markDelivered(leadId: string, target: DeliveryTarget): Promise<void> {
    return this.#write(() => markDelivered(this.#b, leadId, target));
  }

  leadCount(): Promise<number> {
    return this.#read(async () => Number((await this.#b.db.selectFrom('vo_leads').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n));
  }

  deleteLeadsByEmail(email: string): Promise<number> {
    return this.#write(() => deleteLeadsByEmail(this.#b, email));
  }

  // ---- first exposures ----

  firstExposure(offerId: string, visitorId: string): Promise<number | undefined> {
    return this.#read(async () => {
      const row = await this.#b.db.selectFrom('vo_first_exposures').select('at').where('offer_id', '=', offerId).where('visitor_id', '=', visitorId).executeTakeFirst();
      return row === undefined ? undefined : Number(row.at);
    });
  }

  recordFirstExposure(offerId: string, visitorId: string, at?: number): Promise<{ at: number; first: boolean }> {
    return this.#write(async () => {
      const when = at ?? this.#now();
      const inserted = await this.#b.db
        .insertInto('vo_first_exposures')
        .values({ offer_id: offerId, visitor_id: visitorId, at: when })
        .onConflict((oc) => oc.columns(['offer_id', 'visitor_id']).doNothing())
        .returning('at')
        .executeTakeFirst();
      if (inserted !== undefined) return { at: when, first: true };
      const known = await this.#b.db.selectFrom('vo_first_exposures').select('at').where('offer_id', '=', offerId).where('visitor_id', '=', visitorId).executeTakeFirstOrThrow();
      return { at: Number(known.at), first: false };
    });
  }

  offerFacts(offerId: string, visitorId: string): Promise<VisitorOfferFacts> {
    return this.#read(async () => {
      const row = await this.#b.db
        .selectNoFrom((eb) => [
          eb.selectFrom('vo_first_exposures').select('at').where('offer_id', '=', offerId).where('visitor_id', '=', visitorId).as('first_at'),
          eb.selectFrom('vo_coupon_codes').select('code').where('offer_id', '=', offerId).where('visitor_id', '=', visitorId).where('claimed_at', 'is not', null).as('code'),
        ])
        .executeTakeFirstOrThrow();
      return { firstExposureAt: row.first_at === null ? null : Number(row.first_at), code: row.code ?? null };
    });
  }

  // ---- experiments ----

  enrol(experimentId: string, visitorId: string, variantId: string): Promise<{ variantId: string; first: boolean }> {
    return this.#write(() => enrol(this.#b.db, experimentId, visitorId, variantId, this.#now()));
  }

  enrolmentOf(experimentId: string, visitorId: string): Promise<string | undefined> {
    return this.#read(() => enrolmentOf(this.#b.db, experimentId, visitorId));
  }

  recordExposure(experimentId: string, variantId: string, visitorId: string): Promise<boolean> {
    return this.#write(async () => {
      const inserted = await this.#b.db
        .insertInto('vo_exposures')
        .values({ experiment_id: experimentId, variant_id: variantId, visitor_id: visitorId, at: this.#now() })
        .onConflict((oc) => oc.columns(['experiment_id', 'visitor_id']).doNothing())
        .returning('visitor_id')
        .executeTakeFirst();
      return inserted !== undefined;
    });
  }

  recordOfferExposure(exposure: OfferExposure, goal?: KeyedGoal): Promise<OfferExposureOutcome> {
    return this.#write(() => recordOfferExposure(this.#b, exposure, this.#now(), goal));
  }

  exposureOf(experimentId: string, visitorId: string): Promise<string | undefined> {
    return this.#read(async () => {
      const row = await this.#b.db.selectFrom('vo_exposures').select('variant_id').where('experiment_id', '=', experimentId).where('visitor_id', '=', visitorId).executeTakeFirst();
      return row?.variant_id;
    });
  }

  recordConversion(experimentId: string, visitorId: string): Promise<boolean> {
    return this.#write(async () => (await convert(this.#b.db, visitorId, [experimentId], this.#now())).length === 1);
  }

  recordConversions(visitorId: string): Promise<string[]> {
    return this.#write(() => convert(this.#b.db, visitorId, null, this.#now()));
  }

  experimentCounts(experimentId: string): Promise<Map<string, VariantCounts>> {
    return this.#read(() => experimentCounts(this.#b.db, experimentId));
  }

  experimentMetrics(experimentId: string, windowMs: number): Promise<Map<string, ArmMetrics>> {
    return this.#read(() => experimentMetrics(this.#b.db, this.kind, experimentId, windowMs));
  }

  recordConversionsAt(visitorId: string, times: readonly number[]): Promise<string[]> {
    return this.#write(() => convertAt(this.#b.db, visitorId, times));
  }

  // ---- DataFast reconciliation ----

  claimVisitorChecks(claim: VisitorCheckClaim): Promise<VisitorCheck[]> {
    return this.#write(() => claimVisitorChecks(this.#b, claim, this.#now()));
  }

  settleVisitorCheck(visitorId: string, owner: string, nextCheckAt: number | null): Promise<boolean> {
    return this.#write(() => settleVisitorCheck(this.#b.db, visitorId, owner, nextCheckAt, this.#now()));
  }

  // ---- orders ----

  recordOrder(report: OrderReport, goal?: KeyedGoal): Promise<OrderOutcome> {
    const at = this.#now();
    return this.#write(() => recordOrder(this.#b, report, at, goal && ((trx) => insertGoal(trx, goal, at))));
  }

  order(orderId: string, visitorId?: string): Promise<Order | undefined> {
    return this.#read(() => orderById(this.#b.db, orderId, visitorId));
  }

  orderCount(): Promise<number> {
    return this.#read(() => orderCount(this.#b.db));
  }

  // ---- coupons ----

  loadCouponPool(offerId: string, codes: readonly string[]): Promise<void> {
    return this.#write(() => loadCouponPool(this.#b, offerId, codes));
  }

  holdCouponCode(offerId: string, visitorId: string, holdMs: number): Promise<string | null> {
    return this.#write(() => holdCouponCode(this.#b, offerId, visitorId, this.#now(), holdMs));
  }

  claimHeldCouponCode(offerId: string, visitorId: string): Promise<string | null> {
    return this.#write(() => claimHeldCouponCode(this.#b, offerId, visitorId, this.#now()));
  }

  couponCode(offerId: string, visitorId: string): Promise<string | undefined> {
    return this.#read(() => couponCode(this.#b.db, offerId, visitorId));
  }

  couponCodesLeft(offerId: string, atMost?: number): Promise<number> {
    return this.#read(() => couponCodesLeft(this.#b.db, offerId, this.#now(), atMost));
  }

  async couponCodesUsed(offerId: string): Promise<number> {
    const { held, claimed } = await this.couponStock(offerId);
    return held + claimed;
  }

  couponStock(offerId: string): Promise<CouponStock> {
    return this.#read(() => couponStock(this.#b.db, offerId, this.#now()));
  }

  // ---- lead export ----

  leadsPage(page: { afterSeq?: number; since?: number; limit?: number } = {}): Promise<Array<Lead & { seq: number }>> {
    return this.#read(() => leadsPage(this.#b.db, page.afterSeq ?? 0, page.since ?? null, page.limit ?? 500));
  }

  // ---- the delivery outbox ----

  enqueueGoal(goal: KeyedGoal): Promise<boolean> {
    // A commit that survives the process being killed; on SQLite not fsynced, as an exposure is not.
    return this.#write(() => insertGoal(this.#b.db, goal, this.#now()));
  }

  enqueueUndeliveredLeads(target: DeliveryTarget): Promise<number> {
    return this.#write(() => enqueueUndeliveredLeads(this.#b, target, this.#now));
  }

  claimOutbox(kind: OutboxKind, claim: { owner: string; limit: number; leaseMs: number }): Promise<OutboxEntry[]> {
    return this.#write(() => claimOutbox(this.#b, kind, claim, this.#now()));
  }

  settleOutbox(entry: Pick<OutboxEntry, 'id' | 'leaseUntil'>, owner: string, settlement: OutboxSettlement): Promise<boolean> {
    return this.#write(() =>
      this.#b.transaction(async (trx) => {
        const row = await settleRow(trx, entry, owner, settlement, this.#now());
        if (row === undefined) return false;
        if (settlement.state === 'delivered' && row.leadId !== null) await setDelivered(trx, row.leadId, row.kind);
        return true;
      }),
    );
  }

  releaseOutboxLeases(owner: string | null): Promise<number> {
    return this.#write(() => releaseLeases(this.#b, owner, this.#now()));
  }

  outboxCounts(): Promise<OutboxCounts> {
    return this.#read(() => outboxCounts(this.#b.db, this.#now()));
  }

  // ---- the local score's training data ----

  recordScoreSignals(visitorId: string, signals: BehaviourSignals, at?: number): Promise<boolean> {
    return this.#write(() => recordScoreSignals(this.#b.db, visitorId, signals, at ?? this.#now()));
  }

  scoreSamples(): Promise<ScoreSample[]> {
    return this.#read(() => scoreSamples(this.#b.db));
  }

  // ---- settings ----

  getSetting(key: string): Promise<string | undefined> {
    return this.#read(async () => (await this.#b.db.selectFrom('vo_settings').select('value').where('key', '=', key).executeTakeFirst())?.value);
  }

  settingOrInit(key: string, make: () => string): Promise<string> {
    return this.#write(async () => {
      const known = await this.getSetting(key);
      if (known !== undefined) return known;
      const value = make();
      await this.#b.durable((trx) => trx.insertInto('vo_settings').values({ key, value, updated_at: this.#now() }).onConflict((oc) => oc.column('key').doNothing()).execute());
      // Another instance may have stored its own first: everyone uses the stored one.
      return (await this.#b.db.selectFrom('vo_settings').select('value').where('key', '=', key).executeTakeFirstOrThrow()).value;
    });
  }

  setSetting(key: string, value: string): Promise<void> {
    return this.#write(async () => {
      const updated_at = this.#now();
      await this.#b.durable((trx) => trx.insertInto('vo_settings').values({ key, value, updated_at }).onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at })).execute());
    });
  }

  // ---- retention ----

  prune(before: number): Promise<PruneCounts> {
    return this.#write(() => prune(this.#b.db, before));
  }

  // ---- health ----

  probe(): Promise<void> {
    // Not counted as a failed write: readiness reads the probe's own outcome.
    return this.#track(async () => {
      await this.#b.probeMedium();
      const now = String(this.#now());
      await this.#b.durable((trx) => trx.insertInto('vo_settings').values({ key: PROBE_KEY, value: now, updated_at: Number(now) }).onConflict((oc) => oc.column('key').doUpdateSet({ value: now, updated_at: Number(now) })).execute());
    });
  }

  writeStats(): StoreWriteStats {
    return { failures: this.#failures, lastFailureCode: this.#lastFailureCode };
  }

  sizeBytes(): Promise<number | null> {
    return this.#read(() => this.#b.sizeBytes());
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#retention?.stop();
      await this.#leads.settled();
      await Promise.allSettled([...this.#inFlight]);
      await this.#b.close();
    })();
    return this.#closing;
  }

  // ---- internals ----

  #failed(err: unknown): void {
    this.#failures += 1;
    this.#lastFailureCode = errorCode(err);
  }

  /** Runs a call unless closed, and keeps it in view for close(). */
  #track<T>(call: () => Promise<T>): Promise<T> {
    if (this.#closing !== null) return Promise.reject(new Error('the store is closed'));
    const running = call();
    this.#inFlight.add(running);
    const forget = (): void => void this.#inFlight.delete(running);
    running.then(forget, forget);
    return running;
  }

  #read<T>(call: () => Promise<T>): Promise<T> {
    return this.#track(call);
  }

  /** A write: a failure (other than a taken key the call handles itself) is counted. */
  #write<T>(call: () => Promise<T>): Promise<T> {
    return this.#track(() =>
      call().catch((err: unknown) => {
        this.#failed(err);
        throw err;
      }),
    );
  }
}
