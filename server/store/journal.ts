// The JSON-lines journal the store kept before it moved to SQL (one record per line), read once
// to import it (journal-import.ts). Reading tolerates what a crash could leave (an unterminated
// last line is skipped) and nothing else: any other line that is not JSON is reported with its
// file, line number and length — never its text, which may hold an email.
import { constants } from 'node:fs';
import { open as openFile, type FileHandle } from 'node:fs/promises';

/** The journal's file name in the data directory. */
export const JOURNAL_FILE = 'visitor-offers.jsonl';

/** Called once per record, in file order; `line` is 1-based. Throwing stops the read (wrapped with file and line). */
export type OnRecord = (record: unknown, line: number) => void | Promise<void>;

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

const NEWLINE = 0x0a;
const READ_CHUNK = 1 << 16;

/** Reads the journal at `path` without changing it; resolves with the records read and the bytes of a torn last line. */
export async function readJournal(path: string, onRecord: OnRecord): Promise<{ records: number; tornBytes: number }> {
  const handle = await openFile(path, constants.O_RDONLY);
  try {
    const { validLength, fileLength, replayed } = await scan(handle, path, onRecord);
    return { records: replayed, tornBytes: fileLength - validLength };
  } finally {
    await handle.close();
  }
}

/**
 * Reads the whole file in chunks, handing each complete line to `onRecord`. Returns the length up to
 * the end of the last complete (newline-terminated) line; whatever follows it is a torn tail.
 */
async function scan(
  handle: FileHandle,
  file: string,
  onRecord: OnRecord,
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
        {
          try {
            await onRecord(record, lineNumber);
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
  } catch {
    // Neither the text nor JSON.parse's message (which quotes it): a lead line holds an email.
    throw new JournalCorruptError(
      file,
      line,
      `malformed record (not JSON, ${Buffer.byteLength(text)} bytes). Only a torn last line is skipped; ` +
        'a bad line before others means the file was damaged or edited — repair or remove that line.',
    );
  }
}
