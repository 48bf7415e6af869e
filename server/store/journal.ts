// An append-only JSON-lines journal: one record per line, each append durable (written and
// fdatasync'ed) before its promise resolves.
//
// - Group commit: appends that arrive while a write + fdatasync is in flight are queued and written
//   together with ONE write and ONE fdatasync when it finishes, so N concurrent appends cost about
//   two fsyncs, not N. Order is strict: records reach the file, and promises resolve, in call order.
// - Crash safety: a record is acknowledged only after its whole line, newline included, is synced,
//   so a crash can leave at most an unterminated tail that nobody was told is stored. `open` drops
//   that tail (and truncates it away, so the next record starts on a fresh line). Any other line
//   that is not JSON is corruption: `open` throws a JournalCorruptError naming file and line.
// - Failure: when a write or fdatasync fails, that batch's appends reject and the file is truncated
//   back to its last synced length (then synced), so a rejected record can never reappear after a
//   restart. If even that fails, the journal is "broken": every later append rejects with the cause,
//   until the process reopens it. (After a failed fsync the page cache cannot be trusted — see
//   PostgreSQL's "fsyncgate" — so we never retry a failed batch ourselves.)
// - One writer per file: there is no inter-process lock; two processes appending to one file would
//   overwrite each other's records. Give each instance its own data directory.
// - The directory is created 0700 and the file 0600: records may hold emails.
import { constants, type PathLike } from 'node:fs';
import { mkdir, open as openFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface JournalOpenOptions {
  /**
   * Called once per stored record, in file order, while `open` replays the file (before any append
   * is possible). `line` is 1-based. Throwing aborts `open`; the error is wrapped with file and line.
   */
  onRecord?: (record: unknown, line: number) => void;
}

export interface JournalStats {
  /** Records replayed by `open`. */
  replayed: number;
  /** Bytes of a torn (unterminated) last line dropped by `open`; 0 after a clean shutdown. */
  tornBytes: number;
  /** Records appended (acknowledged) since `open`. */
  appended: number;
  /** write + fdatasync rounds since `open` (each acknowledges one batch of appends). */
  syncs: number;
  /** Current length of the file in bytes (all of it synced). */
  size: number;
  /** Batches whose write or fdatasync failed since `open` (their appends were rejected). */
  failures: number;
  /** The error code of the latest failed batch (`ENOSPC`, `EIO`…), or null if none failed. */
  lastFailureCode: string | null;
  /** A failed batch could not be cut back: every later append rejects until the file is reopened. */
  broken: boolean;
}

/** A line of the journal that is not a record (and is not a torn last line). */
export class JournalCorruptError extends Error {
  override readonly name = 'JournalCorruptError';
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
  }
}

interface Pending {
  bytes: Buffer;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const NEWLINE = 0x0a;
const READ_CHUNK = 1 << 16;

export class Journal {
  readonly path: string;
  private readonly handle: FileHandle;
  /** Synced length of the file: where the next batch is written. */
  private size: number;
  private queue: Pending[] = [];
  /** The running flush loop, if any. */
  private flushing: Promise<void> | null = null;
  private broken: Error | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly counters: { replayed: number; tornBytes: number; appended: number; syncs: number; failures: number };
  private lastFailureCode: string | null = null;

  private constructor(path: string, handle: FileHandle, size: number, replayed: number, tornBytes: number) {
    this.path = path;
    this.handle = handle;
    this.size = size;
    this.counters = { replayed, tornBytes, appended: 0, syncs: 0, failures: 0 };
  }

  /**
   * Opens (creating if needed) the journal at `path`, replays its records through `onRecord`, drops
   * a torn last line, and returns a journal ready for appends.
   */
  static async open(path: string, options: JournalOpenOptions = {}): Promise<Journal> {
    const dir = dirname(path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await openFile(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    try {
      const { validLength, fileLength, replayed } = await scan(handle, path, options.onRecord);
      if (validLength < fileLength) {
        // The unterminated tail of a write interrupted by a crash: never acknowledged, drop it.
        await handle.truncate(validLength);
        await handle.datasync();
      }
      await syncDirectory(dir);
      return new Journal(path, handle, validLength, replayed, fileLength - validLength);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Replays the journal at `path` without opening it for writing: a reader beside a running server
   * (`npm run results`) must never truncate the tail the server is writing. Returns the count read.
   */
  static async read(path: string, onRecord: NonNullable<JournalOpenOptions['onRecord']>): Promise<number> {
    const handle = await openFile(path, constants.O_RDONLY);
    try {
      return (await scan(handle, path, onRecord)).replayed;
    } finally {
      await handle.close();
    }
  }

  /**
   * Appends one record (any JSON-serialisable value) as one line. Resolves once the line is written
   * and fdatasync'ed; rejects (and the record is not stored) if serialising, writing or syncing fails
   * or the journal is closed or broken.
   */
  append(record: unknown): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`journal ${this.path} is closed`));
    if (this.broken !== null) return Promise.reject(this.broken);
    let line: string | undefined;
    try {
      line = JSON.stringify(record);
    } catch (error) {
      return Promise.reject(error);
    }
    if (typeof line !== 'string') {
      return Promise.reject(new TypeError('journal records must be JSON-serialisable values'));
    }
    // JSON.stringify escapes control characters inside strings, so `line` holds no raw newline.
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ bytes, resolve, reject });
      // Start the flush loop in a microtask: every append made in this same tick joins the first batch.
      if (this.flushing === null) this.flushing = Promise.resolve().then(() => this.flush());
    });
  }

  stats(): JournalStats {
    return { ...this.counters, size: this.size, lastFailureCode: this.lastFailureCode, broken: this.broken !== null };
  }

  /** Waits for queued appends to be stored, then closes the file. Later appends reject. Idempotent. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.closed = true;
      this.closing = (async () => {
        while (this.flushing !== null) await this.flushing;
        await this.handle.close();
      })();
    }
    return this.closing;
  }

  /** Writes queued appends in batches: one write + one fdatasync per batch, batches in order. */
  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        if (this.broken !== null) {
          for (const pending of batch) pending.reject(this.broken);
          continue;
        }
        const bytes = batch.length === 1 ? batch[0]!.bytes : Buffer.concat(batch.map((pending) => pending.bytes));
        try {
          await writeAll(this.handle, bytes, this.size);
          await this.handle.datasync();
        } catch (error) {
          // Counted for readiness (a full disk shows here first): see server/health/readiness.ts.
          this.counters.failures += 1;
          this.lastFailureCode = errorCode(error);
          await this.rollBack(error);
          for (const pending of batch) pending.reject(error);
          continue;
        }
        this.size += bytes.length;
        this.counters.syncs += 1;
        this.counters.appended += batch.length;
        for (const pending of batch) pending.resolve();
      }
    } finally {
      this.flushing = null;
    }
  }

  /** After a failed batch: cut the file back to its synced length, or mark the journal broken. */
  private async rollBack(cause: unknown): Promise<void> {
    try {
      await this.handle.truncate(this.size);
      await this.handle.datasync();
    } catch {
      const detail = cause instanceof Error ? cause.message : String(cause);
      this.broken = new Error(`journal ${this.path} is unusable after a failed write (${detail}); reopen it`, {
        cause,
      });
    }
  }
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : 'EIO';
}

async function writeAll(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, position + offset);
    if (bytesWritten <= 0) throw new Error('journal write made no progress');
    offset += bytesWritten;
  }
}

/**
 * Reads the whole file in chunks, handing each complete line to `onRecord`. Returns the length up to
 * the end of the last complete (newline-terminated) line; whatever follows it is a torn tail.
 */
async function scan(
  handle: FileHandle,
  file: string,
  onRecord: JournalOpenOptions['onRecord'],
): Promise<{ validLength: number; fileLength: number; replayed: number }> {
  const chunk = Buffer.allocUnsafe(READ_CHUNK);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let carry: Buffer = Buffer.alloc(0);
  let position = 0;
  let validLength = 0;
  let lineNumber = 0;
  let replayed = 0;
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, READ_CHUNK, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const data: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    let start = 0;
    for (let end = data.indexOf(NEWLINE, start); end !== -1; end = data.indexOf(NEWLINE, start)) {
      lineNumber += 1;
      const text = decodeLine(decoder, data.subarray(start, end), file, lineNumber);
      start = end + 1;
      if (text.trim() !== '') {
        const record = parseLine(text, file, lineNumber);
        replayed += 1;
        if (onRecord !== undefined) {
          try {
            onRecord(record, lineNumber);
          } catch (error) {
            if (error instanceof JournalCorruptError) throw error;
            const detail = error instanceof Error ? error.message : String(error);
            throw new JournalCorruptError(file, lineNumber, detail);
          }
        }
      }
    }
    validLength = position - (data.length - start);
    // Copy: `chunk` is reused by the next read.
    carry = Buffer.from(data.subarray(start));
  }
  return { validLength, fileLength: position, replayed };
}

function decodeLine(decoder: TextDecoder, bytes: Uint8Array, file: string, line: number): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new JournalCorruptError(file, line, 'malformed record (invalid UTF-8)');
  }
}

function parseLine(text: string, file: string, line: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const preview = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    throw new JournalCorruptError(
      file,
      line,
      `malformed record (${detail}): ${JSON.stringify(preview)}. Only a torn last line is skipped; ` +
        'a bad line before others means the file was damaged or edited — repair or remove that line.',
    );
  }
}

/** Makes a newly created file's directory entry durable. Not possible (nor needed) on Windows. */
async function syncDirectory(dir: PathLike): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await openFile(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
