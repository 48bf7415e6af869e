// Loading the offers in full: the offers file (or the inline offers) checked, the decision policy
// built, and every code pool file read. One function for the router (at start and on reload) and
// `visitor-offers check`, so both accept and refuse exactly the same files.
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

/** @throws ConfigError naming the place (in the file, for a file) of every problem found. */
export function loadOffers(source: OffersSource): LoadedOffers {
  const config = source.kind === 'file' ? loadOffersFile(source.path) : source.config;
  const { pools, problems } = loadCouponPools(config.offers);
  if (problems.length > 0) {
    if (source.kind === 'file') throw ConfigError.of(problems, source.path);
    throw ConfigError.of(problems.map((p) => ({ place: `${source.place}${p.place}`, problem: p.problem })));
  }
  return { config, policy: buildPolicy(config), pools, loadedAt: Date.now() };
}
