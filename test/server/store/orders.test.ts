// The store's orders: idempotent by order id, each counted as the conversion of every experiment
// its visitor was exposed to before it (once per visitor and experiment), durable in one journal
// record that is replayed on open, and the backend's report never blocked by a page's.
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_STORE_FILE, Store } from '../../../server/store/store';

const A = '0b7e2a4c-1d2f-4a3b-8c4d-5e6f7a8b9c0d';
const B = '1c8f3b5d-2e3a-4b4c-9d5e-6f7a8b9c0d1e';

let dir: string;
let clock: number;
const openStore = (): Promise<Store> => Store.open(dir, { now: () => clock });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orders-test-'));
  clock = 1_700_000_000_000;
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

async function reopen(store: Store): Promise<Store> {
  await store.close();
  return openStore();
}

async function journalLines(): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(dir, DEFAULT_STORE_FILE), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Makes the next fdatasync of any file fail, as a disk error would. */
async function failNextSync(): Promise<void> {
  const handle = await open(join(dir, 'probe'), 'w');
  await handle.close();
  const proto = Object.getPrototypeOf(handle) as FileHandle;
  vi.spyOn(proto, 'datasync').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
}

const order = (orderId: string, visitorId: string, source: 'page' | 'backend' = 'backend', value: number | null = 49, currency: string | null = 'EUR') => ({
  orderId,
  visitorId,
  value,
  currency,
  source,
});

const counts = (store: Store, experiment: string) => Object.fromEntries(store.experimentCounts(experiment));

describe('Store: orders are idempotent by order id', () => {
  it('the first report is new and stored with its time; a repeat for the same visitor is a duplicate and changes nothing', async () => {
    const store = await openStore();
    const first = await store.recordOrder(order('o-1', A));
    expect(first).toEqual({
      status: 'new',
      counted: [],
      order: { orderId: 'o-1', visitorId: A, value: 49, currency: 'EUR', source: 'backend', at: clock, experiments: {} },
    });
    clock += 5_000;
    // A retried webhook may carry another value: the first report stays the order.
    const again = await store.recordOrder(order('o-1', A, 'page', 99, 'USD'));
    expect(again).toEqual({ status: 'duplicate', order: first.status === 'new' ? first.order : null });
    expect(store.orderCount()).toBe(1);
    expect(store.order('o-1')?.value).toBe(49);
    expect((await journalLines()).filter((r) => r.t === 'order')).toHaveLength(1);
    await store.close();
  });

  it('the same order id for another visitor is a conflict and stores nothing', async () => {
    const store = await openStore();
    await store.recordOrder(order('o-1', A));
    expect(await store.recordOrder(order('o-1', B))).toEqual({ status: 'conflict' });
    expect(await store.recordOrder(order('o-1', B, 'page'))).toEqual({ status: 'conflict' });
    expect(store.order('o-1')?.visitorId).toBe(A);
    expect((await journalLines()).filter((r) => r.t === 'order')).toHaveLength(1);
    await store.close();
  });

  it('a page’s claim (a forgeable cookie) never blocks the backend’s: the backend’s report replaces it', async () => {
    const store = await openStore();
    expect((await store.recordOrder(order('o-7', B, 'page'))).status).toBe('new');
    // Another page claim for the id is a conflict: among pages, the first wins.
    expect((await store.recordOrder(order('o-7', A, 'page'))).status).toBe('conflict');
    expect((await store.recordOrder(order('o-7', A, 'backend'))).status).toBe('new');
    expect(store.order('o-7')).toMatchObject({ visitorId: A, source: 'backend' });
    // From then on, the backend's visitor holds the id, whoever asks.
    expect((await store.recordOrder(order('o-7', B, 'page'))).status).toBe('conflict');
    expect((await store.recordOrder(order('o-7', A, 'page'))).status).toBe('duplicate');
    const reopened = await reopen(store);
    expect(reopened.order('o-7')).toMatchObject({ visitorId: A, source: 'backend' });
    expect((await reopened.recordOrder(order('o-7', B, 'backend'))).status).toBe('conflict');
    await reopened.close();
  });

  it('reports of one order arriving at once: one is new, the others duplicates, one record', async () => {
    const store = await openStore();
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => store.recordOrder(order('o-2', A))));
    expect(outcomes.filter((o) => o.status === 'new')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'duplicate')).toHaveLength(7);
    expect((await journalLines()).filter((r) => r.t === 'order')).toHaveLength(1);
    await store.close();
  });
});

describe('Store: an order is the conversion of every experiment the visitor was exposed to before it', () => {
  it('counts once per visitor and experiment, for the exposed variant; not where the visitor was not exposed', async () => {
    const store = await openStore();
    await store.recordExposure('hero', 'coupon', A);
    await store.recordExposure('pricing', 'control', A);
    await store.recordExposure('hero', 'control', B);
    const first = await store.recordOrder(order('o-1', A));
    expect(first).toMatchObject({ status: 'new', counted: ['hero', 'pricing'], order: { experiments: { hero: 'coupon', pricing: 'control' } } });
    // A second order of the same visitor adds revenue to the same arms, but no second conversion.
    const second = await store.recordOrder(order('o-2', A));
    expect(second).toMatchObject({ status: 'new', counted: [], order: { experiments: { hero: 'coupon', pricing: 'control' } } });
    expect(counts(store, 'hero')).toEqual({ coupon: { exposures: 1, conversions: 1 }, control: { exposures: 1, conversions: 0 } });
    expect(counts(store, 'pricing')).toEqual({ control: { exposures: 1, conversions: 1 } });
    await store.close();
  });

  it('an exposure after the order does not make the order count', async () => {
    const store = await openStore();
    expect(await store.recordOrder(order('o-1', A))).toMatchObject({ status: 'new', counted: [], order: { experiments: {} } });
    await store.recordExposure('hero', 'coupon', A);
    expect(counts(store, 'hero')).toEqual({ coupon: { exposures: 1, conversions: 0 } });
    await store.close();
  });

  it('a visitor already converted by a lead or event is not counted again', async () => {
    const store = await openStore();
    await store.recordExposure('hero', 'coupon', A);
    expect(await store.recordConversion('hero', A)).toBe(true);
    expect(await store.recordOrder(order('o-1', A))).toMatchObject({ counted: [], order: { experiments: { hero: 'coupon' } } });
    expect(await store.recordConversion('hero', A)).toBe(false);
    expect(counts(store, 'hero')).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    await store.close();
  });
});

describe('Store: orders on disk', () => {
  it('one journal record per order, with everything revenue figures need; replayed on open with the same counts', async () => {
    let store = await openStore();
    await store.recordExposure('hero', 'coupon', A);
    await store.recordOrder(order('o-1', A, 'page', 12.5, 'EUR'));
    clock += 1_000;
    await store.recordOrder(order('o-2', B, 'backend', null, null));
    const records = (await journalLines()).filter((r) => r.t === 'order');
    expect(records).toEqual([
      { t: 'order', orderId: 'o-1', visitorId: A, value: 12.5, currency: 'EUR', source: 'page', at: 1_700_000_000_000, experiments: { hero: 'coupon' } },
      { t: 'order', orderId: 'o-2', visitorId: B, value: null, currency: null, source: 'backend', at: 1_700_000_001_000, experiments: {} },
    ]);

    store = await reopen(store);
    expect(store.orderCount()).toBe(2);
    expect(store.order('o-1')).toEqual({ orderId: 'o-1', visitorId: A, value: 12.5, currency: 'EUR', source: 'page', at: 1_700_000_000_000, experiments: { hero: 'coupon' } });
    expect(counts(store, 'hero')).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    expect((await store.recordOrder(order('o-1', A))).status).toBe('duplicate');
    expect((await store.recordOrder(order('o-2', A))).status).toBe('conflict');
    await store.close();
  });

  it('an order whose write fails is not stored, counts nothing, and can be reported again', async () => {
    const store = await openStore();
    await store.recordExposure('hero', 'coupon', A);
    await failNextSync();
    await expect(store.recordOrder(order('o-1', A))).rejects.toThrow(/EIO/);
    expect(store.order('o-1')).toBeUndefined();
    expect(counts(store, 'hero')).toEqual({ coupon: { exposures: 1, conversions: 0 } });
    expect(await store.recordOrder(order('o-1', A))).toMatchObject({ status: 'new', counted: ['hero'] });
    expect(counts(store, 'hero')).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    await store.close();
  });

  it('a backend report that replaced a page claim and then failed to be written leaves the page claim in place', async () => {
    const store = await openStore();
    await store.recordOrder(order('o-1', B, 'page'));
    await failNextSync();
    await expect(store.recordOrder(order('o-1', A, 'backend'))).rejects.toThrow(/EIO/);
    expect(store.order('o-1')).toMatchObject({ visitorId: B, source: 'page' });
    await store.close();
  });

  it('refuses an order record with bad fields, naming the line', async () => {
    const good = { t: 'order', orderId: 'o-1', visitorId: A, value: 1, currency: 'EUR', source: 'backend', at: 1, experiments: {} };
    for (const bad of [
      { ...good, value: 'lots' },
      { ...good, source: 'fax' },
      { ...good, experiments: { hero: 1 } },
      { ...good, orderId: '' },
    ]) {
      await writeFile(join(dir, DEFAULT_STORE_FILE), `${JSON.stringify(good)}\n${JSON.stringify(bad)}\n`);
      await expect(openStore()).rejects.toThrow(/:2: malformed "order" record/);
    }
  });
});
