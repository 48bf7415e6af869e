// The shared frame of the route test files: one simulated DataFast and one temp directory per
// file, a fresh log per test, every mounted router closed after its test, and no secret in any log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { startSimulatedDataFast, type SimulatedDataFast, type SimulatedDataFastOptions } from '../../demo/simulated-datafast';
import { SECRETS } from './forbidden';
import { captureLog, type CapturedLog } from './log-capture';
import type { MountedRouter } from './mounted-router';

export interface RouteSuite {
  readonly sim: SimulatedDataFast;
  readonly log: CapturedLog;
  /** A temp directory for this file, removed after it. */
  readonly baseDir: string;
  /** Closes this router after the current test. */
  track(m: MountedRouter): MountedRouter;
}

export function useRouteSuite(
  name: string,
  options: { sim?: SimulatedDataFastOptions; secrets?: readonly string[]; closeTimeoutMs?: number } = {},
): RouteSuite {
  let sim: SimulatedDataFast | undefined;
  let log: CapturedLog | undefined;
  let baseDir: string | undefined;
  const mounted: MountedRouter[] = [];
  const secrets = [...SECRETS, ...(options.secrets ?? [])];

  beforeAll(async () => {
    sim = await startSimulatedDataFast(options.sim);
    baseDir = mkdtempSync(join(tmpdir(), `vo-${name}-`));
  });
  afterAll(async () => {
    await sim?.close();
    if (baseDir) rmSync(baseDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    sim?.setFault(null);
    sim?.resetCalls();
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
    get sim() {
      return started(sim, 'sim');
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
