// The offers in use, and how a watched offers file replaces them: the file and its code pools are
// watched through their directories (so an editor's save-by-rename is seen), a burst of writes is
// one reload, a deleted file is an error until it is back, and after close() nothing changes.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { OffersRef } from '../../../server/config/offers-ref';
import { captureLog, type CapturedLog } from '../../support/log-capture';
import { waitFor } from '../../support/wait';

const base = mkdtempSync(join(tmpdir(), 'vo-offers-ref-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const coupon = (codePool: string) => ({ id: 'save', kind: 'coupon', headline: 'Save', body: 'B', discountLabel: '10%', codePool });
const guide = (headline: string) => ({ id: 'guide', kind: 'lead_magnet', headline, body: 'B', assetName: 'A', buttonLabel: 'Send', consentText: 'OK' });

let refs: OffersRef[] = [];
afterEach(() => {
  for (const r of refs) r.close();
  refs = [];
});

function setUp(watch = true): { dir: string; offers: string; pool: string; ref: OffersRef; log: CapturedLog } {
  const dir = mkdtempSync(join(base, 'site-'));
  const offers = join(dir, 'offers.json');
  const pool = join(dir, 'codes.txt');
  writeFileSync(pool, 'A1\nA2\n');
  writeFileSync(offers, JSON.stringify({ offers: [guide('v1'), coupon('codes.txt')] }));
  const log = captureLog('info');
  const ref = new OffersRef({ kind: 'file', path: offers, watch }, log.logger);
  ref.watch();
  refs.push(ref);
  return { dir, offers, pool, ref, log };
}

const headline = (ref: OffersRef): string | undefined => ref.current.config.offers.find((o) => o.id === 'guide')?.headline;
const reloads = (log: CapturedLog): number => log.lines.filter((l) => l.includes('offers file reloaded')).length;

describe('a watched offers file', () => {
  it('watches the file and the code pools it names', () => {
    const { offers, pool, ref } = setUp();
    expect(ref.status().watchedFiles).toEqual([offers, pool].sort());
  });

  it('sees an editor’s save by rename, as one reload', async () => {
    const { dir, offers, ref, log } = setUp();
    const temp = join(dir, '.offers.json.swp');
    writeFileSync(temp, JSON.stringify({ offers: [guide('v2'), coupon('codes.txt')] }));
    renameSync(temp, offers);
    await waitFor(() => headline(ref) === 'v2', 'the renamed file to be loaded');
    expect(reloads(log)).toBe(1);
  });

  it('takes a burst of writes as fewer reloads than writes, ending with the last', async () => {
    const { offers, ref, log } = setUp();
    for (let i = 2; i <= 11; i++) writeFileSync(offers, JSON.stringify({ offers: [guide(`v${i}`), coupon('codes.txt')] }));
    await waitFor(() => headline(ref) === 'v11', 'the last write to be loaded');
    expect(reloads(log)).toBeLessThan(10);
  });

  it('reloads the codes when a pool file changes', async () => {
    const { pool, ref } = setUp();
    expect(ref.current.pools.get('save')).toEqual(['A1', 'A2']);
    writeFileSync(pool, 'A1\nA2\nA3\n');
    await waitFor(() => ref.current.pools.get('save')?.length === 3, 'the refilled pool');
  });

  it('keeps the offers while the file is gone, and takes it back when it returns', async () => {
    const { offers, ref } = setUp();
    rmSync(offers);
    await waitFor(() => ref.status().lastReloadError, 'the missing file to be reported');
    expect(ref.status().lastReloadError).toBe(`${offers}: cannot read it (ENOENT)`);
    expect(headline(ref)).toBe('v1');
    writeFileSync(offers, JSON.stringify({ offers: [guide('back'), coupon('codes.txt')] }));
    await waitFor(() => headline(ref) === 'back', 'the re-created file');
    expect(ref.status().lastReloadError).toBeNull();
  });

  it('says in the log when a rejected file is put back as it was', async () => {
    const { offers, ref, log } = setUp();
    const good = JSON.stringify({ offers: [guide('v1'), coupon('codes.txt')] });
    writeFileSync(offers, '{');
    await waitFor(() => ref.status().lastReloadError, 'the broken file to be rejected');
    writeFileSync(offers, good);
    await waitFor(() => log.text().includes('offers file is good again; the offers in use are unchanged'), 'the all-clear in the log');
    expect(ref.status().lastReloadError).toBeNull();
    expect(reloads(log)).toBe(0);
  });

  it('watches a pool the new file names, and no longer one it dropped', async () => {
    const { dir, offers, pool, ref } = setUp();
    const other = join(dir, 'more-codes.txt');
    writeFileSync(other, 'B1\n');
    writeFileSync(offers, JSON.stringify({ offers: [guide('v2'), coupon('more-codes.txt')] }));
    await waitFor(() => headline(ref) === 'v2', 'the new file');
    expect(ref.status().watchedFiles).toEqual([other, offers].sort());
    expect(ref.status().watchedFiles).not.toContain(pool);
  });

  it('changes nothing after close(): no watcher, and reload() is a no-op', () => {
    const { offers, ref } = setUp();
    ref.close();
    expect(ref.status().watchedFiles).toEqual([]);
    writeFileSync(offers, JSON.stringify({ offers: [guide('late'), coupon('codes.txt')] }));
    expect(ref.reload('SIGHUP')).toEqual({ ok: true, changed: false });
    expect(headline(ref)).toBe('v1');
  });
});

describe('an offers file not watched', () => {
  it('has no watcher, and changes only on an explicit reload', () => {
    const { offers, ref } = setUp(false);
    expect(ref.status().watchedFiles).toEqual([]);
    writeFileSync(offers, JSON.stringify({ offers: [guide('v2'), coupon('codes.txt')] }));
    expect(headline(ref)).toBe('v1');
    expect(ref.reload('SIGHUP')).toEqual({ ok: true, changed: true });
    expect(headline(ref)).toBe('v2');
  });
});
