// Erasure in the journals kept after their import (`visitor-offers.jsonl.imported-<time>` in the
// data directory, journal-import.ts): `leads delete` rewrites each without the address's lead
// records and their delivery records, so the kept copy does not outlive the erasure. A line that
// is not JSON (damaged, or torn by a crash: never imported) goes too when its text holds the
// address's local part and `@` — a torn line may end mid-domain. Streamed a chunk at a time (memory does not
// grow with the file); the rewrite is written beside it (mode 0600), fsynced and renamed over it,
// so a failure leaves the old file whole. The server never writes these files: no lock is needed
// against it (two `leads delete` at once on one data directory could lose one's rewrite: run them
// one after the other).
import { constants } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { emailKey } from './email-key.js';
import { JOURNAL_FILE } from './journal.js';

const IMPORTED = `${JOURNAL_FILE}.imported-`;
const NEWLINE = 0x0a;
const READ_CHUNK = 1 << 16;

export interface JournalErasure {
  /** Imported journals looked at. */
  files: number;
  /** Lines taken out of them. */
  lines: number;
}

/** Takes `email`'s leads (compared by emailKey) out of every imported journal in `dataDir`. */
export async function eraseFromImportedJournals(dataDir: string, email: string): Promise<JournalErasure> {
  let names: string[];
  try {
    names = (await readdir(dataDir)).filter((n) => n.startsWith(IMPORTED) && !n.includes('.erasing-'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { files: 0, lines: 0 };
    throw err;
  }
  let lines = 0;
  for (const name of names.sort()) lines += await eraseFromFile(join(dataDir, name), emailKey(email));
  return { files: names.length, lines };
}

/** Rewrites `path` without the key's lines, if it has any; resolves with how many went. */
async function eraseFromFile(path: string, key: string): Promise<number> {
  const temp = `${path}.erasing-${process.pid}`;
  const input = await open(path, constants.O_RDONLY);
  const output = await open(temp, 'wx', 0o600);
  const match = new LineMatcher(key);
  let dropped = 0;
  try {
    const chunk = Buffer.allocUnsafe(READ_CHUNK);
    let carry: Buffer = Buffer.alloc(0);
    for (let position = 0; ; ) {
      const { bytesRead } = await input.read(chunk, 0, READ_CHUNK, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      const kept: Buffer[] = [];
      let start = 0;
      for (let end = data.indexOf(NEWLINE, start); end !== -1; end = data.indexOf(NEWLINE, start)) {
        if (match.drops(data.subarray(start, end))) dropped += 1;
        else kept.push(data.subarray(start, end + 1));
        start = end + 1;
      }
      if (kept.length > 0) await output.write(Buffer.concat(kept));
      // Copy: `chunk` is reused by the next read.
      carry = Buffer.from(data.subarray(start));
    }
    // An unterminated last line (a crash mid-write), kept unterminated.
    if (carry.length > 0) {
      if (match.drops(carry)) dropped += 1;
      else await output.write(carry);
    }
    if (dropped > 0) await output.sync();
  } catch (err) {
    await output.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  } finally {
    await input.close();
  }
  await output.close();
  if (dropped === 0) await rm(temp, { force: true });
  else await rename(temp, path);
  return dropped;
}

/** Decides line by line; remembers the ids of the leads it dropped, for their later delivery records. */
class LineMatcher {
  readonly #ids = new Set<string>();
  /** `local@`: what a damaged line must hold to go. */
  readonly #local: string;
  constructor(private readonly key: string) {
    const at = key.lastIndexOf('@');
    this.#local = at > 0 ? key.slice(0, at + 1) : key;
  }

  drops(bytes: Buffer): boolean {
    const text = bytes.toString('utf8');
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      return emailKey(text).includes(this.#local);
    }
    if (typeof record !== 'object' || record === null) return false;
    const { t, id, email } = record as Record<string, unknown>;
    if (t === 'lead' && typeof email === 'string' && emailKey(email) === this.key) {
      if (typeof id === 'string') this.#ids.add(id);
      return true;
    }
    return t === 'delivered' && typeof id === 'string' && this.#ids.has(id);
  }
}
