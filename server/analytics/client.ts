// What the router needs of an analytics provider's client, whichever it is (DataFast, PostMetric):
// visitor lookups, goals, the realtime map where the provider has one, and its breakers and 429
// pause for metrics, health and the fleet's shared pause.
import type { GoalResult, PaymentGoalsLookup, RealtimeLookup } from '../datafast/client.js';
import type { BreakerView, UpstreamEndpoint } from '../datafast/breaker.js';
import type { GoalMetadata } from '../datafast/goals.js';
import type { VisitorLookup } from '../datafast/lookup.js';
import type { RateLimitHeaders } from '../datafast/transport.js';
import type { ProviderQuota } from '../upstream/token-bucket.js';

export const PROVIDERS = ['datafast', 'postmetric'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface AnalyticsClient {
  readonly provider: Provider;
  readonly breakers: Readonly<Record<UpstreamEndpoint, BreakerView>>;
  /** Until when calls fail fast after a 429 (epoch ms; 0 when not paused). */
  readonly pausedUntil: number;
  /** The last `X-RateLimit-*` headers seen (null: none), for an upstream budget. */
  readonly lastRateLimit: RateLimitHeaders | null;
  getVisitor(visitorId: string): Promise<VisitorLookup>;
  getPaymentGoals(visitorId: string): Promise<PaymentGoalsLookup>;
  probeVisitors(): Promise<VisitorLookup> | null;
  getRealtimeMap(): Promise<RealtimeLookup>;
  createGoal(visitorId: string, name: string, metadata: GoalMetadata): Promise<GoalResult>;
  retryAt(endpoint: UpstreamEndpoint): number;
  onRateLimited(listener: (until: number) => void): () => void;
  /** Called with what an answer's X-RateLimit-Remaining/-Reset say, when it carries both (for the upstream budget). */
  onQuota(listener: (quota: ProviderQuota) => void): () => void;
  pauseUntil(until: number): void;
  close(): void;
}
