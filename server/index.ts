// The package's public API for developers mounting visitor-offers on their own Express app.
export { visitorOffers, type VisitorOffersOptions, type VisitorOffersRouter } from './router';
export { createApp, MOUNT_PATH } from './app';
export { loadConfig, type ServerConfig } from './config';
export { ConfigError } from './config-error';
export { createLogger } from './logger';
export type { Decision } from './decision/decide';
export type { Offer, OfferKind, Placement, Trigger } from './decision/offer';
export type { Segment, Thresholds } from './decision/segment';
