import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Journal, JournalCorruptError } from '../../../server/store/journal';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journal-test-'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

/** Opens the journal and collects what it replays. */
async function openWithRecords(path: string): Promise<{ journal: Journal; records: unknown[]; lines: number[] }> {
  const records: unknown[] = [];
  const lines: number[] = [];
  const journal = await Journal.open(path, {
    onRecord: (record, line) => {
      records.push(record);
      lines.push(line);
    },
  });
  return { journal, records, lines };
}

async function replayAll(path: string): Promise<unknown[]> {
  const { journal, records } = await openWithRecords(path);
  await journal.close();
  return records;
}

/** The prototype every FileHandle shares, so its methods can be made to fail. */
async function fileHandlePrototype(): Promise<FileHandle> {
  const handle = await open(join(dir, 'probe'), 'w');
  await handle.close();
  return Object.getPrototypeOf(handle) as FileHandle;
}

describe('Journal', () => {
  it('creates its directory 0700 and its file 0600, empty', async () => {
    const path = join(dir, 'data', 'nested', 'j.jsonl');
    const { journal, records } = await openWithRecords(path);
    expect(records).toEqual([]);
    expect(journal.stats()).toEqual({ replayed: 0, tornBytes: 0, appended: 0, syncs: 0, size: 0, failures: 0, lastFailureCode: null, broken: false });
    await journal.close();
    if (process.platform !== 'win32') {
      expect((await stat(join(dir, 'data', 'nested'))).mode & 0o777).toBe(0o700);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
    }
  });

  it('replays appended records in order after a reopen, one JSON line each', async () => {
    const path = join(dir, 'j.jsonl');
    const written: unknown[] = [
      { t: 'a', n: 1 },
      { t: 'b', text: 'line\nbreak and "quotes" and ünïcødé 🎉' },
      [1, 2, 3],
      'a string',
      42,
      null,
    ];
    const journal = await Journal.open(path);
    for (const record of written) await journal.append(record);
    expect(journal.stats()).toMatchObject({ appended: written.length, syncs: written.length });
    await journal.close();

    const text = await readFile(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(written.length + 1);

    const { journal: reopened, records, lines } = await openWithRecords(path);
    expect(records).toEqual(written);
    expect(lines).toEqual([1, 2, 3, 4, 5, 6]);
    expect(reopened.stats()).toMatchObject({ replayed: written.length, tornBytes: 0, size: Buffer.byteLength(text) });
    // Appends continue after the replayed records.
    await reopened.append({ t: 'c' });
    await reopened.close();
    expect(await replayAll(path)).toEqual([...written, { t: 'c' }]);
  });

  it('replays a file larger than one read chunk, with lines across chunk boundaries', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = await Journal.open(path);
    const written = Array.from({ length: 3_000 }, (_, i) => ({ i, pad: 'x'.repeat(i % 97) }));
    await Promise.all(written.map((record) => journal.append(record)));
    await journal.close();
    expect((await stat(path)).size).toBeGreaterThan(3 * 65_536);
    expect(await replayAll(path)).toEqual(written);
  });

  it('skips blank lines but counts them in line numbers', async () => {
    const path = join(dir, 'j.jsonl');
    await writeFile(path, '{"a":1}\n\n  \n{"a":2}\n');
    const { journal, records, lines } = await openWithRecords(path);
    await journal.close();
    expect(records).toEqual([{ a: 1 }, { a: 2 }]);
    expect(lines).toEqual([1, 4]);
  });

  it('drops a torn last line, truncates it away, and the next append starts on a fresh line', async () => {
    const path = join(dir, 'j.jsonl');
    const good = '{"t":"lead","id":"1"}\n{"t":"lead","id":"2"}\n';
    const torn = '{"t":"lead","id":"3","ema';
    await writeFile(path, good + torn);

    const { journal, records } = await openWithRecords(path);
    expect(records).toEqual([
      { t: 'lead', id: '1' },
      { t: 'lead', id: '2' },
    ]);
    expect(journal.stats()).toMatchObject({ tornBytes: torn.length, size: good.length });
    expect(await readFile(path, 'utf8')).toBe(good);

    await journal.append({ t: 'lead', id: '4' });
    await journal.close();
    expect(await readFile(path, 'utf8')).toBe(`${good}{"t":"lead","id":"4"}\n`);
    expect(await replayAll(path)).toEqual([
      { t: 'lead', id: '1' },
      { t: 'lead', id: '2' },
      { t: 'lead', id: '4' },
    ]);
  });

  it('drops an unterminated last line even when it parses: it was never acknowledged', async () => {
    const path = join(dir, 'j.jsonl');
    await writeFile(path, '{"a":1}\n{"a":2}');
    const { journal, records } = await openWithRecords(path);
    expect(records).toEqual([{ a: 1 }]);
    await journal.append({ a: 3 });
    await journal.close();
    expect(await replayAll(path)).toEqual([{ a: 1 }, { a: 3 }]);
  });

  it('treats a file that is only a torn line as empty', async () => {
    const path = join(dir, 'j.jsonl');
    await writeFile(path, '{"a":');
    const { journal, records } = await openWithRecords(path);
    expect(records).toEqual([]);
    await journal.append({ a: 1 });
    await journal.close();
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n');
  });

  it('refuses a malformed line before the end, naming the file and line, and leaves the file alone', async () => {
    const path = join(dir, 'j.jsonl');
    const content = '{"a":1}\n{"a":2}\n{"a":3,oops}\n{"a":4}\n';
    await writeFile(path, content);
    const failure = Journal.open(path);
    await expect(failure).rejects.toBeInstanceOf(JournalCorruptError);
    await expect(Journal.open(path)).rejects.toThrow(`${path}:3: malformed record`);
    await expect(Journal.open(path)).rejects.toMatchObject({ file: path, line: 3 });
    expect(await readFile(path, 'utf8')).toBe(content);
  });

  it('refuses a malformed terminated last line (a torn write never ends with a newline)', async () => {
    const path = join(dir, 'j.jsonl');
    await writeFile(path, '{"a":1}\n{"a":\n');
    await expect(Journal.open(path)).rejects.toThrow(`${path}:2: malformed record`);
  });

  it('refuses invalid UTF-8 with the line number', async () => {
    const path = join(dir, 'j.jsonl');
    await writeFile(path, Buffer.concat([Buffer.from('{"a":1}\n{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]));
    await expect(Journal.open(path)).rejects.toThrow(`${path}:2: malformed record (invalid UTF-8)`);
  });

  it('wraps an error thrown by onRecord with the file and line', async () => {
    const path = join(dir, 'j.jsonl');
    await writeFile(path, '{"a":1}\n{"a":2}\n');
    const opening = Journal.open(path, {
      onRecord: (_record, line) => {
        if (line === 2) throw new Error('bad record');
      },
    });
    await expect(opening).rejects.toThrow(`${path}:2: bad record`);
  });

  it('group commit: 500 concurrent appends all resolve, share a few fsyncs, and are stored in call order', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = await Journal.open(path);
    const written = Array.from({ length: 500 }, (_, i) => ({ t: 'n', i }));
    await Promise.all(written.map((record) => journal.append(record)));
    const { appended, syncs } = journal.stats();
    expect(appended).toBe(500);
    expect(syncs).toBeLessThanOrEqual(2);
    await journal.close();
    expect(await replayAll(path)).toEqual(written);
  });

  it('group commit: appends arriving while an fsync is in flight join the next batch, order kept', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = await Journal.open(path);
    const resolvedOrder: number[] = [];
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 400; i += 1) {
      pending.push(journal.append({ i }).then(() => void resolvedOrder.push(i)));
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(pending);
    expect(resolvedOrder).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(journal.stats().syncs).toBeLessThan(400);
    await journal.close();
    expect(await replayAll(path)).toEqual(Array.from({ length: 400 }, (_, i) => ({ i })));
  });

  it('rejects values JSON cannot store, and keeps working', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = await Journal.open(path);
    await expect(journal.append(undefined)).rejects.toThrow(TypeError);
    await expect(journal.append({ big: 1n })).rejects.toThrow(TypeError);
    await journal.append({ ok: true });
    await journal.close();
    expect(await replayAll(path)).toEqual([{ ok: true }]);
  });

  it('close waits for queued appends; appends after close reject; close is idempotent', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = await Journal.open(path);
    const appends = [journal.append({ i: 1 }), journal.append({ i: 2 })];
    const closing = journal.close();
    await expect(journal.append({ i: 3 })).rejects.toThrow(/closed/);
    await Promise.all(appends);
    await closing;
    await journal.close();
    expect(await replayAll(path)).toEqual([{ i: 1 }, { i: 2 }]);
  });

  it('a failed fsync rejects that batch only, and its bytes are cut back out of the file', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = await Journal.open(path);
    await journal.append({ i: 1 });
    const proto = await fileHandlePrototype();
    vi.spyOn(proto, 'datasync').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    const failed = [journal.append({ i: 2 }), journal.append({ i: 3 })];
    await expect(failed[0]).rejects.toThrow('EIO');
    await expect(failed[1]).rejects.toThrow('EIO');
    // One failed batch, counted with its code (readiness reads these), and the journal still works.
    expect(journal.stats()).toMatchObject({ failures: 1, lastFailureCode: 'EIO', broken: false });
    await journal.append({ i: 4 });
    await journal.close();
    expect(await replayAll(path)).toEqual([{ i: 1 }, { i: 4 }]);
  });

  it('a write that fails half-way leaves no partial line behind', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = await Journal.open(path);
    await journal.append({ i: 1 });
    const proto = await fileHandlePrototype();
    const realWrite = proto.write;
    type Write = (this: FileHandle, buffer: Buffer, offset: number, length: number, position: number) => Promise<unknown>;
    const halfThenFail: Write = async function (this: FileHandle, buffer, offset, length, position) {
      await (realWrite as unknown as Write).call(this, buffer, offset, Math.floor(length / 2), position);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    vi.spyOn(proto, 'write').mockImplementationOnce(halfThenFail as unknown as FileHandle['write']);
    await expect(journal.append({ i: 2, pad: 'x'.repeat(100) })).rejects.toThrow('ENOSPC');
    expect(journal.stats()).toMatchObject({ failures: 1, lastFailureCode: 'ENOSPC', broken: false });
    await journal.append({ i: 3 });
    await journal.close();
    expect(await readFile(path, 'utf8')).toBe('{"i":1}\n{"i":3}\n');
  });

  it('when the failed batch cannot be cut back, the journal refuses every later append', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = await Journal.open(path);
    const proto = await fileHandlePrototype();
    vi.spyOn(proto, 'datasync').mockRejectedValueOnce(new Error('EIO: i/o error, fdatasync'));
    vi.spyOn(proto, 'truncate').mockRejectedValueOnce(new Error('EIO: i/o error, ftruncate'));
    await expect(journal.append({ i: 1 })).rejects.toThrow('fdatasync');
    await expect(journal.append({ i: 2 })).rejects.toThrow(/unusable after a failed write \(EIO: i\/o error, fdatasync\)/);
    expect(journal.stats()).toMatchObject({ failures: 1, broken: true });
    await journal.close();
  });
});
