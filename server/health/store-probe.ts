// Whether the store takes a durable write right now: an open database says nothing until it is
// written to, so only a real write tells a full or read-only disk from a healthy one. The store
// makes the write (Store.probe: a row committed durably, and for SQLite first a file in the data
// directory, below); this class runs it when asked, one at a time, and remembers the outcome.
import { constants } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode } from '../store/backend.js';

export interface ProbeResult {
  ok: boolean;
  /** When the probe finished (epoch ms). */
  at: number;
  /** The failure's error code (`ENOSPC`, `EROFS`, `SQLITE_FULL`, a Postgres SQLSTATE…), null when ok. */
  code: string | null;
}

/** The probe file's name inside the data directory. */
export const PROBE_FILE = '.visitor-offers-write-probe';

/** One block: enough that a full disk must allocate for it. */
const BLOCK = Buffer.alloc(4096, 0x2e);

/**
 * Creates a small file in `dir`, writes one block, fdatasyncs and removes it: a full disk fails
 * the write (ENOSPC), a read-only one the create (EROFS). SQLite may still find room in pages it
 * already has, so this tells first. Rejects with the failure (its `code` set).
 */
export async function probeDirectory(dir: string): Promise<void> {
  const path = join(dir, PROBE_FILE);
  let handle: FileHandle | null = null;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
    await handle.write(BLOCK, 0, BLOCK.length, 0);
    await handle.datasync();
    await handle.close();
    handle = null;
    await unlink(path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    // Whatever was created must not stay behind to fill the disk further.
    await unlink(path).catch(() => undefined);
    throw err;
  }
}

export class StoreProbe {
  readonly #write: () => Promise<void>;
  readonly #now: () => number;
  #last: ProbeResult | null = null;
  #running: Promise<ProbeResult> | null = null;
  #runs = 0;

  /** `write`: one durable write to the store (`() => store.probe()`). */
  constructor(write: () => Promise<void>, now: () => number = Date.now) {
    this.#write = write;
    this.#now = now;
  }

  /** The latest finished probe, or null before the first. */
  get last(): ProbeResult | null {
    return this.#last;
  }

  /** Probes started so far. */
  get runs(): number {
    return this.#runs;
  }

  /** Probes now; a caller arriving while one runs shares it. Never rejects. */
  run(): Promise<ProbeResult> {
    this.#running ??= this.#probe().then((result) => {
      this.#last = result;
      this.#running = null;
      return result;
    });
    return this.#running;
  }

  async #probe(): Promise<ProbeResult> {
    this.#runs += 1;
    try {
      await this.#write();
      return { ok: true, at: this.#now(), code: null };
    } catch (err) {
      return { ok: false, at: this.#now(), code: errorCode(err) };
    }
  }
}
