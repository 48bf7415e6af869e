// The shared frame of the route test files: one simulated analytics API (DataFast by default, or
// PostMetric with `provider: 'postmetric'`) and one temp directory per file, a fresh log per test,
// every mounted router closed after its test, and no secret in any log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS, startSimulatedDataFast, type Fault, type RecordedCall, type SimulatedDataFast, type SimulatedDataFastOptions } from '../../demo/simulated-datafast';
import { SIMULATED_POSTMETRIC_DEFAULTS, startSimulatedPostMetric, type SimulatedPostMetric, type SimulatedPostMetricOptions } from '../../demo/simulated-postmetric';
import type { VisitorOffersOptions } from '../../server/config/options-types';
import { SECRETS } from './forbidden';
import { captureLog, type CapturedLog } from './log-capture';
import type { MountedRouter } from './mounted-router';

/** What the route tests need of either simulated API. */
export interface SimulatedUpstream {
  readonly url: string;
  readonly calls: RecordedCall[];
  callCount(filter?: 'visitors' | 'goals'): number;
  resetCalls(): void;
  setFault(fault: Fault | null, options?: { times?: number; match?: 'visitors' | 'goals' | 'all' }): void;
}

export type SuiteProvider = 'datafast' | 'postmetric';

export interface RouteSuite {
  readonly provider: SuiteProvider;
  /** The simulated DataFast (with provider `datafast`, the default). */
  readonly sim: SimulatedDataFast;
  /** The simulated PostMetric (with provider `postmetric`). */
  readonly pm: SimulatedPostMetric;
  /** Whichever simulated API this file runs against. */
  readonly upstream: SimulatedUpstream;
  /** The router options that point at it (`timeoutMs` and `breaker` as given). */
  analytics(settings?: { timeoutMs?: number; breaker?: { failureThreshold?: number; failureWindowMs?: number; coolDownMs?: number } }): Pick<VisitorOffersOptions, 'provider' | 'datafast' | 'postmetric'>;
  readonly log: CapturedLog;
  /** A temp directory for this file, removed after it. */
  readonly baseDir: string;
  /** Closes this router after the current test. */
  track(m: MountedRouter): MountedRouter;
}

export function useRouteSuite(
  name: string,
  options: { provider?: SuiteProvider; sim?: SimulatedDataFastOptions; pm?: SimulatedPostMetricOptions; secrets?: readonly string[]; closeTimeoutMs?: number } = {},
): RouteSuite {
  const provider = options.provider ?? 'datafast';
  let sim: SimulatedDataFast | undefined;
  let pm: SimulatedPostMetric | undefined;
  let log: CapturedLog | undefined;
  let baseDir: string | undefined;
  const mounted: MountedRouter[] = [];
  const secrets = [...SECRETS, ...(options.secrets ?? [])];

  beforeAll(async () => {
    if (provider === 'postmetric') pm = await startSimulatedPostMetric(options.pm);
    else sim = await startSimulatedDataFast(options.sim);
    baseDir = mkdtempSync(join(tmpdir(), `vo-${name}-`));
  });
  afterAll(async () => {
    await sim?.close();
    await pm?.close();
    if (baseDir) rmSync(baseDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    sim?.setFault(null);
    sim?.resetCalls();
    pm?.setFault(null);
    pm?.resetCalls();
    log = captureLog();
  });
  afterEach(async () => {
    await Promise.all(mounted.splice(0).map((m) => m.close(options.closeTimeoutMs)));
    for (const secret of secrets) expect(log?.text() ?? '').not.toContain(secret);
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is only available inside tests`);
    return value;
  };
  return {
    provider,
    get sim() {
      return started(sim, 'sim');
    },
    get pm() {
      return started(pm, 'pm');
    },
    get upstream(): SimulatedUpstream {
      return provider === 'postmetric' ? started(pm, 'pm') : started(sim, 'sim');
    },
    analytics(settings = {}) {
      if (provider === 'postmetric') return { provider: 'postmetric', postmetric: { apiKey: options.pm?.apiKey ?? SIMULATED_POSTMETRIC_DEFAULTS.apiKey, apiUrl: started(pm, 'pm').url, ...settings } };
      return { datafast: { apiKey: options.sim?.apiKey ?? SIMULATED_DATAFAST_DEFAULTS.apiKey, apiUrl: started(sim, 'sim').url, ...settings } };
    },
    get log() {
      return started(log, 'log');
    },
    get baseDir() {
      return started(baseDir, 'baseDir');
    },
    track(m) {
      mounted.push(m);
      return m;
    },
  };
}
