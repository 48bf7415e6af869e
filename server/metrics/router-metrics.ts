// One router's metrics: its own prom-client registry (two routers in one process never share a
// count), the metrics counted as things happen (requests answered, upstream calls), and the text
// of a scrape: this registry's metrics followed by the process's (process-metrics.ts).
// Collect-time metrics that read existing stats are added to `registry` by collectors.ts.
import { Counter, Histogram, Registry } from 'prom-client';
import { processRegistry } from './process-metrics.js';

export const PREFIX = 'visitor_offers_';

/** Seconds: from a cached /offer (well under 1 ms) to a DataFast call at its 1.5 s deadline and beyond. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5, 10];

type RequestLabel = 'route' | 'method' | 'status_class';
type UpstreamLabel = 'endpoint' | 'outcome';

/** An upstream call's answer as the client gives it: `{ kind }`, with a `cause` when unavailable. */
export interface UpstreamAnswer {
  kind: string;
  cause?: string;
}

export class RouterMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<RequestLabel>;
  readonly #requestSeconds: Histogram<RequestLabel>;
  readonly #upstream: Counter<UpstreamLabel | 'cause'>;
  readonly #upstreamSeconds: Histogram<UpstreamLabel>;

  constructor() {
    const registers = [this.registry];
    this.#requests = new Counter({
      name: `${PREFIX}http_requests_total`,
      help: 'Requests the router answered, by route (as declared, e.g. /offer), method and status class (2xx, 4xx, …).',
      labelNames: ['route', 'method', 'status_class'],
      registers,
    });
    this.#requestSeconds = new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: 'Time from the request reaching the router to the end of its answer.',
      labelNames: ['route', 'method', 'status_class'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#upstream = new Counter({
      name: `${PREFIX}upstream_requests_total`,
      help: 'DataFast calls by endpoint and outcome (found, bot, unknown, created, rejected, unavailable); cause says why unavailable (timeout, network, server-error, rate-limited, paused, auth, malformed), else none.',
      labelNames: ['endpoint', 'outcome', 'cause'],
      registers,
    });
    this.#upstreamSeconds = new Histogram({
      name: `${PREFIX}upstream_request_duration_seconds`,
      help: 'Time of one DataFast call as the router waits for it, its retry included.',
      labelNames: ['endpoint', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
  }

  /** Counts one answered request. `route` is the declared path, never the requested one (bounded labels). */
  request(route: string, method: string, status: number, seconds: number): void {
    const labels = { route, method: knownMethod(method), status_class: `${Math.floor(status / 100)}xx` };
    this.#requests.inc(labels);
    this.#requestSeconds.observe(labels, seconds);
  }

  /** Runs one upstream call, counting its outcome and timing it. A call that throws is counted as `error` and rethrown. */
  async upstream<T extends UpstreamAnswer>(endpoint: string, call: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    const done = (outcome: string, cause: string): void => {
      this.#upstream.inc({ endpoint, outcome, cause });
      this.#upstreamSeconds.observe({ endpoint, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    let answer: T;
    try {
      answer = await call();
    } catch (err) {
      done('error', 'none');
      throw err;
    }
    done(answer.kind, answer.cause ?? 'none');
    return answer;
  }

  /** The scrape: this router's metrics, then the process's. */
  async text(): Promise<string> {
    const [own, process] = await Promise.all([this.registry.metrics(), processRegistry().metrics()]);
    return `${own}\n${process}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Clients choose the method: anything unusual is one label value, not one each. */
function knownMethod(method: string): string {
  return METHODS.has(method) ? method : 'OTHER';
}
