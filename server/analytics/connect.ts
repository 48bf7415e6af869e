// The client of the provider the options chose, and the few settings the rest of the router
// needs of it (its key, for Redis key derivation; its deadline, for leases and budgets).
import type { Logger } from 'pino';
import type { ResolvedOptions } from '../config/options.js';
import { DataFastClient } from '../datafast/client.js';
import { PostMetricClient } from '../postmetric/client.js';
import type { AnalyticsClient, Provider } from './client.js';

export interface ActiveAnalytics {
  provider: Provider;
  apiKey: string;
  /** DataFast's website id with an account token; else null. */
  websiteId: string | null;
  timeoutMs: number;
}

/** The chosen provider's settings; parseOptions has already refused options that lack them. */
export function activeAnalytics(o: ResolvedOptions): ActiveAnalytics {
  if (o.provider === 'postmetric') {
    if (o.postmetric === null) throw new Error('provider "postmetric" without postmetric settings');
    return { provider: 'postmetric', apiKey: o.postmetric.apiKey, websiteId: null, timeoutMs: o.postmetric.timeoutMs };
  }
  if (o.datafast === null) throw new Error('provider "datafast" without datafast settings');
  return { provider: 'datafast', apiKey: o.datafast.apiKey, websiteId: o.datafast.websiteId, timeoutMs: o.datafast.timeoutMs };
}

export function analyticsClient(o: ResolvedOptions, logger: Logger): AnalyticsClient {
  if (o.provider === 'postmetric' && o.postmetric !== null) {
    const pm = o.postmetric;
    return new PostMetricClient({ apiKey: pm.apiKey, apiUrl: pm.apiUrl, timeoutMs: pm.timeoutMs, breaker: pm.breaker, logger });
  }
  const df = o.datafast;
  if (df === null) throw new Error('provider "datafast" without datafast settings');
  return new DataFastClient({ apiKey: df.apiKey, websiteId: df.websiteId ?? undefined, apiUrl: df.apiUrl, timeoutMs: df.timeoutMs, breaker: df.breaker, logger });
}
