// `visitor-offers leads export|delete` as an operator runs it: the built CLI reading and erasing
// the leads of the store the server uses — SQLite in DATA_DIR (also while a router runs on it and
// holds the data directory's lock) and Postgres with DATABASE_URL. CSV through the formula-safe
// writer, JSON lines, --since, --output; erasure takes the lead out of the delivery queue.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import { internalsOf } from '../../../server/router-internals';
import { openStore } from '../../../server/store/open-store';
import type { Lead } from '../../../server/store/store';
import { captureLog } from '../../support/log-capture';
import { mountRouter } from '../../support/mounted-router';
import { startPostgres, type Postgres } from '../../support/postgres';
import { cli } from './run-cli';

const HEADER = 'id,email,offerId,visitorId,acceptedAt,deliveredDatafast,deliveredWebhook';
const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
const HOUR = 3_600_000;

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'vo-cli-leads-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A data directory with leads stored an hour apart from T0, as a server would have stored them. */
async function seeded(emails: string[], options: { databaseUrl?: string } = {}): Promise<{ dataDir: string; leads: Lead[] }> {
  const dataDir = mkdtempSync(join(base, 'data-'));
  let t = T0;
  const store = await openStore({ dataDir, databaseUrl: options.databaseUrl ?? null, retentionDays: null, now: () => t });
  // Added together (written in groups, in this order), each an hour after the one before.
  const adding: Array<Promise<Lead>> = [];
  for (const [i, email] of emails.entries()) {
    adding.push(store.addLead({ email, offerId: 'starter-guide', visitorId: i % 2 === 0 ? `v-${i}` : null }));
    t += HOUR;
  }
  const leads = await Promise.all(adding);
  if (leads[0]) await store.markDelivered(leads[0].id, 'datafast');
  await store.close();
  return { dataDir, leads };
}

const lines = (text: string): string[] => text.split(/\r?\n/).filter((l) => l !== '');

describe('visitor-offers leads export (SQLite)', () => {
  it('writes every lead as CSV to stdout, formula-safe, oldest first, with ISO times and delivery flags', async () => {
    const { dataDir, leads } = await seeded(['ann@example.com', '=HYPERLINK("x")@evil.com', 'bob,jr@example.com']);
    const run = await cli(['leads', 'export', '--format', 'csv'], { DATA_DIR: dataDir });
    expect(run.code).toBe(0);
    expect(run.stdout.endsWith('\r\n')).toBe(true);
    expect(lines(run.stdout)).toEqual([
      HEADER,
      `${leads[0]?.id},ann@example.com,starter-guide,v-0,2026-03-01T09:00:00.000Z,true,false`,
      `${leads[1]?.id},"'=HYPERLINK(""x"")@evil.com",starter-guide,,2026-03-01T10:00:00.000Z,false,false`,
      `${leads[2]?.id},"bob,jr@example.com",starter-guide,v-2,2026-03-01T11:00:00.000Z,false,false`,
    ]);
    expect(run.stderr).toContain('Exported 3 leads.');
  });

  it('writes JSON lines from --since (a date, or a date-time with its zone) on', async () => {
    const { dataDir, leads } = await seeded(['a@example.com', 'b@example.com', 'c@example.com']);
    const jsonl = async (since: string) => lines((await cli(['leads', 'export', '--format', 'jsonl', '--since', since], { DATA_DIR: dataDir })).stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(await jsonl('2026-03-01T10:00:00Z')).toEqual([
      { id: leads[1]?.id, email: 'b@example.com', offerId: 'starter-guide', visitorId: null, acceptedAt: '2026-03-01T10:00:00.000Z', deliveredDatafast: false, deliveredWebhook: false },
      { id: leads[2]?.id, email: 'c@example.com', offerId: 'starter-guide', visitorId: 'v-2', acceptedAt: '2026-03-01T11:00:00.000Z', deliveredDatafast: false, deliveredWebhook: false },
    ]);
    expect((await jsonl('2026-03-01T11:30+02:00')).map((l) => l.email)).toEqual(['b@example.com', 'c@example.com']);
    expect(await jsonl('2026-03-02')).toEqual([]);
    expect(await jsonl('2026-03-01')).toHaveLength(3);
  });

  it('pages through more leads than a page holds, each once, in order', async () => {
    const { dataDir, leads } = await seeded(Array.from({ length: 1234 }, (_, i) => `bulk-${i}@example.com`));
    const run = await cli(['leads', 'export', '--format', 'jsonl'], { DATA_DIR: dataDir });
    expect(run.code).toBe(0);
    expect(lines(run.stdout).map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(leads.map((l) => l.id));
  });

  it('--output writes a file only its owner can read, in full, with no temporary file left', async () => {
    const { dataDir } = await seeded(['a@example.com', 'b@example.com']);
    const out = join(mkdtempSync(join(base, 'out-')), 'leads.csv');
    const run = await cli(['leads', 'export', '--format', 'csv', '--output', out], { DATA_DIR: dataDir });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`Exported 2 leads to ${out}.`);
    expect(lines(readFileSync(out, 'utf8'))).toHaveLength(3);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(out, '..'))).toEqual(['leads.csv']);
    const nowhere = await cli(['leads', 'export', '--format', 'csv', '--output', join(base, 'no-such-dir', 'x.csv')], { DATA_DIR: dataDir });
    expect(nowhere).toMatchObject({ code: 1, stdout: '' });
    expect(nowhere.stderr).toMatch(/--output: cannot write ".*x\.csv" \(ENOENT\)/);
  });

  it('an empty data directory: the header only, and a note that there is no data yet', async () => {
    const run = await cli(['leads', 'export', '--format', 'csv'], { DATA_DIR: join(base, 'never-used') });
    expect(run).toMatchObject({ code: 0, stdout: `${HEADER}\r\n` });
    expect(run.stderr).toContain('No data yet');
  });

  it('refuses a database the server has not set up, with exit code 1', async () => {
    const dataDir = mkdtempSync(join(base, 'data-'));
    writeFileSync(join(dataDir, 'visitor-offers.sqlite'), '');
    const run = await cli(['leads', 'export', '--format', 'csv'], { DATA_DIR: dataDir });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe('visitor-offers leads: DATA_DIR: the database has not been set up by this version yet: start the server once, then try again');
  });

  it.each([
    [['export'], '--format is required: csv or jsonl'],
    [['export', '--format', 'xlsx'], '--format must be csv or jsonl, not "xlsx"'],
    [['export', '--format', 'csv', '--since', 'yesterday'], '--since "yesterday": expected an ISO date'],
    [['export', '--format', 'csv', '--since', '2026-02-30'], '--since "2026-02-30": expected an ISO date'],
    [['export', '--format', 'csv', '--since', '2026-03-01T09:30'], 'date-time with a time zone'],
    [['export', '--format', 'csv', '--email', 'a@example.com'], '--email is not an option of leads export'],
    [['delete'], '--email is required'],
    [['delete', '--email', 'not-an-address'], '--email must be an email address'],
    [['delete', '--email'], "Option '--email <value>' argument missing"],
    [['purge'], 'unknown action "purge": give export or delete'],
    [[], 'give export or delete'],
  ])('leads %j → exit 2: %s', async (args, message) => {
    const run = await cli(['leads', ...args], { DATA_DIR: join(base, 'never-used') });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('usage: visitor-offers leads export --format csv|jsonl');
  });
});

describe('visitor-offers leads, beside a running server on the same data directory', () => {
  let sim: SimulatedDataFast;
  beforeAll(async () => {
    sim = await startSimulatedDataFast();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('exports what the server stored, and erases an address (any case): gone from the store and from the delivery queue; the server carries on', async () => {
    const dataDir = mkdtempSync(join(base, 'data-'));
    const log = captureLog();
    const m = await mountRouter({ datafast: { apiKey: SIM.apiKey, apiUrl: sim.url, timeoutMs: 1000 }, dataDir, logger: log.logger });
    try {
      const post = (email: string) => request(m.server).post('/visitor-offers/leads').set('Origin', m.origin).send({ email, offerId: 'starter-guide' });
      for (const email of ['keep@example.com', 'Erase.Me@Example.com', 'erase.me@example.com', 'other@example.com']) expect((await post(email)).status).toBe(202);
      const store = await internalsOf(m.router).store.ready;
      const pending = async () => (await store.pendingLeads(['webhook'])).map((l) => l.email);
      // The address's domain is stored in lower case, its local part as given.
      expect(await pending()).toContain('Erase.Me@example.com');

      const exported = await cli(['leads', 'export', '--format', 'jsonl'], { DATA_DIR: dataDir });
      expect(exported.code).toBe(0);
      expect(lines(exported.stdout).map((l) => (JSON.parse(l) as { email: string }).email)).toEqual(['keep@example.com', 'Erase.Me@example.com', 'erase.me@example.com', 'other@example.com']);

      const erased = await cli(['leads', 'delete', '--email', 'ERASE.ME@example.com'], { DATA_DIR: dataDir });
      expect(erased).toMatchObject({ code: 0, stderr: '' });
      expect(erased.stdout.trim()).toBe('Deleted 2 leads with that email (any case); nothing of them is left to deliver.');
      expect(await pending()).toEqual(['keep@example.com', 'other@example.com']);
      expect(await store.leadCount()).toBe(2);
      expect((await cli(['leads', 'delete', '--email', 'erase.me@example.com'], { DATA_DIR: dataDir })).stdout.trim()).toBe('Deleted 0 leads with that email (any case).');

      // The server still takes leads, and the export sees them.
      expect((await post('after@example.com')).status).toBe(202);
      const again = await cli(['leads', 'export', '--format', 'csv'], { DATA_DIR: dataDir });
      expect(lines(again.stdout).slice(1).map((l) => l.split(',')[1])).toEqual(['keep@example.com', 'other@example.com', 'after@example.com']);
      expect(log.text()).not.toContain('erase.me');
    } finally {
      await m.close();
    }
  });
});

describe('visitor-offers leads delete leaves no copy, beside a running server that keeps writing', () => {
  let sim: SimulatedDataFast;
  beforeAll(async () => {
    sim = await startSimulatedDataFast();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('erases a Unicode address from the store, its WAL and the imported old journal, while the server stores leads and orders without a failure', async () => {
    const dataDir = mkdtempSync(join(base, 'data-'));
    const oldLead = (id: string, email: string) => JSON.stringify({ t: 'lead', id, email, offerId: 'starter-guide', visitorId: null, at: T0 });
    writeFileSync(join(dataDir, 'visitor-offers.jsonl'), `${oldLead('old-1', 'ÖZGE@example.com')}\n${oldLead('old-2', 'keep@example.com')}\n${JSON.stringify({ t: 'delivered', id: 'old-1', target: 'webhook' })}\n`, { mode: 0o600 });
    const log = captureLog();
    const m = await mountRouter({ datafast: { apiKey: SIM.apiKey, apiUrl: sim.url, timeoutMs: 1000 }, dataDir, logger: log.logger });
    try {
      const store = await internalsOf(m.router).store.ready;
      const journal = readdirSync(dataDir).find((n) => n.startsWith('visitor-offers.jsonl.imported-'));
      expect(journal).toBeDefined();
      await store.addLead({ email: 'Özge@Example.com', offerId: 'starter-guide', visitorId: 'v-live' }, { deliverTo: ['webhook'] });

      // The server writes all along: leads (grouped commits) and orders (a transaction that reads, then writes).
      let writing = true;
      const failures: unknown[] = [];
      let written = 0;
      const writer = async (lane: number): Promise<void> => {
        for (let i = 0; writing; i += 1) {
          await Promise.all([
            store.addLead({ email: `w${lane}-${i}@example.com`, offerId: 'starter-guide', visitorId: null }, { deliverTo: ['webhook'] }),
            store.recordOrder({ orderId: `o${lane}-${i}`, visitorId: `v${lane}-${i}`, value: 1, currency: 'EUR', source: 'backend' }),
          ]).then(() => void (written += 1), (err: unknown) => void failures.push(err));
        }
      };
      const writers = Promise.all([0, 1, 2].map(writer));
      const runs = [];
      for (const email of ['özge@EXAMPLE.com', 'nobody@example.com', 'ÖZGE@example.com']) runs.push(await cli(['leads', 'delete', '--email', email], { DATA_DIR: dataDir }));
      writing = false;
      await writers;

      expect(failures).toEqual([]);
      expect(written).toBeGreaterThan(0);
      expect(runs.map((r) => [r.code, r.stderr])).toEqual([[0, ''], [0, ''], [0, '']]);
      expect(runs[0]?.stdout).toContain('Deleted 2 leads with that email (any case)');
      expect(runs[0]?.stdout).toContain('Removed 2 lines of it from 1 imported journal in');
      expect(runs[2]?.stdout).toContain('Deleted 0 leads');
      expect(await store.lead('old-1')).toBeUndefined();
      expect(await store.lead('old-2')).toBeDefined();
      expect((await store.pendingLeads(['webhook'])).some((l) => l.email.toLowerCase().startsWith('özge'))).toBe(false);

      // No byte of it left: the database file, its WAL (emptied by the last delete), the kept journal, the log.
      const traces = ['ÖZGE@example.com', 'özge@example.com', 'Özge@example.com'].map((t) => Buffer.from(t));
      for (const file of ['visitor-offers.sqlite', 'visitor-offers.sqlite-wal', journal ?? '']) {
        const bytes = readFileSync(join(dataDir, file));
        expect({ file, found: traces.filter((t) => bytes.includes(t)).map(String) }).toEqual({ file, found: [] });
      }
      expect(readFileSync(join(dataDir, journal ?? ''), 'utf8')).toBe(`${oldLead('old-2', 'keep@example.com')}\n`);
      expect(log.text().toLowerCase()).not.toContain('özge');
    } finally {
      await m.close();
    }
  }, 60_000);
});

describe('visitor-offers leads on Postgres (DATABASE_URL)', () => {
  let pg: Postgres;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it('exports and erases the leads of the database, DATA_DIR unused', async () => {
    const url = await pg.createDatabase();
    const { leads } = await seeded(['ann@example.com', 'Bob@Example.com', 'bob@example.com'], { databaseUrl: url });
    const env = { DATABASE_URL: url, DATA_DIR: join(base, 'never-used') };
    const csv = await cli(['leads', 'export', '--format', 'csv', '--since', '2026-03-01T10:00:00Z'], env);
    expect(csv.code).toBe(0);
    expect(lines(csv.stdout)).toEqual([
      HEADER,
      `${leads[1]?.id},Bob@Example.com,starter-guide,,2026-03-01T10:00:00.000Z,false,false`,
      `${leads[2]?.id},bob@example.com,starter-guide,v-2,2026-03-01T11:00:00.000Z,false,false`,
    ]);
    const erased = await cli(['leads', 'delete', '--email', 'BOB@example.com'], env);
    expect(erased).toMatchObject({ code: 0 });
    expect(erased.stdout).toContain('Deleted 2 leads');
    const store = await openStore({ dataDir: join(base, 'never-used'), databaseUrl: url, retentionDays: null });
    try {
      expect((await store.pendingLeads(['webhook', 'datafast'])).map((l) => l.email)).toEqual(['ann@example.com']);
    } finally {
      await store.close();
    }
  });

  it('an unreachable database: exit 1 naming DATABASE_URL by its error code, never its password', async () => {
    const run = await cli(['leads', 'export', '--format', 'csv'], { DATABASE_URL: 'postgres://u:s3cret-pw@127.0.0.1:1/none' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe('visitor-offers leads: DATABASE_URL: the store failed (ECONNREFUSED)');
    expect(run.stderr).not.toContain('s3cret-pw');
  });
});
