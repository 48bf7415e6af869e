// `visitor-offers leads export --format csv|jsonl [--since <date>] [--output <file>]` and
// `visitor-offers leads delete --email <address>`: the leads in the store the server uses
// (DATABASE_URL, else DATA_DIR), also while it runs.
//
// Export reads (SQLite: read-only, no lock) page by page in the order leads were stored, so
// memory stays one page whatever the table's size; leads stored while it runs may or may not be
// in it. To stdout, or to a file (mode 0600: it holds emails) written under a temporary name and
// renamed when complete, so a failed export never leaves a file that looks whole.
//
// Delete erases every lead of an address, whatever its case (GDPR erasure): the lead is also its
// pending delivery, so it leaves the webhook queue with it; SQLite's WAL is emptied after it, and
// the journals kept after their import (DATA_DIR) are rewritten without the address. Exit codes: 0 done, 1 the store failed
// or is not set up, 2 a usage mistake.
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { ConfigError } from '../config/config-error.js';
import type { Env } from '../config/env.js';
import { exportHeader, exportLine, type ExportFormat } from '../leads/export-rows.js';
import { errorCode } from '../store/backend.js';
import { eraseFromImportedJournals } from '../store/journal-erase.js';
import { openCommandStore, SchemaNotCurrentError } from '../store/command-store.js';
import type { Store } from '../store/store.js';
import { parseLeadsArgs } from './leads-args.js';
import { storeEnv } from './store-env.js';

/** Leads read (and held in memory) at a time. */
export const EXPORT_PAGE = 500;

export async function leads(args: string[], env: Env): Promise<number> {
  const action = parseLeadsArgs(args);
  const where = storeEnv(env);
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  let store: Store | null;
  try {
    store = await openCommandStore({ dataDir: where.dataDir, databaseUrl: where.databaseUrl, access: action.action === 'export' ? 'read' : 'write' });
  } catch (err) {
    if (err instanceof SchemaNotCurrentError) throw new ConfigError(where.place, err.message);
    throw storeFailed(where.place, err);
  }
  try {
    if (action.action === 'delete') {
      const deleted = store === null ? 0 : await store.deleteLeadsByEmail(action.email);
      if (store === null) say(`No data yet in ${where.dataDir}: nothing to delete.`);
      console.log(`Deleted ${deleted} lead${deleted === 1 ? '' : 's'} with that email (any case)${deleted === 0 ? '.' : '; nothing of them is left to deliver.'}`);
      const journals = await eraseFromImportedJournals(where.dataDir, action.email).catch((err: unknown) => {
        throw new ConfigError('DATA_DIR', `the imported journal could not be rewritten (${errorCode(err)}); the store's leads are deleted, run the command again`);
      });
      if (journals.files > 0) console.log(`Removed ${journals.lines} line${journals.lines === 1 ? '' : 's'} of it from ${journals.files} imported journal${journals.files === 1 ? '' : 's'} in ${where.dataDir}.`);
      return 0;
    }
    if (store === null) say(`No data yet in ${where.dataDir}: no leads to export.`);
    const { count, complete } = await exportLeads(store, action.format, action.since, action.output);
    const leads = `${count} lead${count === 1 ? '' : 's'}`;
    say(complete ? `Exported ${leads}${action.output === null ? '' : ` to ${action.output}`}.` : 'Stopped: the reader closed the output.');
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw storeFailed(where.place, err);
  } finally {
    await store?.close().catch(() => undefined);
  }
}

/** Writes the header and every lead accepted since `since`, page by page; resolves with how many were written. */
async function exportLeads(store: Store | null, format: ExportFormat, since: number | null, output: string | null): Promise<{ count: number; complete: boolean }> {
  const partial = output === null ? null : `${output}.partial-${process.pid}`;
  const out: Writable = partial === null ? process.stdout : createWriteStream(partial, { flags: 'wx', mode: 0o600 });
  // A write error is kept and thrown at the next write (a stream's error event has no caller).
  let failure: unknown = null;
  out.on('error', (err) => void (failure ??= err));
  const write = async (chunk: string): Promise<void> => {
    if (failure === null && chunk !== '' && !out.write(chunk)) {
      // The reader is behind (a slow pipe, a disk): wait for it, or for the error that ends it.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          out.off('drain', done);
          out.off('error', done);
          resolve();
        };
        out.on('drain', done);
        out.on('error', done);
      });
    }
    if (failure !== null) throw failure;
  };
  let count = 0;
  try {
    await write(exportHeader(format));
    for (let afterSeq = 0; store !== null; ) {
      const page = await store.leadsPage({ afterSeq, since: since ?? undefined, limit: EXPORT_PAGE });
      if (page.length === 0) break;
      await write(page.map((lead) => exportLine(format, lead)).join(''));
      count += page.length;
      afterSeq = page[page.length - 1]?.seq ?? afterSeq;
    }
    if (partial !== null && output !== null) {
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      if (failure !== null) throw failure;
      renameSync(partial, output);
    }
    return { count, complete: true };
  } catch (err) {
    // The reader of stdout went away (`| head`): it has what it wanted.
    if (partial === null && (err as NodeJS.ErrnoException).code === 'EPIPE') return { count, complete: false };
    if (partial !== null) {
      out.destroy();
      rmSync(partial, { force: true });
    }
    const ofFile = err === failure || (err as NodeJS.ErrnoException).path === partial;
    throw output !== null && ofFile ? fileFailed(output, err) : err;
  }
}

function fileFailed(output: string, err: unknown): ConfigError {
  return new ConfigError('--output', `cannot write "${output}" (${errorCode(err)})`);
}

/** By its code only: a Postgres error could name the server, never the password, but the code says enough. */
function storeFailed(place: string, err: unknown): ConfigError {
  const code = errorCode(err);
  const hint = code === 'SQLITE_BUSY' ? ': the server held the database longer than the busy timeout; try again' : '';
  return new ConfigError(place, `the store failed (${code})${hint}`);
}
