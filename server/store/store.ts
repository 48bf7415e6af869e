// The embedded durable store: leads and their delivery state,
// each visitor's first exposure to an offer (coupon expiry), experiment exposures and conversions,
// single-use coupon codes handed out, and orders (orders.ts) — all in ONE append-only journal
// (journal.ts) in a data directory, with in-memory indexes rebuilt by replaying it on open.
//
// Guarantees
// - Every write method resolves only after its record is written and fsynced ("a lead accepted is
//   a lead stored"); concurrent writes share fsyncs (group commit in the journal).
// - Check-and-set happens synchronously in memory before the append is awaited, serialised per key
//   (offer + visitor for coupons and first exposures, experiment + visitor for exposures and
//   conversions): two concurrent calls never hand out one code twice, two codes to one visitor, or
//   count one exposure twice. A caller that finds another call's write in flight waits for it and
//   then answers from the result.
// - If an append fails (disk error), the in-memory change is rolled back and the promise rejects;
//   nothing is ever reported stored that is not. Reads (firstExposure, exposureOf, couponCode,
//   experimentCounts, …) do see writes that are still in flight.
// - Replay is tolerant of what a crash can leave (a torn last line) and of the future: records of
//   unknown types are ignored. A record of a known type with bad fields is reported with its line.
//
// Limits
// - Per instance: the file belongs to one process (no inter-process lock), so several instances
//   behind a load balancer each count their own visitors, and a coupon pool would be handed out
//   per instance. Several instances need a shared store (the Redis store, later).
// - Memory grows with visitors: every lead, first exposure, exposure, conversion, order and coupon
//   assignment stays indexed in memory (roughly 100–200 bytes each), and the file grows with them
//   (no compaction yet); replay time on start grows with the file.
// - The file holds emails: its directory is created 0700 and the file 0600.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Journal, type JournalStats } from './journal.js';
import { copyOrder, ORDER_SOURCES, OrderBook, type Order, type OrderOutcome, type OrderSource, type OrderUndo } from './orders.js';

export type { Order, OrderOutcome, OrderSource } from './orders.js';

export interface Lead {
  /** Random UUID. */
  id: string;
  email: string;
  offerId: string;
  visitorId: string | null;
  /** When it was accepted (ms epoch). */
  at: number;
  delivered: { datafast: boolean; webhook: boolean };
}

export type DeliveryTarget = 'datafast' | 'webhook';

export const DELIVERY_TARGETS: readonly DeliveryTarget[] = ['datafast', 'webhook'];

export interface VariantCounts {
  exposures: number;
  conversions: number;
}

export interface StoreOptions {
  /** Journal file name inside the data directory, default 'visitor-offers.jsonl'. */
  fileName?: string;
  /** Clock, default Date.now. */
  now?: () => number;
}

export const DEFAULT_STORE_FILE = 'visitor-offers.jsonl';

// The journal's records. Field names are part of the file format: change them only additively.
type StoreRecord =
  | { t: 'lead'; id: string; email: string; offerId: string; visitorId: string | null; at: number }
  | { t: 'delivered'; id: string; target: DeliveryTarget; at: number }
  | { t: 'first-exposure'; offerId: string; visitorId: string; at: number }
  | { t: 'exposure'; experimentId: string; variantId: string; visitorId: string; at: number }
  | { t: 'conversion'; experimentId: string; visitorId: string; at: number }
  | { t: 'coupon'; offerId: string; visitorId: string; code: string; at: number }
  | ({ t: 'order' } & Order);

interface LeadEntry {
  lead: Lead;
  /** Journal order, for pendingLeads. */
  seq: number;
}

interface ExperimentState {
  counts: Map<string, VariantCounts>;
  /** visitor → the variant of their (first) exposure */
  exposed: Map<string, string>;
  converted: Set<string>;
}

interface CouponState {
  byVisitor: Map<string, string>;
  used: Set<string>;
  /** Every code of `hintPool` before `hint` is used: where the next search starts. */
  hintPool: readonly string[] | null;
  hint: number;
}

/** A synchronous check-and-set: its answer, and the record to store with how to undo it if storing fails. */
interface Attempt<T> {
  result: T;
  write?: { record: StoreRecord; undo: () => void };
}

/** In-flight writes per key, so a second caller for the same key waits for the first. */
type InFlight = Map<string, Promise<void>>;

const ignore = (): void => undefined;

/** Stands in for the journal of a snapshot: every write is refused. */
const READ_ONLY: Pick<Journal, 'append' | 'stats' | 'close'> = {
  append: () => Promise.reject(new Error('this store is a read-only snapshot')),
  stats: () => ({ replayed: 0, tornBytes: 0, appended: 0, syncs: 0, size: 0, failures: 0, lastFailureCode: null, broken: false }),
  close: () => Promise.resolve(),
};

export class Store {
  private journal!: Pick<Journal, 'append' | 'stats' | 'close'>;
  private readonly now: () => number;
  private readonly leads = new Map<string, LeadEntry>();
  private readonly undelivered: Record<DeliveryTarget, Set<string>> = { datafast: new Set(), webhook: new Set() };
  private seq = 0;
  /** offer → visitor → first exposure (ms epoch) */
  private readonly firstExposures = new Map<string, Map<string, number>>();
  private readonly experiments = new Map<string, ExperimentState>();
  private readonly coupons = new Map<string, CouponState>();
  private readonly orders = new OrderBook();
  private readonly inFlight = {
    firstExposure: new Map<string, InFlight>(),
    experiment: new Map<string, InFlight>(),
    coupon: new Map<string, InFlight>(),
    delivered: new Map<string, Promise<void>>(),
    order: new Map<string, Promise<void>>(),
  };

  private constructor(now: () => number) {
    this.now = now;
  }

  /** Opens (creating if needed) the store in `dataDir` and rebuilds its indexes from the journal. */
  static async open(dataDir: string, options: StoreOptions = {}): Promise<Store> {
    const store = new Store(options.now ?? Date.now);
    store.journal = await Journal.open(join(dataDir, options.fileName ?? DEFAULT_STORE_FILE), {
      onRecord: (record) => store.replay(record),
    });
    return store;
  }

  /**
   * A read-only copy of the store's state as the journal holds it now, for reports beside a running
   * server. Its write methods reject.
   */
  static async snapshot(dataDir: string, options: StoreOptions = {}): Promise<Store> {
    const store = new Store(options.now ?? Date.now);
    await Journal.read(join(dataDir, options.fileName ?? DEFAULT_STORE_FILE), (record) => store.replay(record));
    store.journal = READ_ONLY;
    return store;
  }

  // ---- leads ----

  /** Stores a new lead; resolves (with its id) only once it is durable. */
  async addLead(input: { email: string; offerId: string; visitorId: string | null }): Promise<Lead> {
    const record: StoreRecord = {
      t: 'lead',
      id: randomUUID(),
      email: input.email,
      offerId: input.offerId,
      visitorId: input.visitorId ?? null,
      at: this.now(),
    };
    await this.journal.append(record);
    const lead = this.insertLead(record);
    return copyLead(lead);
  }

  /** Records that `leadId` reached `target`; durable when resolved; a no-op if already recorded. */
  async markDelivered(leadId: string, target: DeliveryTarget): Promise<void> {
    if (!DELIVERY_TARGETS.includes(target)) throw new RangeError(`unknown delivery target ${String(target)}`);
    const key = `${target}\n${leadId}`;
    const inFlight = this.inFlight.delivered;
    await this.serialized(inFlight, key, (): Attempt<void> => {
      const entry = this.leads.get(leadId);
      if (entry === undefined) throw new Error(`unknown lead ${leadId}`);
      if (entry.lead.delivered[target]) return { result: undefined };
      this.setDelivered(entry, target, true);
      return {
        result: undefined,
        write: {
          record: { t: 'delivered', id: leadId, target, at: this.now() },
          undo: () => this.setDelivered(entry, target, false),
        },
      };
    });
  }

  /** Leads not yet delivered to at least one of `targets`, oldest first. */
  pendingLeads(targets: readonly DeliveryTarget[]): Lead[] {
    const entries = new Set<LeadEntry>();
    for (const target of new Set(targets)) {
      for (const id of this.undelivered[target]) {
        const entry = this.leads.get(id);
        if (entry !== undefined) entries.add(entry);
      }
    }
    return [...entries].sort((a, b) => a.seq - b.seq).map((entry) => copyLead(entry.lead));
  }

  /** The stored lead with this id, if any. */
  lead(leadId: string): Lead | undefined {
    const entry = this.leads.get(leadId);
    return entry === undefined ? undefined : copyLead(entry.lead);
  }

  leadCount(): number {
    return this.leads.size;
  }

  // ---- first exposures (coupon expiry) ----

  /** First exposure of this visitor to this offer (ms epoch), if recorded. */
  firstExposure(offerId: string, visitorId: string): number | undefined {
    return this.firstExposures.get(offerId)?.get(visitorId);
  }

  /** The visitor's first exposure to the offer, recording `at` (default now) if there is none yet; stable afterwards. */
  recordFirstExposure(offerId: string, visitorId: string, at?: number): Promise<number> {
    return this.serialized(keyed(this.inFlight.firstExposure, offerId), visitorId, (): Attempt<number> => {
      const known = this.firstExposures.get(offerId)?.get(visitorId);
      if (known !== undefined) return { result: known };
      const when = at ?? this.now();
      this.setFirstExposure(offerId, visitorId, when);
      return {
        result: when,
        write: {
          record: { t: 'first-exposure', offerId, visitorId, at: when },
          undo: () => this.firstExposures.get(offerId)?.delete(visitorId),
        },
      };
    });
  }

  // ---- experiments ----

  /**
   * Records the visitor's exposure to `variantId` of the experiment. True when this was their first
   * exposure in this experiment (then counted); false when already exposed — to any variant: the
   * first exposure's variant is the one that counts (see exposureOf).
   */
  recordExposure(experimentId: string, variantId: string, visitorId: string): Promise<boolean> {
    return this.serialized(keyed(this.inFlight.experiment, experimentId), visitorId, (): Attempt<boolean> => {
      const experiment = this.experiment(experimentId);
      if (!expose(experiment, variantId, visitorId)) return { result: false };
      return {
        result: true,
        write: {
          record: { t: 'exposure', experimentId, variantId, visitorId, at: this.now() },
          undo: () => unexpose(experiment, variantId, visitorId),
        },
      };
    });
  }

  /** The variant the visitor was (first) exposed to in this experiment. */
  exposureOf(experimentId: string, visitorId: string): string | undefined {
    return this.experiments.get(experimentId)?.exposed.get(visitorId);
  }

  /**
   * Counts a conversion for the visitor's exposed variant. Counted once per visitor and experiment,
   * and only for visitors exposed before; true when counted.
   */
  recordConversion(experimentId: string, visitorId: string): Promise<boolean> {
    return this.serialized(keyed(this.inFlight.experiment, experimentId), visitorId, (): Attempt<boolean> => {
      const experiment = this.experiments.get(experimentId);
      if (experiment === undefined || !convert(experiment, visitorId)) return { result: false };
      return {
        result: true,
        write: {
          record: { t: 'conversion', experimentId, visitorId, at: this.now() },
          undo: () => unconvert(experiment, visitorId),
        },
      };
    });
  }

  /** Exposures and conversions per variant (variants in order of first exposure); empty if none. */
  experimentCounts(experimentId: string): Map<string, VariantCounts> {
    const counts = new Map<string, VariantCounts>();
    for (const [variantId, count] of this.experiments.get(experimentId)?.counts ?? []) {
      counts.set(variantId, { exposures: count.exposures, conversions: count.conversions });
    }
    return counts;
  }

  /** Experiments with at least one exposure, in order of their first exposure. */
  experimentIds(): string[] {
    return [...this.experiments].filter(([, experiment]) => experiment.exposed.size > 0).map(([id]) => id);
  }

  // ---- orders ----

  /**
   * Records an order, idempotent by order id (orders.ts says who may claim one and how the
   * backend's report supersedes a page's), and when it is new counts it as the conversion of every
   * experiment the visitor was exposed to before it, once per visitor and experiment. One journal
   * record carries both, so an order is never stored without its conversions. Resolves once
   * durable; a duplicate or a conflict stores nothing.
   */
  recordOrder(input: { orderId: string; visitorId: string; value: number | null; currency: string | null; source: OrderSource }): Promise<OrderOutcome> {
    return this.serialized(this.inFlight.order, input.orderId, (): Attempt<OrderOutcome> => {
      const status = this.orders.check(input.orderId, input.visitorId, input.source);
      const known = this.orders.get(input.orderId, input.visitorId);
      if (status === 'conflict') return { result: { status } };
      if (status === 'duplicate' && known !== undefined) return { result: { status, order: copyOrder(known) } };
      // Superseding the page's report, the order keeps the arms the visitor was in when the page
      // reported it: an exposure between the purchase and a late webhook is not the order's.
      const page = input.source === 'backend' ? this.orders.supersedable(input.orderId, input.visitorId) : undefined;
      const order: Order = { ...input, at: this.now(), experiments: page?.experiments ?? this.exposuresOf(input.visitorId) };
      const { undo, counted } = this.applyOrder(order);
      return {
        result: { status: 'new', order: copyOrder(order), counted },
        write: {
          record: { t: 'order', ...order },
          undo: () => {
            for (const id of counted) {
              const experiment = this.experiments.get(id);
              if (experiment !== undefined) unconvert(experiment, order.visitorId);
            }
            this.orders.restore(undo);
          },
        },
      };
    });
  }

  /**
   * The visitor's order with this id (the backend's report of it, else the page's); without a
   * visitor, the backend's order with this id.
   */
  order(orderId: string, visitorId?: string): Order | undefined {
    const order = this.orders.get(orderId, visitorId);
    return order === undefined ? undefined : copyOrder(order);
  }

  orderCount(): number {
    return this.orders.size;
  }

  // ---- single-use coupon codes ----

  /** The code assigned to this visitor for this offer, if any. */
  couponCode(offerId: string, visitorId: string): string | undefined {
    return this.coupons.get(offerId)?.byVisitor.get(visitorId);
  }

  /**
   * The visitor's code for this offer if one is assigned; else the first code of `pool` that no
   * visitor has, assigned to this visitor durably; null when every code of the pool is taken.
   * Pass the same pool array on every call for an offer: the search resumes where it left off.
   */
  assignCouponCode(offerId: string, visitorId: string, pool: readonly string[]): Promise<string | null> {
    return this.serialized(keyed(this.inFlight.coupon, offerId), visitorId, (): Attempt<string | null> => {
      const coupons = this.couponState(offerId);
      const assigned = coupons.byVisitor.get(visitorId);
      if (assigned !== undefined) return { result: assigned };
      if (coupons.hintPool !== pool) {
        coupons.hintPool = pool;
        coupons.hint = 0;
      }
      let index = coupons.hint;
      while (index < pool.length && coupons.used.has(pool[index]!)) index += 1;
      coupons.hint = index;
      const code = pool[index];
      if (code === undefined) return { result: null };
      assignCode(coupons, visitorId, code);
      coupons.hint = index + 1;
      return {
        result: code,
        write: {
          record: { t: 'coupon', offerId, visitorId, code, at: this.now() },
          undo: () => {
            coupons.byVisitor.delete(visitorId);
            coupons.used.delete(code);
            if (coupons.hintPool === pool) coupons.hint = Math.min(coupons.hint, index);
          },
        },
      };
    });
  }

  /** How many codes of this offer's pool are assigned. */
  couponCodesUsed(offerId: string): number {
    return this.coupons.get(offerId)?.used.size ?? 0;
  }

  /** How many codes of `pool` no visitor has yet (codes assigned from an older pool file do not count). */
  couponCodesLeft(offerId: string, pool: readonly string[]): number {
    const used = this.coupons.get(offerId)?.used;
    if (used === undefined) return pool.length;
    let left = 0;
    for (const code of pool) if (!used.has(code)) left += 1;
    return left;
  }

  // ---- lifecycle ----

  /** The journal's counters (appends, fsyncs, size). */
  journalStats(): JournalStats {
    return this.journal.stats();
  }

  /** Waits for writes in flight, then closes the file. Later writes reject; reads still answer. */
  close(): Promise<void> {
    return this.journal.close();
  }

  // ---- internals ----

  /**
   * Runs `attempt` (synchronous check-and-set) once no other write for `key` is in flight, then
   * stores its record; on failure undoes the in-memory change and rejects.
   */
  private async serialized<T>(inFlight: InFlight, key: string, attempt: () => Attempt<T>): Promise<T> {
    for (let previous = inFlight.get(key); previous !== undefined; previous = inFlight.get(key)) {
      await previous.then(ignore, ignore);
    }
    const { result, write } = attempt();
    if (write === undefined) return result;
    const stored = this.journal.append(write.record);
    inFlight.set(key, stored);
    try {
      await stored;
    } catch (error) {
      write.undo();
      throw error;
    } finally {
      if (inFlight.get(key) === stored) inFlight.delete(key);
    }
    return result;
  }

  private insertLead(record: Extract<StoreRecord, { t: 'lead' }>): Lead {
    const lead: Lead = {
      id: record.id,
      email: record.email,
      offerId: record.offerId,
      visitorId: record.visitorId,
      at: record.at,
      delivered: { datafast: false, webhook: false },
    };
    this.seq += 1;
    this.leads.set(lead.id, { lead, seq: this.seq });
    for (const target of DELIVERY_TARGETS) this.undelivered[target].add(lead.id);
    return lead;
  }

  private setDelivered(entry: LeadEntry, target: DeliveryTarget, delivered: boolean): void {
    entry.lead.delivered[target] = delivered;
    if (delivered) this.undelivered[target].delete(entry.lead.id);
    else this.undelivered[target].add(entry.lead.id);
  }

  private setFirstExposure(offerId: string, visitorId: string, at: number): void {
    let visitors = this.firstExposures.get(offerId);
    if (visitors === undefined) {
      visitors = new Map();
      this.firstExposures.set(offerId, visitors);
    }
    visitors.set(visitorId, at);
  }

  private experiment(experimentId: string): ExperimentState {
    let experiment = this.experiments.get(experimentId);
    if (experiment === undefined) {
      experiment = { counts: new Map(), exposed: new Map(), converted: new Set() };
      this.experiments.set(experimentId, experiment);
    }
    return experiment;
  }

  /** Every experiment the visitor was exposed to, with their variant. */
  private exposuresOf(visitorId: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [id, experiment] of this.experiments) {
      const variantId = experiment.exposed.get(visitorId);
      if (variantId !== undefined) out[id] = variantId;
    }
    return out;
  }

  /** Stores the order in memory and counts its conversions; returns what undoing needs. */
  private applyOrder(order: Order): { undo: OrderUndo; counted: string[] } {
    const undo = this.orders.put(order);
    const counted = Object.keys(order.experiments).filter((id) => {
      const experiment = this.experiments.get(id);
      return experiment !== undefined && convert(experiment, order.visitorId);
    });
    return { undo, counted };
  }

  private couponState(offerId: string): CouponState {
    let coupons = this.coupons.get(offerId);
    if (coupons === undefined) {
      coupons = { byVisitor: new Map(), used: new Set(), hintPool: null, hint: 0 };
      this.coupons.set(offerId, coupons);
    }
    return coupons;
  }

  /**
   * Applies one journal record while opening. Same rules as the live methods; duplicates (first
   * wins) and references to unknown leads or unexposed visitors are ignored.
   */
  private replay(value: unknown): void {
    if (!isObject(value)) throw new Error('malformed record: not a JSON object');
    const t = value['t'];
    switch (t) {
      case 'lead': {
        const record: StoreRecord = {
          t,
          id: field(value, t, 'id', isNonEmptyString),
          email: field(value, t, 'email', isString),
          offerId: field(value, t, 'offerId', isString),
          visitorId: field(value, t, 'visitorId', isStringOrNull),
          at: field(value, t, 'at', isFiniteNumber),
        };
        if (!this.leads.has(record.id)) this.insertLead(record);
        return;
      }
      case 'delivered': {
        const id = field(value, t, 'id', isString);
        const target = field(value, t, 'target', isString);
        const entry = this.leads.get(id);
        if (entry !== undefined && isDeliveryTarget(target)) this.setDelivered(entry, target, true);
        return;
      }
      case 'first-exposure': {
        const offerId = field(value, t, 'offerId', isString);
        const visitorId = field(value, t, 'visitorId', isString);
        const at = field(value, t, 'at', isFiniteNumber);
        if (this.firstExposure(offerId, visitorId) === undefined) this.setFirstExposure(offerId, visitorId, at);
        return;
      }
      case 'exposure': {
        const experimentId = field(value, t, 'experimentId', isString);
        const variantId = field(value, t, 'variantId', isString);
        const visitorId = field(value, t, 'visitorId', isString);
        expose(this.experiment(experimentId), variantId, visitorId);
        return;
      }
      case 'conversion': {
        const experimentId = field(value, t, 'experimentId', isString);
        const visitorId = field(value, t, 'visitorId', isString);
        const experiment = this.experiments.get(experimentId);
        if (experiment !== undefined) convert(experiment, visitorId);
        return;
      }
      case 'coupon': {
        const offerId = field(value, t, 'offerId', isString);
        const visitorId = field(value, t, 'visitorId', isString);
        const code = field(value, t, 'code', isString);
        const coupons = this.couponState(offerId);
        if (!coupons.byVisitor.has(visitorId) && !coupons.used.has(code)) assignCode(coupons, visitorId, code);
        return;
      }
      case 'order': {
        const order: Order = {
          orderId: field(value, t, 'orderId', isNonEmptyString),
          visitorId: field(value, t, 'visitorId', isNonEmptyString),
          value: field(value, t, 'value', isFiniteNumberOrNull),
          currency: field(value, t, 'currency', isStringOrNull),
          source: field(value, t, 'source', isOrderSource),
          at: field(value, t, 'at', isFiniteNumber),
          experiments: field(value, t, 'experiments', isStringRecord),
        };
        if (this.orders.check(order.orderId, order.visitorId, order.source) === 'new') this.applyOrder(order);
        return;
      }
      default:
        if (typeof t !== 'string') throw new Error('malformed record: no string "t" (type) field');
        // A record type from a newer version: ignore it (forward compatibility).
        return;
    }
  }
}

/** Marks the visitor exposed to `variantId` and counts it; false if they were already exposed. */
function expose(experiment: ExperimentState, variantId: string, visitorId: string): boolean {
  if (experiment.exposed.has(visitorId)) return false;
  experiment.exposed.set(visitorId, variantId);
  const counts = experiment.counts.get(variantId);
  if (counts === undefined) experiment.counts.set(variantId, { exposures: 1, conversions: 0 });
  else counts.exposures += 1;
  return true;
}

function unexpose(experiment: ExperimentState, variantId: string, visitorId: string): void {
  if (experiment.exposed.get(visitorId) !== variantId) return;
  experiment.exposed.delete(visitorId);
  const counts = experiment.counts.get(variantId);
  if (counts === undefined) return;
  counts.exposures -= 1;
  // Leave no trace of a variant whose only exposure was never stored.
  if (counts.exposures === 0 && counts.conversions === 0) experiment.counts.delete(variantId);
}

/** Counts the exposed visitor's conversion once; false if not exposed or already converted. */
function convert(experiment: ExperimentState, visitorId: string): boolean {
  const variantId = experiment.exposed.get(visitorId);
  if (variantId === undefined || experiment.converted.has(visitorId)) return false;
  experiment.converted.add(visitorId);
  const counts = experiment.counts.get(variantId);
  if (counts !== undefined) counts.conversions += 1;
  return true;
}

function unconvert(experiment: ExperimentState, visitorId: string): void {
  const variantId = experiment.exposed.get(visitorId);
  if (!experiment.converted.delete(visitorId) || variantId === undefined) return;
  const counts = experiment.counts.get(variantId);
  if (counts !== undefined) counts.conversions -= 1;
}

function assignCode(coupons: CouponState, visitorId: string, code: string): void {
  coupons.byVisitor.set(visitorId, code);
  coupons.used.add(code);
}

/** The in-flight map of one offer or experiment, created on first use. */
function keyed(maps: Map<string, InFlight>, id: string): InFlight {
  let inFlight = maps.get(id);
  if (inFlight === undefined) {
    inFlight = new Map();
    maps.set(id, inFlight);
  }
  return inFlight;
}

function copyLead(lead: Lead): Lead {
  return { ...lead, delivered: { ...lead.delivered } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function isStringOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isFiniteNumberOrNull(value: unknown): value is number | null {
  return value === null || isFiniteNumber(value);
}

function isOrderSource(value: unknown): value is OrderSource {
  return (ORDER_SOURCES as readonly unknown[]).includes(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every(isString);
}

function isDeliveryTarget(value: string): value is DeliveryTarget {
  return (DELIVERY_TARGETS as readonly string[]).includes(value);
}

function field<T>(record: Record<string, unknown>, type: string, name: string, check: (value: unknown) => value is T): T {
  const value = record[name];
  if (!check(value)) throw new Error(`malformed "${type}" record: bad or missing field "${name}"`);
  return value;
}
