// Section 8 of `npm run bench`: start-up with a long history. A SQLite data directory is given
// 1,000,000 stored exposures (one experiment, a visitor each) and as many first exposures, written
// straight into the migrated tables in one transaction; then a fresh process mounts the app on it
// and times, from the mount, its first decision that needs the store and its first /readyz 200
// (bench/startup-child.ts) — against the same on an empty data directory. Nothing is replayed at
// start, so the history should cost next to nothing. Each is started a few times; the median counts.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { personas } from '../demo/personas';
import { openStore } from '../server/store/open-store';
import { SQLITE_FILE } from '../server/store/sqlite';
import { fixed, int, line, mb, pad, padEnd } from './format';
import type { StartupTimes } from './protocol';

const EXPOSURES = 1_000_000;
const STARTS = 3;
const DAY_MS = 86_400_000;

export interface StartupResult {
  empty: StartupTimes;
  history: StartupTimes;
  rows: number;
}

/** Migrates an empty store in `dataDir`, then writes `n` exposures and first exposures in one transaction; ms taken. */
async function fillHistory(dataDir: string, n: number): Promise<number> {
  const store = await openStore({ dataDir, retentionDays: null });
  await store.close();
  const started = performance.now();
  const db = new Sqlite(join(dataDir, SQLITE_FILE));
  try {
    // Generating test data: no need to wait for the disk on each page, and room for the indexes.
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    const exposure = db.prepare('INSERT INTO vo_exposures (experiment_id, visitor_id, variant_id, at) VALUES (?, ?, ?, ?)');
    const first = db.prepare('INSERT INTO vo_first_exposures (offer_id, visitor_id, at) VALUES (?, ?, ?)');
    const now = Date.now();
    // The decision timed below is the low persona's: its first exposure is one of the rows. Ids in
    // order, so each index grows at its end (the same tables, written in seconds instead of minutes).
    const visitors = [personas.low.visitorId, ...Array.from({ length: n - 1 }, () => randomUUID())].sort();
    db.transaction(() => {
      for (const [i, visitor] of visitors.entries()) {
        // Within the last 30 days; the persona's today, so its coupon (30 minutes from it) still holds.
        const at = visitor === personas.low.visitorId ? now : now - (i % 30) * DAY_MS - (i % 1000);
        exposure.run('bench-history', visitor, i % 2 === 0 ? 'control' : 'variant', at);
        first.run('welcome-coupon', visitor, at);
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return performance.now() - started;
}

async function startOnce(dataDir: string, datafastUrl: string): Promise<StartupTimes> {
  const child = fork(fileURLToPath(new URL('./startup-child.js', import.meta.url)), [dataDir, datafastUrl], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  const [times] = (await Promise.race([
    once(child, 'message'),
    exited.then(([code]) => {
      throw new Error(`bench/startup-child exited with ${String(code)} before reporting`);
    }),
  ])) as [StartupTimes];
  await exited;
  return times;
}

/** Starts STARTS times; the run with the median time to ready. */
async function median(dataDir: string, datafastUrl: string, label: string): Promise<StartupTimes> {
  const runs: StartupTimes[] = [];
  for (let i = 0; i < STARTS; i++) runs.push(await startOnce(dataDir, datafastUrl));
  runs.sort((a, b) => a.readyMs - b.readyMs);
  const all = runs.map((r) => `${fixed(r.readyMs, 0)}`).join(', ');
  const mid = runs[Math.floor(runs.length / 2)] as StartupTimes;
  line(`   ${padEnd(label, 34)}${pad(fixed(mid.decisionMs, 0), 14)}${pad(fixed(mid.readyMs, 0), 11)}   ${mid.decision}; ready in each start: ${all} ms`);
  return mid;
}

export async function startupWithHistory(baseDir: string, datafastUrl: string): Promise<StartupResult> {
  line(`8. start-up with history — ${int(EXPOSURES)} exposures and ${int(EXPOSURES)} first exposures in SQLite, against an empty data directory; a fresh process each start, ${STARTS} starts, median`);
  const emptyDir = mkdtempSync(join(baseDir, 'startup-empty-'));
  const historyDir = mkdtempSync(join(baseDir, 'startup-history-'));
  const fillMs = await fillHistory(historyDir, EXPOSURES);
  line(`   history written in ${fixed(fillMs / 1000, 1)} s (one transaction, straight into the migrated tables); database ${mb(statSync(join(historyDir, SQLITE_FILE)).size)} MB`);
  line(`   ${padEnd('data directory', 34)}${pad('decision ms', 14)}${pad('ready ms', 11)}   (from the mount: first decision that reads the store; first /readyz 200)`);
  const empty = await median(emptyDir, datafastUrl, 'empty');
  const history = await median(historyDir, datafastUrl, `${int(EXPOSURES)} exposures`);
  line();
  return { empty, history, rows: EXPOSURES };
}
