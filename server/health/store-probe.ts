// Whether the data directory takes a durable write right now: the store's journal stays open once
// opened, so only a real write tells a full or read-only disk from a healthy one. The probe
// creates a small file, writes one block, fdatasyncs, and removes it; a full disk fails the
// write (ENOSPC), a read-only one the create (EROFS). Cheap (one block, one sync), and runs only
// when asked, one at a time.
import { constants } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export interface ProbeResult {
  ok: boolean;
  /** When the probe finished (epoch ms). */
  at: number;
  /** The failure's error code (`ENOSPC`, `EROFS`, `EACCES`…), null when ok. */
  code: string | null;
}

/** The probe file's name inside the data directory. */
export const PROBE_FILE = '.visitor-offers-write-probe';

/** One block: enough that a full disk must allocate for it. */
const BLOCK = Buffer.alloc(4096, 0x2e);

export class StoreProbe {
  readonly #path: string;
  readonly #now: () => number;
  #last: ProbeResult | null = null;
  #running: Promise<ProbeResult> | null = null;
  #runs = 0;

  constructor(dataDir: string, now: () => number = Date.now) {
    this.#path = join(dataDir, PROBE_FILE);
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
    let handle: FileHandle | null = null;
    try {
      handle = await open(this.#path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
      await handle.write(BLOCK, 0, BLOCK.length, 0);
      await handle.datasync();
      await handle.close();
      handle = null;
      await unlink(this.#path);
      return { ok: true, at: this.#now(), code: null };
    } catch (err) {
      await handle?.close().catch(() => undefined);
      // Whatever was created must not stay behind to fill the disk further.
      await unlink(this.#path).catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code;
      return { ok: false, at: this.#now(), code: typeof code === 'string' ? code : 'EIO' };
    }
  }
}
