// The package's public API for developers mounting visitor-offers on their own Express app.
export { visitorOffers, type VisitorOffersOptions, type VisitorOffersRouter } from './router.js';
export { createApp, MOUNT_PATH } from './app.js';
export { loadConfig, type ServerConfig } from './config.js';
export { ConfigError } from './config-error.js';
export { createLogger } from './logger.js';
export type { Decision } from './decision/decide.js';
export type { Offer, OfferKind, Placement, Trigger } from './decision/offer.js';
export type { Segment, Thresholds } from './decision/segment.js';
