// The router's handle on its store: a store that cannot be opened is tried again, with a pause,
// until it opens (each failure reported, the open too, with its attempt); meanwhile `ready` is
// rejected, so routes answer 503 at once; close() stops the retries, and closes an open store
// (freeing its data directory for another).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultRetryMs, openStoreRef } from '../../../server/store/store-ref';
import { sleep, waitFor } from '../../support/wait';

const base = mkdtempSync(join(tmpdir(), 'vo-store-ref-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A data directory path that cannot be used yet: a file sits where its parent should be. */
function blocked(name: string): { dataDir: string; unblock: () => void } {
  const parent = join(base, name);
  writeFileSync(parent, 'not a directory');
  return {
    dataDir: join(parent, 'data'),
    unblock: () => {
      rmSync(parent);
      mkdirSync(parent);
    },
  };
}

describe('openStoreRef', () => {
  it('tries again until the store opens: ready rejects meanwhile, then resolves; each failure and the open are reported', async () => {
    const { dataDir, unblock } = blocked('later');
    const failures: Array<{ code: string | undefined; attempt: number; retryInMs: number }> = [];
    const opened: number[] = [];
    const ref = openStoreRef({ dataDir }, { retryMs: () => 50, onError: (err, attempt, retryInMs) => failures.push({ code: (err as NodeJS.ErrnoException).code, attempt, retryInMs }), onOpen: (_s, attempt) => opened.push(attempt) });
    await expect(ref.ready).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(ref.current).toBeNull();
    await waitFor(() => failures.length >= 3, 'three failed attempts');
    expect(failures.slice(0, 3)).toEqual([1, 2, 3].map((attempt) => ({ code: 'ENOTDIR', attempt, retryInMs: 50 })));

    unblock();
    await waitFor(() => opened.length === 1, 'the store to open');
    const store = await ref.ready;
    expect(ref.current).toBe(store);
    expect(opened[0]).toBe(failures.length + 1);
    await ref.close();
    expect(ref.current).toBeNull();
    // Closed for real: the data directory is free for another store (a held one is refused).
    const again = openStoreRef({ dataDir });
    await expect(again.ready).resolves.toBeDefined();
    await again.close();
  });

  it('close() while waiting to try again: no more attempts', async () => {
    const { dataDir } = blocked('never');
    let attempts = 0;
    const ref = openStoreRef({ dataDir }, { retryMs: () => 30, onError: () => attempts++ });
    await waitFor(() => attempts === 1, 'the first failure');
    await ref.close();
    const after = attempts;
    await sleep(200);
    expect(attempts).toBe(after);
  });

  it('waits 1 s after the first failure, doubling up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(defaultRetryMs)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });
});
