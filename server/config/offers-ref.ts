// The router's current offers (config, decision policy, code pools). With an offers file they can
// be reloaded — when the file or a pool file it names changes, or on SIGHUP: the new file is
// checked in full and swapped in at once, or rejected with the error logged while the old one
// stays. A request reads `current` once and keeps that snapshot, so decisions in flight are not
// affected by a reload.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from './config-error.js';
import { loadOffers, type LoadedOffers } from './load-offers.js';
import type { OffersSource } from './options.js';

export type { LoadedOffers };

export type ReloadResult = { ok: true; changed: boolean } | { ok: false; error: string };

/** Where the offers come from and how their last reload went, as `health()` reports it. */
export interface OffersStatus {
  /** `inline` (given in the options) or `file` (`offersFile` / OFFERS_CONFIG). */
  source: 'inline' | 'file';
  /** The offers file's path, or null for inline offers. */
  file: string | null;
  /** When the offers in use were loaded (ISO time). */
  loadedAt: string;
  /** The files watched for changes: the offers file and its code pools (none when not watching). */
  watchedFiles: string[];
  /** The last reload's error while the previous offers stay in use; null once a reload succeeds. */
  lastReloadError: string | null;
}

/** Waits this long after the last change event: editors write a file in several steps. */
const DEBOUNCE_MS = 250;

export class OffersRef {
  #current: LoadedOffers;
  #lastError: string | null = null;
  #watchers: FSWatcher[] = [];
  #watched: string[] = [];
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  /** Loads the offers (and their pool files) once. @throws ConfigError */
  constructor(
    private readonly source: OffersSource,
    private readonly logger: Logger,
  ) {
    this.#current = loadOffers(source);
  }

  get current(): LoadedOffers {
    return this.#current;
  }

  /**
   * Re-reads the offers file; a bad one is logged and the current offers stay. Inline offers never
   * change, nor do offers after close(). `trigger` says why, in the log.
   */
  reload(trigger: 'watch' | 'SIGHUP' = 'watch'): ReloadResult {
    if (this.source.kind !== 'file' || this.#closed) return { ok: true, changed: false };
    let next: LoadedOffers;
    try {
      next = loadOffers(this.source);
    } catch (err) {
      const error = err instanceof ConfigError ? err.message : `cannot reload: ${err instanceof Error ? err.message : String(err)}`;
      this.#lastError = error;
      this.logger.error({ offersFile: this.source.path, trigger, error }, 'offers file rejected; the previous offers stay in use');
      return { ok: false, error };
    }
    const changed = JSON.stringify(next.config) !== JSON.stringify(this.#current.config) || !samePools(next.pools, this.#current.pools);
    const wasFailing = this.#lastError !== null;
    this.#lastError = null;
    // Put back as it was after a rejected edit: said, so the log does not end on the rejection.
    if (!changed && wasFailing) this.logger.info({ offersFile: this.source.path, trigger }, 'offers file is good again; the offers in use are unchanged');
    if (changed) {
      this.#current = next;
      const c = next.config;
      this.logger.info({ offersFile: this.source.path, trigger, offers: c.offers.length, rules: c.rules.length, experiments: c.experiments.length }, 'offers file reloaded');
      if (this.#watchers.length > 0) this.#watch();
    }
    return { ok: true, changed };
  }

  /** Starts watching the offers file and its pool files, when the source asks for it. */
  watch(): void {
    if (this.source.kind === 'file' && this.source.watch && !this.#closed) this.#watch();
  }

  status(): OffersStatus {
    return {
      source: this.source.kind,
      file: this.source.kind === 'file' ? this.source.path : null,
      loadedAt: new Date(this.#current.loadedAt).toISOString(),
      watchedFiles: [...this.#watched],
      lastReloadError: this.#lastError,
    };
  }

  /** Stops watching for good: later changes and reloads are ignored. */
  close(): void {
    this.#closed = true;
    this.#unwatch();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Watches the directories of the files (an editor's save may replace a file); only when the set changed. */
  #watch(): void {
    if (this.source.kind !== 'file') return;
    const pools = this.#current.config.offers.flatMap((o) => (o.kind === 'coupon' && o.codePool !== null ? [o.codePool] : []));
    const files = [...new Set([resolve(this.source.path), ...pools])].sort();
    if (this.#watchers.length > 0 && files.join('\n') === this.#watched.join('\n')) return;
    this.#unwatch();
    this.#watched = files;
    const byDir = new Map<string, Set<string>>();
    for (const f of files) byDir.set(dirname(f), (byDir.get(dirname(f)) ?? new Set()).add(basename(f)));
    for (const [dir, names] of byDir) {
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          if (name === null || names.has(name.toString())) this.#schedule();
        });
        w.on('error', (err) => this.logger.warn({ dir, err: err.message }, 'cannot watch the offers file any more; SIGHUP still reloads it'));
        this.#watchers.push(w);
      } catch (err) {
        this.logger.warn({ dir, err: err instanceof Error ? err.message : String(err) }, 'cannot watch the offers file; SIGHUP still reloads it');
      }
    }
  }

  #unwatch(): void {
    for (const w of this.#watchers.splice(0)) w.close();
    this.#watched = [];
  }

  #schedule(): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.reload();
    }, DEBOUNCE_MS);
    this.#timer.unref();
  }
}

function samePools(a: ReadonlyMap<string, readonly string[]>, b: ReadonlyMap<string, readonly string[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, codes] of a) {
    const other = b.get(id);
    if (!other || other.length !== codes.length || codes.some((c, i) => c !== other[i])) return false;
  }
  return true;
}
