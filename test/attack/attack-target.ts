// The target of the attack suite: the standalone app (router at /visitor-offers, /healthz, the
// final 404) on a real socket, with every protected route enabled, against the simulated DataFast
// or the simulated PostMetric; its log captured, unhandled rejections counted, and raw HTTP
// requests with a deadline.
import { mkdtempSync } from 'node:fs';
import { request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedDataFast, SIMULATED_DATAFAST_DEFAULTS } from '../../demo/simulated-datafast';
import { SIMULATED_POSTMETRIC_DEFAULTS, startSimulatedPostMetric } from '../../demo/simulated-postmetric';
import { createApp } from '../../server/app';
import { createLimitedServer, defaultMaxConnections, SERVER_LIMITS } from '../../server/server-limits';
import type { VisitorOffersOptions } from '../../server/config/options-types';
import type { VisitorOffersRouter } from '../../server/router';
import { captureLog, type CapturedLog } from '../support/log-capture';
import type { SimulatedUpstream, SuiteProvider } from '../support/route-suite';
import { DecisionKey, signDecision, type VisitorIdKind } from '../../server/decision-token/token';

/** `ATTACK_SCALE=full` (npm run attack) runs the full sizes; npm test the quick ones. */
export const FULL = process.env.ATTACK_SCALE === 'full';

export const ADMIN_TOKEN = 'attack-admin-4f1c9e2b7a6d3085e1c4b9f2a7d6e3c1';
export const CONVERSIONS_TOKEN = 'attack-conv-9b3e7f1a5c2d8064b7e1f3a9c5d2e8b4';
/** The decision tokens' secret: never in an answer or a log line. */
export const DECISION_SECRET = 'attack-decisions-3c8e1f7a9b2d4065c1e7f3a8b9d2';

/** A decision token the target accepts, as its GET /offer would sign it for `offerId` (no experiment); PostMetric's ids with `ids: 'text'`. */
export const decisionToken = (visitorId: string, offerId: string, ids: VisitorIdKind = 'uuid'): string =>
  signDecision(DecisionKey.fromSecret(DECISION_SECRET), { visitorId, offerId, experiment: null }, Date.now(), ids);

export interface RawRequest {
  method: string;
  /** Path and query, sent as is. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

/** What differs by provider for an attacker: the key to look for, the cookie the visitor id is read from. */
export const PROVIDERS = {
  datafast: { apiKey: SIMULATED_DATAFAST_DEFAULTS.apiKey, cookie: 'datafast_visitor_id' },
  postmetric: { apiKey: SIMULATED_POSTMETRIC_DEFAULTS.apiKey, cookie: 'postmetric_visitor_id' },
} as const;

export interface AttackTarget {
  origin: string;
  provider: SuiteProvider;
  /** The simulated analytics API it calls. */
  sim: SimulatedUpstream;
  log: CapturedLog;
  router: VisitorOffersRouter;
  /** Unhandled rejections and uncaught exceptions seen since start. */
  crashes: unknown[];
  send(req: RawRequest, timeoutMs?: number): Promise<RawAnswer>;
  close(): Promise<void>;
}

export async function startAttackTarget(extra: Partial<VisitorOffersOptions> = {}, provider: SuiteProvider = 'datafast'): Promise<AttackTarget> {
  // PostMetric's own limit (100 a minute) is lifted: the attack is on the app, not on the quota.
  const sim = provider === 'postmetric' ? await startSimulatedPostMetric({ generateUnknown: true, rateLimitPerMinute: 1_000_000 }) : await startSimulatedDataFast({ generateUnknown: true });
  const analytics: Partial<VisitorOffersOptions> =
    provider === 'postmetric'
      ? // Nor does its default budget stand between the attack and the app's answers.
        { provider: 'postmetric', postmetric: { apiKey: SIMULATED_POSTMETRIC_DEFAULTS.apiKey, apiUrl: sim.url, timeoutMs: 400 }, upstream: { callsPerMinute: null } }
      : { datafast: { apiKey: SIMULATED_DATAFAST_DEFAULTS.apiKey, apiUrl: sim.url, timeoutMs: 400 } };
  const log = captureLog('debug');
  const crashes: unknown[] = [];
  const onCrash = (err: unknown): void => void crashes.push(err);
  process.on('unhandledRejection', onCrash);
  process.on('uncaughtException', onCrash);
  const { app, router } = createApp(
    {
      ...analytics,
      offersFile: 'demo/offers.demo.json',
      watchOffersFile: false,
      dataDir: mkdtempSync(join(tmpdir(), 'vo-attack-')),
      adminToken: ADMIN_TOKEN,
      conversionsToken: CONVERSIONS_TOKEN,
      secret: DECISION_SECRET,
      ...extra,
    },
    log.logger,
  );
  // The standalone server's own HTTP server: its limits and its answers to malformed requests.
  const server: Server = createLimitedServer(app, { ...SERVER_LIMITS, maxConnections: defaultMaxConnections() });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const origin = `http://127.0.0.1:${port}`;

  const send = (req: RawRequest, timeoutMs = 5000): Promise<RawAnswer> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      // A connection of its own per request: no reuse of a socket the server is closing.
      const r = request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers: req.headers, timeout: timeoutMs, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
        res.on('error', reject);
      });
      r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms: ${req.method} ${req.path}`)));
      r.on('error', reject);
      r.end(req.body);
    });

  return {
    origin,
    provider,
    sim,
    log,
    router,
    crashes,
    send,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await router.close(200);
      await sim.close();
      process.off('unhandledRejection', onCrash);
      process.off('uncaughtException', onCrash);
    },
  };
}

/** Counts and extremes of what a run saw, printed at its end so `npm run attack` reports figures. */
export class Tally {
  readonly byStatus = new Map<number, number>();
  requests = 0;
  maxMs = 0;

  add(answer: RawAnswer): void {
    this.requests++;
    this.byStatus.set(answer.status, (this.byStatus.get(answer.status) ?? 0) + 1);
    this.maxMs = Math.max(this.maxMs, answer.ms);
  }

  line(what: string): string {
    const statuses = [...this.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    return `${what}: ${this.requests} requests; statuses ${statuses}; slowest ${this.maxMs.toFixed(0)} ms`;
  }
}
