// The write probe: the data directory's file probe on a real directory (a successful probe leaves
// nothing behind, a failed one reports the error code and leaves nothing behind either), and
// StoreProbe around a store's write (callers that arrive while one runs share it).
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROBE_FILE, probeDirectory, StoreProbe } from '../../../server/health/store-probe';

const probeOf = (dir: string, now?: () => number) => new StoreProbe(() => probeDirectory(dir), now);

const base = mkdtempSync(join(tmpdir(), 'vo-store-probe-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('StoreProbe', () => {
  it('writes, syncs and removes its file: ok, and the directory is as it was', async () => {
    const dir = mkdtempSync(join(base, 'ok-'));
    const probe = probeOf(dir, () => 42);
    expect(await probe.run()).toEqual({ ok: true, at: 42, code: null });
    expect(probe.last).toEqual({ ok: true, at: 42, code: null });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports why a write is refused, by its code', async () => {
    const missing = join(base, 'no-such-dir');
    expect(await probeOf(missing).run()).toMatchObject({ ok: false, code: 'ENOENT' });
    const dir = mkdtempSync(join(base, 'blocked-'));
    mkdirSync(join(dir, PROBE_FILE));
    expect(await probeOf(dir).run()).toMatchObject({ ok: false, code: 'EISDIR' });
  });

  it('shares one probe among callers that arrive while it runs', async () => {
    const probe = probeOf(mkdtempSync(join(base, 'shared-')));
    const [a, b] = await Promise.all([probe.run(), probe.run()]);
    expect(a).toBe(b);
    expect(probe.runs).toBe(1);
    await probe.run();
    expect(probe.runs).toBe(2);
  });
});
