// `visitorOffers(options)`: the Express Router a developer mounts on an existing app. It owns its
// DataFast client, cache and decision policy; two routers with different options coexist.
import cookieParser from 'cookie-parser';
import { Router } from 'express';
import { VisitorCache, type VisitorCacheOptions } from './cache/visitor-cache';
import { ConfigError, isHttpUrl } from './config-error';
import { authMode, DataFastClient } from './datafast/client';
import type { Policy } from './decision/decide';
import { buildPolicy, type DecisionSettings } from './decision/policy';
import { silentLogger, type Logger } from './logger';
import { offerHandler } from './routes/offer';

export interface VisitorOffersOptions {
  datafast: {
    /** `df_…` website key or `dft_…` account token. */
    apiKey: string;
    /** Required with a `dft_` token. */
    websiteId?: string;
    /** Default `https://datafa.st`. */
    apiUrl?: string;
    /** Budget for one DataFast call including its retry, default 1,500 ms. */
    timeoutMs?: number;
  };
  cache?: VisitorCacheOptions;
  decisions?: DecisionSettings;
  logger?: Logger;
}

/** What a router exposes besides routing, for the standalone server's health and metrics. */
export interface VisitorOffersRouter extends Router {
  readonly visitorOffers: {
    readonly cache: VisitorCache;
    readonly client: DataFastClient;
  };
}

export function visitorOffers(options: VisitorOffersOptions): VisitorOffersRouter {
  const policy = policyFrom(options);
  const logger = options.logger ?? silentLogger();
  const df = options.datafast;
  const client = new DataFastClient({
    apiKey: df.apiKey,
    websiteId: df.websiteId,
    baseUrl: df.apiUrl,
    timeoutMs: df.timeoutMs,
    logger,
  });
  const cache = new VisitorCache((id) => client.getVisitor(id), options.cache);

  const router = Router() as VisitorOffersRouter;
  Object.defineProperty(router, 'visitorOffers', { value: { cache, client }, enumerable: false });
  router.use(cookieParser());
  router.get('/offer', offerHandler({ cache, policy, logger }));
  return router;
}

/** Validates the options up front (helmet's way): a mistake is reported at mount time, not per request. */
function policyFrom(options: VisitorOffersOptions): Policy {
  const df = options?.datafast;
  if (!df || typeof df.apiKey !== 'string' || df.apiKey === '') {
    throw new ConfigError('datafast.apiKey', 'is missing: pass your df_… website key or dft_… account token');
  }
  if (!/^dft?_\S+$/.test(df.apiKey)) {
    throw new ConfigError('datafast.apiKey', 'must start with df_ (website key) or dft_ (account token)');
  }
  if (authMode(df.apiKey) === 'account-token' && !df.websiteId) {
    throw new ConfigError('datafast.websiteId', 'is required with a dft_ account token (it is sent as ?websiteId=)');
  }
  if (df.apiUrl !== undefined && !isHttpUrl(df.apiUrl)) {
    throw new ConfigError('datafast.apiUrl', `must be an http(s) URL, got "${df.apiUrl}"`);
  }
  if (df.timeoutMs !== undefined && !(Number.isInteger(df.timeoutMs) && df.timeoutMs > 0 && df.timeoutMs <= 60_000)) {
    throw new ConfigError('datafast.timeoutMs', 'must be a whole number of milliseconds between 1 and 60000');
  }

  try {
    return buildPolicy(options.decisions);
  } catch (err) {
    if (err instanceof ConfigError) throw err.under('decisions.');
    throw err;
  }
}
