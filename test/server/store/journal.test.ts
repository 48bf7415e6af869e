// Reading the JSON-lines journal the store kept before SQL, as the import does: records in file
// order with their line numbers, a torn (unterminated) last line skipped and measured, anything
// else that is not a record refused with its file and line. The file is never changed.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJournal } from '../../../server/store/journal';

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journal-test-'));
  path = join(dir, 'j.jsonl');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(): Promise<{ records: Array<[unknown, number]>; result: { records: number; tornBytes: number } }> {
  const records: Array<[unknown, number]> = [];
  const result = await readJournal(path, (record, line) => void records.push([record, line]));
  return { records, result };
}

describe('readJournal', () => {
  it('reads every record in order with its line number; blank lines count as lines', async () => {
    await writeFile(path, '{"t":"a"}\n\n{"t":"b","n":1}\n');
    expect(await readAll()).toEqual({ records: [[{ t: 'a' }, 1], [{ t: 'b', n: 1 }, 3]], result: { records: 2, tornBytes: 0 } });
  });

  it('reads a file larger than one read chunk, lines across chunk boundaries', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ t: 'x', i, pad: 'p'.repeat(i % 97) }));
    await writeFile(path, `${lines.join('\n')}\n`);
    const { records } = await readAll();
    expect(records.map(([r]) => (r as { i: number }).i)).toEqual(lines.map((_, i) => i));
  });

  it('skips a torn last line (even one that parses: it was never acknowledged) and leaves the file as it was', async () => {
    const text = '{"t":"a"}\n{"t":"b"}';
    await writeFile(path, text);
    expect(await readAll()).toEqual({ records: [[{ t: 'a' }, 1]], result: { records: 1, tornBytes: 9 } });
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('refuses a malformed line before the end, naming the file and line', async () => {
    await writeFile(path, '{"t":"a"}\nnot json\n{"t":"b"}\n');
    await expect(readAll()).rejects.toThrow(`${path}:2: malformed record`);
  });

  it('a malformed lead line: the error gives line and length, never a fragment of its text (an email)', async () => {
    const bad = '{"t":"lead","id":"l1","email":"secret.person@example.com","offerId":"o"';
    await writeFile(path, `{"t":"a"}\n${bad}\n{"t":"b"}\n`);
    const err = await readAll().catch((e: unknown) => e);
    expect(String((err as Error).message)).toContain(`${path}:2: malformed record (not JSON, ${bad.length} bytes)`);
    expect(String((err as Error).message)).not.toMatch(/secret|example\.com|lead/);
  });

  it('refuses invalid UTF-8 with the line number', async () => {
    await writeFile(path, Buffer.concat([Buffer.from('{"t":"a"}\n{"t":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]));
    await expect(readAll()).rejects.toThrow(`${path}:2: malformed record (invalid UTF-8)`);
  });

  it('wraps an error thrown by the callback with the file and line', async () => {
    await writeFile(path, '{"t":"a"}\n{"t":"b"}\n');
    await expect(readJournal(path, (_r, line) => {
      if (line === 2) throw new Error('bad field');
    })).rejects.toThrow(`${path}:2: bad field`);
  });
});
