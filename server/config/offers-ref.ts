// The router's current offers: the checked config, the decision policy built from it and the
// coupon pools it names. With an offers file, it can be reloaded (on SIGHUP or when the file, or
// a pool file, changes): the new file is checked in full and swapped in at once, or rejected with
// the error logged while the old one stays. A request reads `current` once and keeps that
// snapshot, so decisions in flight are not affected by a reload.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import type { Policy } from '../decision/decide.js';
import { buildPolicy } from '../decision/policy.js';
import { loadCouponPools } from '../offers/coupon-pools.js';
import { ConfigError } from './config-error.js';
import { loadOffersFile } from './offers-file.js';
import type { OffersConfig } from './offers-normalise.js';
import type { OffersSource } from './options.js';

export interface LoadedOffers {
  readonly config: OffersConfig;
  readonly policy: Policy;
  /** Single-use codes of each pooled coupon, by offer id. */
  readonly pools: ReadonlyMap<string, readonly string[]>;
  /** ms epoch */
  readonly loadedAt: number;
}

export type ReloadResult = { ok: true; changed: boolean } | { ok: false; error: string };

export interface OffersStatus {
  source: 'inline' | 'file';
  file: string | null;
  loadedAt: string;
  /** The last reload's error while the previous offers stay in use; null once a reload succeeds. */
  lastReloadError: string | null;
}

/** Waits this long after the last change event: editors write a file in several steps. */
const DEBOUNCE_MS = 250;

export class OffersRef {
  #current: LoadedOffers;
  #lastError: string | null = null;
  #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | null = null;

  /** Loads the offers (and their pool files) once. @throws ConfigError */
  constructor(
    private readonly source: OffersSource,
    private readonly logger: Logger,
  ) {
    this.#current = load(source);
  }

  get current(): LoadedOffers {
    return this.#current;
  }

  /**
   * Re-reads the offers file; a bad one is logged and the current offers stay. Inline offers never
   * change. `trigger` says why, in the log: the watcher, or a signal.
   */
  reload(trigger: 'watch' | 'SIGHUP' = 'watch'): ReloadResult {
    if (this.source.kind !== 'file') return { ok: true, changed: false };
    let next: LoadedOffers;
    try {
      next = load(this.source);
    } catch (err) {
      const error = err instanceof ConfigError ? err.message : `cannot reload: ${err instanceof Error ? err.message : String(err)}`;
      this.#lastError = error;
      this.logger.error({ offersFile: this.source.path, trigger, error }, 'offers file rejected; the previous offers stay in use');
      return { ok: false, error };
    }
    const changed = JSON.stringify(next.config) !== JSON.stringify(this.#current.config) || !samePools(next.pools, this.#current.pools);
    this.#lastError = null;
    if (changed) {
      this.#current = next;
      const c = next.config;
      this.logger.info(
        { offersFile: this.source.path, trigger, offers: c.offers.length, rules: c.rules.length, experiments: c.experiments.length },
        'offers file reloaded',
      );
    }
    this.#watchPools();
    return { ok: true, changed };
  }

  /** Watches the offers file and its pool files (their directories, so a file replaced by an editor is seen). */
  watch(): void {
    if (this.source.kind !== 'file' || this.#watchers.length > 0) return;
    this.#watchPools();
  }

  status(): OffersStatus {
    return {
      source: this.source.kind,
      file: this.source.kind === 'file' ? this.source.path : null,
      loadedAt: new Date(this.#current.loadedAt).toISOString(),
      lastReloadError: this.#lastError,
    };
  }

  close(): void {
    for (const w of this.#watchers.splice(0)) w.close();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #watchPools(): void {
    if (this.source.kind !== 'file' || !this.source.watch) return;
    const files = [this.source.path, ...this.#current.config.offers.flatMap((o) => (o.kind === 'coupon' && o.codePool !== null ? [o.codePool] : []))];
    const byDir = new Map<string, Set<string>>();
    for (const f of files) byDir.set(dirname(f), (byDir.get(dirname(f)) ?? new Set()).add(basename(f)));
    this.close();
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

  #schedule(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.reload();
    }, DEBOUNCE_MS);
    this.#timer.unref();
  }
}

function load(source: OffersSource): LoadedOffers {
  const config = source.kind === 'file' ? loadOffersFile(source.path) : source.config;
  let policy: Policy;
  try {
    policy = buildPolicy(config);
  } catch (err) {
    throw err instanceof ConfigError && source.kind === 'file' ? err.in(source.path) : err;
  }
  const pools = loadCouponPools(policy.offers.values());
  return { config, policy, pools, loadedAt: Date.now() };
}

function samePools(a: ReadonlyMap<string, readonly string[]>, b: ReadonlyMap<string, readonly string[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, codes] of a) {
    const other = b.get(id);
    if (!other || other.length !== codes.length || codes.some((c, i) => c !== other[i])) return false;
  }
  return true;
}
