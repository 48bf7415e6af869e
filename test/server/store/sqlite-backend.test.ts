// What only the embedded backend has: one writer per data directory (a second store — in this
// process or another — fails at once with a message saying what to do, and a killed holder leaves
// no stale lock), files only the owner can read, a read-only reader beside the writer, and every
// lead acknowledged before a kill -9 still there after it; write transactions that take the write
// lock before they read (a commit beside them cannot make them fail); an erased email's bytes
// gone from the database file and its WAL.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Sqlite from 'better-sqlite3';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, DataDirLock, LOCK_FILE } from '../../../server/store/data-dir-lock';
import { migrate, openStore } from '../../../server/store/open-store';
import { experimentCounts } from '../../../server/store/sql-experiments';
import { openSqlite, readSqlite, SQLITE_FILE } from '../../../server/store/sqlite';

const base = mkdtempSync(join(tmpdir(), 'vo-sqlite-backend-'));
let bundle: string;

beforeAll(async () => {
  // Inside the project, so the bundle finds the packages it leaves out (better-sqlite3 is native).
  mkdirSync(join(process.cwd(), 'node_modules', '.cache'), { recursive: true });
  const out = mkdtempSync(join(process.cwd(), 'node_modules', '.cache', 'vo-store-bundle-'));
  bundle = join(out, 'open-store.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('../../../server/store/open-store.ts', import.meta.url))],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
    absWorkingDir: process.cwd(),
  });
});
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
  rmSync(join(bundle, '..'), { recursive: true, force: true });
});

describe('one writer per data directory', () => {
  it('a second store in this process fails at once, saying why and what to do; free again once the first closes', async () => {
    const dataDir = mkdtempSync(join(base, 'd-'));
    const first = await openStore({ dataDir, retentionDays: null });
    const second = openStore({ dataDir, retentionDays: null });
    await expect(second).rejects.toBeInstanceOf(DataDirInUseError);
    await expect(second).rejects.toThrow(`"${dataDir}" is in use by another visitor-offers store (another process, or another router in this process)`);
    expect(() => DataDirLock.acquire(dataDir)).toThrow(/Postgres database \(DATABASE_URL\)/);
    // The refused attempt left the holder working.
    await first.addLead({ email: 'a@example.com', offerId: 'o', visitorId: null });
    await first.close();
    const third = await openStore({ dataDir, retentionDays: null });
    expect(await third.leadCount()).toBe(1);
    await third.close();
  });

  it('another process holding it: refused here; after it is killed with SIGKILL, every lead it acknowledged is here', async () => {
    const dataDir = mkdtempSync(join(base, 'd-'));
    const script = join(base, 'writer.mjs');
    writeFileSync(
      script,
      `const { openStore } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
const store = await openStore({ dataDir: ${JSON.stringify(dataDir)}, retentionDays: null });
process.stdout.write('open\\n');
let n = 0;
async function writer() {
  for (;;) {
    const lead = await store.addLead({ email: 'lead' + n++ + '@example.com', offerId: 'guide', visitorId: null });
    process.stdout.write(lead.id + '\\n');
  }
}
await Promise.all(Array.from({ length: 8 }, writer));
`,
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() });
    const acknowledged: string[] = [];
    let stderr = '';
    let partial = '';
    let refusedWhileHeld: unknown = null;
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      acknowledged.push(...lines.filter((l) => l !== 'open'));
      if (acknowledged.length >= 200 && refusedWhileHeld === null) {
        refusedWhileHeld = openStore({ dataDir, retentionDays: null }).then(
          (s) => s.close().then(() => 'opened'),
          (err: unknown) => err,
        );
        void (refusedWhileHeld as Promise<unknown>).then(() => child.kill('SIGKILL'));
      }
    });
    expect(await exited).toBe('SIGKILL');
    expect(stderr).toBe('');
    expect(await refusedWhileHeld).toBeInstanceOf(DataDirInUseError);

    const store = await openStore({ dataDir, retentionDays: null });
    const missing: string[] = [];
    for (const id of acknowledged) if ((await store.lead(id)) === undefined) missing.push(id);
    expect(missing).toEqual([]);
    expect(await store.leadCount()).toBeGreaterThanOrEqual(acknowledged.length);
    await store.addLead({ email: 'after@example.com', offerId: 'guide', visitorId: null });
    await store.close();
  });
});

describe('files and readers', () => {
  it('the directory is 0700, the database and the lock 0600', async () => {
    const dataDir = join(mkdtempSync(join(base, 'd-')), 'nested', 'data');
    const store = await openStore({ dataDir, retentionDays: null });
    await store.addLead({ email: 'a@example.com', offerId: 'o', visitorId: null });
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, SQLITE_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, `${SQLITE_FILE}-wal`)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, LOCK_FILE)).mode & 0o077).toBe(0);
    await store.close();
  });

  it('a read-only reader sees committed results beside the running writer, without its lock', async () => {
    const dataDir = mkdtempSync(join(base, 'd-'));
    expect(readSqlite(dataDir)).toBeNull();
    const store = await openStore({ dataDir, retentionDays: null });
    await store.recordExposure('hero', 'control', 'v1');
    await store.recordExposure('hero', 'coupon', 'v2');
    await store.recordConversion('hero', 'v2');
    const reader = readSqlite(dataDir);
    expect(reader).not.toBeNull();
    expect(Object.fromEntries(await experimentCounts(reader!, 'hero'))).toEqual({ control: { exposures: 1, conversions: 0 }, coupon: { exposures: 1, conversions: 1 } });
    await store.recordExposure('hero', 'control', 'v3');
    expect((await experimentCounts(reader!, 'hero')).get('control')).toEqual({ exposures: 2, conversions: 0 });
    await expect(reader!.insertInto('vo_settings').values({ key: 'x', value: 'y', updated_at: 1 }).execute()).rejects.toThrow(/readonly/);
    await reader!.destroy();
    // The writer is unaffected.
    await store.addLead({ email: 'a@example.com', offerId: 'o', visitorId: null });
    await store.close();
  });
});

describe('beside another connection, and after an erasure', () => {
  it('a write transaction that reads first holds the write lock from BEGIN: another connection’s write in between waits (here, with no wait allowed, is refused), and the transaction commits', async () => {
    const dataDir = mkdtempSync(join(base, 'd-'));
    const backend = openSqlite(DataDirLock.acquire(dataDir), { busyTimeoutMs: 100 });
    await migrate(backend);
    const other = new Sqlite(join(dataDir, SQLITE_FILE), { timeout: 0 });
    let between: unknown = 'not tried';
    try {
      await backend.transaction(async (trx) => {
        await trx.selectFrom('vo_settings').select('key').execute();
        try {
          other.prepare("insert into vo_settings (key, value, updated_at) values ('other', 'x', 1)").run();
          between = 'committed';
        } catch (err) {
          between = (err as { code?: unknown }).code;
        }
        await trx.insertInto('vo_settings').values({ key: 'mine', value: 'y', updated_at: 1 }).execute();
      });
      expect(between).toBe('SQLITE_BUSY');
      expect(await backend.db.selectFrom('vo_settings').select('key').execute()).toEqual([{ key: 'mine' }]);
    } finally {
      other.close();
      await backend.close();
    }
  });

  it('an erased email is in neither the database file nor its WAL once deleteLeadsByEmail resolves, the store still open', async () => {
    const dataDir = mkdtempSync(join(base, 'd-'));
    const store = await openStore({ dataDir, retentionDays: null });
    const files = () => Buffer.concat([readFileSync(join(dataDir, SQLITE_FILE)), readFileSync(join(dataDir, `${SQLITE_FILE}-wal`))]);
    const traces = ['ÖZGE.secret@example.com', 'özge.secret@example.com'].map((text) => Buffer.from(text));
    try {
      await Promise.all(Array.from({ length: 200 }, (_, i) => store.addLead({ email: `other-${i}@example.com`, offerId: 'o', visitorId: null }, { deliverTo: ['webhook'] })));
      await store.addLead({ email: 'ÖZGE.secret@example.com', offerId: 'o', visitorId: 'v1' }, { deliverTo: ['webhook', 'datafast'] });
      await Promise.all(Array.from({ length: 200 }, (_, i) => store.addLead({ email: `later-${i}@example.com`, offerId: 'o', visitorId: null }, { deliverTo: ['webhook'] })));
      // There before: the email and its key, in the WAL.
      expect(traces.map((t) => files().includes(t))).toEqual([true, true]);
      expect(await store.deleteLeadsByEmail('özge.secret@EXAMPLE.com')).toBe(1);
      expect(statSync(join(dataDir, `${SQLITE_FILE}-wal`)).size).toBe(0);
      expect(traces.map((t) => files().includes(t))).toEqual([false, false]);
      // The store carries on; the others are all there.
      await store.addLead({ email: 'after@example.com', offerId: 'o', visitorId: null });
      expect(await store.leadCount()).toBe(401);
    } finally {
      await store.close();
    }
  });
});
