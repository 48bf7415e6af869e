// Per-process cache of DataFast visitor answers (DESIGN.md, Scale): the hot path is a synchronous
// map read, and any number of concurrent requests for one visitor share one upstream call. With
// Redis (`shared`, cache/shared-visitors.ts) it is the first level of two: a local miss asks Redis
// (within its 50 ms budget) before DataFast, instances coalesce their calls, and what one instance
// learns, every instance reuses; a fresh local answer never waits for Redis.
//
// - found        → fresh for ttlMs, then kept (expired) for staleIfErrorMs more so it can be served
//                  with `stale: true` while DataFast answers 'unavailable'.
// - bot, unknown → fresh for negativeTtlMs; replaces any found record.
// - unusable     → (this visitor's record over the size limit or unreadable) not asked for again
//                  for negativeTtlMs either; meanwhile the visitor's last good record, while within
//                  its stale-if-error window, is served with `stale: true`, else the refusal.
// - unavailable  → never stored; the next request asks the loader again.
// The store is an LRUCache bounded by `max` entries and by `maxBytes` (each entry's estimated heap,
// entry-size.ts; the parser already caps every record, datafast/visitor.ts); expiry is ours (two
// timestamps per entry), so expired found records survive until their stale-if-error window ends
// or an LRU bound evicts them. The timestamps are absolute and shared with Redis, so each life ends
// at the same moment on every instance.
import { LRUCache } from 'lru-cache';
import type { VisitorLookup } from '../datafast/lookup.js';
import type { Visitor } from '../datafast/visitor.js';
import type { CallPriority } from '../upstream/token-bucket.js';
import { entryBytes } from './entry-size.js';
import type { CachedLookup } from './visitor-codec.js';
import type { CachedAnswer, FleetChange, SharedVisitors } from './shared-visitors.js';

export interface VisitorCacheOptions {
  /** LRU bound on entries, default 10_000. */
  max?: number;
  /** LRU bound on the entries' estimated heap in bytes, default 32 MiB. */
  maxBytes?: number;
  /** Fresh life of a found record, default 60_000. */
  ttlMs?: number;
  /** Life of 'bot', 'unknown' and 'unusable' answers, default 10_000. */
  negativeTtlMs?: number;
  /** How long after expiry a found record may still be served while the loader answers 'unavailable', default 300_000. */
  staleIfErrorMs?: number;
  /** Clock, default Date.now. */
  now?: () => number;
  /** The second level, shared by every instance through Redis; none by default. */
  shared?: SharedVisitors | undefined;
}

export interface VisitorCacheStats {
  /** Fresh answers served from the cache (peek and lookup). */
  hits: number;
  /** Lookups that started or joined a load. */
  misses: number;
  /** Misses that joined a load already in flight. */
  coalesced: number;
  /** Loads answered 'unavailable' or 'unusable' that were replaced by an expired found record (once per load, however many callers share it). */
  staleServed: number;
  /** Loader calls. */
  loads: number;
  /** Fresh answers taken from Redis (another instance's call), after a wait or not. */
  sharedHits: number;
  /** Misses that waited for another instance's call to the same visitor. */
  sharedWaits: number;
  /** Entries in the store, expired ones included. */
  size: number;
  /** Their estimated heap in bytes (bounded by maxBytes). */
  bytes: number;
}

export const DEFAULT_CACHE_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Loads one visitor's answer. `priority` tells the upstream budget what the call is for: `refresh`
 * when a record of the visitor is still held (within its stale-if-error window, so it is served if
 * the call is not made), `cold` when there is none.
 */
export type VisitorLoader = (visitorId: string, priority: Extract<CallPriority, 'cold' | 'refresh'>) => Promise<VisitorLookup>;

/** staleUntil equals expiresAt for bot, unknown and unusable. */
type Entry = CachedAnswer;


function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`VisitorCache: ${name} must be a finite number >= 0`);
  return value;
}

export class VisitorCache {
  private readonly load: VisitorLoader;
  private readonly store: LRUCache<string, Entry>;
  private readonly inflight = new Map<string, Promise<VisitorLookup>>();
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly staleIfErrorMs: number;
  private readonly now: () => number;
  private readonly shared: SharedVisitors | undefined;
  /** Bumped by clear(): loads started before it neither store their answer nor touch the in-flight map. */
  private generation = 0;

  private hits = 0;
  private misses = 0;
  private coalesced = 0;
  private staleServed = 0;
  private loads = 0;
  private sharedHits = 0;
  private sharedWaits = 0;

  constructor(load: VisitorLoader, options: VisitorCacheOptions = {}) {
    const max = options.max ?? 10_000;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('VisitorCache: max must be a positive integer');
    const maxBytes = options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
    if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new RangeError('VisitorCache: maxBytes must be a positive integer');
    this.load = load;
    // An entry over maxBytes on its own is not stored (lru-cache's maxEntrySize defaults to maxSize).
    this.store = new LRUCache<string, Entry>({ max, maxSize: maxBytes, sizeCalculation: (entry, key) => entryBytes(entry.value, key) });
    this.ttlMs = nonNegative('ttlMs', options.ttlMs ?? 60_000);
    this.negativeTtlMs = nonNegative('negativeTtlMs', options.negativeTtlMs ?? 10_000);
    this.staleIfErrorMs = nonNegative('staleIfErrorMs', options.staleIfErrorMs ?? 300_000);
    this.now = options.now ?? (() => Date.now());
    this.shared = options.shared;
  }

  /** Synchronous fast path: the fresh cached answer, or undefined. No I/O, no promise. */
  peek(visitorId: string): VisitorLookup | undefined {
    const entry = this.store.get(visitorId);
    if (entry !== undefined && this.now() < entry.expiresAt) {
      this.hits++;
      return entry.value;
    }
    return undefined;
  }

  /** The visitor's record as held, fresh or expired (within its stale-if-error window), else undefined. No I/O, counts nothing. */
  record(visitorId: string): Visitor | undefined {
    const entry = this.store.peek(visitorId);
    return entry !== undefined && entry.value.kind === 'found' && this.now() < entry.staleUntil ? entry.value.visitor : undefined;
  }

  /** The answer for a visitor: fresh cache hit, else one shared load per visitor at a time. Never rejects. */
  lookup(visitorId: string): Promise<VisitorLookup> {
    const fresh = this.peek(visitorId);
    if (fresh !== undefined) return Promise.resolve(fresh);
    this.misses++;
    const pending = this.inflight.get(visitorId);
    if (pending !== undefined) {
      this.coalesced++;
      return pending;
    }
    const started = this.runLoad(visitorId, this.generation);
    // runLoad awaits before its cleanup, so this set always precedes the delete.
    this.inflight.set(visitorId, started);
    return started;
  }

  stats(): VisitorCacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      coalesced: this.coalesced,
      staleServed: this.staleServed,
      loads: this.loads,
      sharedHits: this.sharedHits,
      sharedWaits: this.sharedWaits,
      size: this.store.size,
      bytes: this.store.calculatedSize,
    };
  }

  /** Drops every cached answer. Loads in flight still answer their callers but store nothing. Counters are kept. */
  clear(): void {
    this.generation++;
    this.store.clear();
    this.inflight.clear();
  }

  private async runLoad(visitorId: string, generation: number): Promise<VisitorLookup> {
    // If the loader throws, that is a bug of ours (it answers DataFast's failures as
    // 'unavailable'): the callers get the error (and answer internal-error), nothing is cached.
    // Every path goes through an await, so lookup() has registered this load as in flight before
    // the cleanup runs.
    let answer: VisitorLookup;
    try {
      answer = await Promise.resolve().then(() => this.resolve(visitorId, generation));
    } catch (err) {
      if (generation === this.generation) this.inflight.delete(visitorId);
      throw err;
    }
    // Cleared before callers resume, so a caller reacting to this answer starts a fresh load.
    if (generation === this.generation) this.inflight.delete(visitorId);
    return answer;
  }

  /** The fleet's answer when Redis has it fresh or another instance is fetching it; else this instance's own call. */
  private async resolve(visitorId: string, generation: number): Promise<VisitorLookup> {
    const shared = this.shared;
    if (shared === undefined || !shared.usable()) return this.loadAndSettle(visitorId, generation, null);
    const read = await shared.read(visitorId);
    if (read.kind === 'local') return this.loadAndSettle(visitorId, generation, null);
    // Fresh or not: an older record in Redis is what stale-if-error serves if DataFast fails now.
    if (read.entry !== undefined) this.adopt(visitorId, read.entry, generation);
    if (read.kind === 'fresh') {
      this.sharedHits++;
      return read.entry.value;
    }
    if (read.kind === 'lease') return this.loadAndSettle(visitorId, generation, read.token);
    this.sharedWaits++;
    const waited = await shared.waitFor(visitorId);
    if (waited.kind === 'fresh') {
      this.adopt(visitorId, waited.entry, generation);
      this.sharedHits++;
      return waited.entry.value;
    }
    if (waited.kind === 'unavailable') {
      const failed: VisitorLookup = { kind: 'unavailable', cause: waited.cause };
      return generation === this.generation ? this.settle(visitorId, failed).answer : failed;
    }
    return this.loadAndSettle(visitorId, generation, null);
  }

  /** One loader call; its outcome cached here and shared (`token`: this instance's lease, if any). */
  private async loadAndSettle(visitorId: string, generation: number, token: string | null): Promise<VisitorLookup> {
    this.loads++;
    let answer: VisitorLookup;
    try {
      answer = await this.load(visitorId, this.held(visitorId) ? 'refresh' : 'cold');
    } catch (err) {
      this.shared?.publish(visitorId, { kind: 'keep' }, token);
      throw err;
    }
    if (generation !== this.generation) {
      this.shared?.publish(visitorId, { kind: 'keep' }, token);
      return answer;
    }
    const { answer: settled, change } = this.settle(visitorId, answer);
    this.shared?.publish(visitorId, change, token);
    return settled;
  }

  /** Whether a found record of the visitor is held that could still be served (stale-if-error). */
  private held(visitorId: string): boolean {
    const entry = this.store.peek(visitorId);
    return entry !== undefined && entry.value.kind === 'found' && this.now() < entry.staleUntil;
  }

  /** An entry from Redis, kept here unless this instance already has a newer one. */
  private adopt(visitorId: string, entry: Entry, generation: number): void {
    if (generation !== this.generation || this.now() >= entry.staleUntil) return;
    const local = this.store.peek(visitorId);
    if (local === undefined || local.expiresAt < entry.expiresAt) this.store.set(visitorId, entry);
  }

  /** The answer callers get, and what it does to the entry (for Redis). */
  private settle(visitorId: string, answer: VisitorLookup): { answer: VisitorLookup; change: FleetChange } {
    const now = this.now();
    switch (answer.kind) {
      case 'found': {
        const expiresAt = now + this.ttlMs;
        const entry: Entry = { value: answer, expiresAt, staleUntil: expiresAt + this.staleIfErrorMs };
        this.store.set(visitorId, entry);
        return { answer, change: { kind: 'set', entry } };
      }
      case 'unusable': {
        // Asking again at once would download the refused record again for nothing: remembered
        // like a 404. The last good record still serves meanwhile, as when DataFast fails.
        const previous = this.store.peek(visitorId);
        if (previous === undefined || previous.value.kind !== 'found' || now >= previous.staleUntil) return this.remember(visitorId, answer, now);
        const stale: VisitorLookup = { kind: 'found', visitor: previous.value.visitor, stale: true };
        this.staleServed++;
        if (this.negativeTtlMs === 0) return { answer: stale, change: { kind: 'keep' } };
        const entry: Entry = { value: stale, expiresAt: Math.min(now + this.negativeTtlMs, previous.staleUntil), staleUntil: previous.staleUntil };
        this.store.set(visitorId, entry);
        return { answer: stale, change: { kind: 'set', entry } };
      }
      case 'bot':
      case 'unknown':
        return this.remember(visitorId, answer, now);
      case 'unavailable': {
        const change: FleetChange = { kind: 'unavailable', cause: answer.cause };
        const previous = this.store.peek(visitorId);
        if (previous === undefined) return { answer, change };
        if (now >= previous.staleUntil) {
          this.store.delete(visitorId);
          return { answer, change };
        }
        if (previous.value.kind !== 'found') return { answer, change };
        if (now < previous.expiresAt) return { answer: previous.value, change };
        this.staleServed++;
        return { answer: { kind: 'found', visitor: previous.value.visitor, stale: true }, change };
      }
    }
  }

  /** A negative answer (bot, unknown, unusable), fresh for negativeTtlMs; it replaces any found record. */
  private remember(visitorId: string, answer: CachedLookup, now: number): { answer: VisitorLookup; change: FleetChange } {
    if (this.negativeTtlMs > 0) {
      const expiresAt = now + this.negativeTtlMs;
      const entry: Entry = { value: answer, expiresAt, staleUntil: expiresAt };
      this.store.set(visitorId, entry);
      return { answer, change: { kind: 'set', entry } };
    }
    this.store.delete(visitorId);
    return { answer, change: { kind: 'delete' } };
  }
}
