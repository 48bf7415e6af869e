// Sections 6–8 of `npm run bench`, about state that lasts and scales, with the servers they need:
// a real Postgres with its default durability (fsync on) and a real Redis, started here (Debian's
// `postgresql` and `redis-server`, as for the tests) and stopped at the end, and a temp directory.
// `npm run bench -- state` runs these sections alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { postgresBinDir, startPostgres, type Postgres } from '../test/support/postgres';
import { startRedis, type Redis } from '../test/support/redis';
import { fleetScaling, type FleetResult } from './fleet';
import { fixed, int, line, ok, pad } from './format';
import { leadWrites, type LeadWritesResult } from './lead-writes';
import { startupWithHistory, type StartupResult } from './startup';

export const TARGET_FLEET_RATIO = 1.7;
export const TARGET_STARTUP_MS = 1000;

export interface StateResults {
  fleet: FleetResult;
  leads: LeadWritesResult;
  startup: StartupResult;
}

/** Runs sections 6–8 against the simulated DataFast at `datafastUrl`. */
export async function stateSections(datafastUrl: string): Promise<StateResults> {
  const dir = mkdtempSync(join(tmpdir(), 'vo-bench-state-'));
  let postgres: Postgres | null = null;
  let redis: Redis | null = null;
  try {
    [postgres, redis] = await Promise.all([startPostgres({ durable: true }), startRedis()]);
    line(`(sections 6–7: PostgreSQL ${basename(dirname(postgresBinDir()))} with fsync, synchronous_commit and full_page_writes on (its defaults), and Redis, on 127.0.0.1; data in ${tmpdir()})`);
    line();
    const fleet = await fleetScaling({ datafastUrl, databaseUrl: await postgres.createDatabase('bench_fleet'), redisUrl: redis.url, dir });
    const leads = await leadWrites({ dir, databaseUrl: await postgres.createDatabase('bench_leads') });
    const startup = await startupWithHistory(dir, datafastUrl);
    return { fleet, leads, startup };
  } finally {
    await Promise.allSettled([redis?.stop(), postgres?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The summary lines of sections 6–8. */
export function stateSummary({ fleet, leads, startup }: StateResults): string[] {
  return [
    `two instances + Redis ${pad(int(fleet.two), 7)} req/s   one instance ${pad(int(fleet.one), 7)} req/s   ratio ${fixed(fleet.ratio, 2)} (target ≥ ${TARGET_FLEET_RATIO}) ${ok(fleet.ratio >= TARGET_FLEET_RATIO)}; the load generator took ${fixed(fleet.generatorCores, 2)} of ${fleet.cores} cores; server µs/req one ${fixed(fleet.oneUs, 0)}, two ${fixed(fleet.twoUs, 0)}`,
    `lead writes/s (50 callers)   SQLite group commit ${pad(int(leads.sqlite[50]), 6)} (1 caller ${int(leads.sqlite[1])})   Postgres fsync on ${pad(int(leads.postgres[50]), 6)} (1 caller ${int(leads.postgres[1])}); one fdatasync ${fixed(leads.flushMs, 2)} ms`,
    `start-up with ${int(startup.rows)} exposures: first store decision ${fixed(startup.history.decisionMs, 0)} ms, ready ${fixed(startup.history.readyMs, 0)} ms (empty: ${fixed(startup.empty.readyMs, 0)} ms) (target < ${TARGET_STARTUP_MS} ms) ${ok(startup.history.readyMs < TARGET_STARTUP_MS && startup.history.decision === 'welcome-coupon')}`,
  ];
}
