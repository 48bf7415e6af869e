// The package's public API: the router a developer mounts on an Express app, the offers file
// readers, the environment reader, and the types of all three.
export { visitorOffers, type RouterHealth, type VisitorOffersRouter } from './router.js';
export { loadOffersFile, parseOffers, parseOffersText, type ParseOffersOptions } from './config/offers-file.js';
export { optionsFromEnv, type Env } from './config/env.js';
export { ConfigError, type Problem } from './config/config-error.js';
export type { OffersConfig } from './config/offers-normalise.js';
export type { OffersInput } from './config/offers-schema.js';
export type { BreakerOptions, CacheOptions, DataFastOptions, LimitOptions, LogLevel, MetricsOptions, OffersOptions, ReadinessOptions, VisitorOffersOptions } from './config/options-types.js';
export type { MetricsHandler } from './metrics/metrics-handler.js';
export type { Decision, SegmentOffers } from './decision/decide.js';
export type { Offer, OfferKind, Placement, PublicOffer, Trigger } from './decision/offer.js';
export type { Rule, RuleAction, RuleConditions } from './decision/rules.js';
export type { Segment, Thresholds } from './decision/segment.js';
export type { Experiment, Variant } from './experiments/types.js';
export type { OfferResponse } from './contract.js';
