// The store's orders: idempotent by order id, each counted as the conversion of every experiment
// its visitor was exposed to before it (once per visitor and experiment), durable in one journal
// record that is replayed on open. The backend's reports share one order-id namespace; a page's
// are its own visitor's only (no conflicts, nothing learnt about other visitors); the backend's
// report of an order a page reported supersedes it.
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

  it('the backend’s report of an id the backend recorded for another visitor is a conflict and stores nothing', async () => {
    const store = await openStore();
    await store.recordOrder(order('o-1', A));
    expect(await store.recordOrder(order('o-1', B))).toEqual({ status: 'conflict' });
    expect(store.order('o-1')?.visitorId).toBe(A);
    expect(store.order('o-1', B)).toBeUndefined();
    expect((await journalLines()).filter((r) => r.t === 'order')).toHaveLength(1);
    await store.close();
  });

  it('a page speaks for its own visitor only: its orders are keyed by visitor and order id, and never conflict', async () => {
    const store = await openStore();
    await store.recordOrder(order('o-1', A)); // the backend's, for A
    // B's page reporting the same id learns nothing about A's order: it is B's own (forged or not).
    expect(await store.recordOrder(order('o-1', B, 'page', 5, 'EUR'))).toMatchObject({ status: 'new', order: { visitorId: B, source: 'page', value: 5 } });
    expect((await store.recordOrder(order('o-1', B, 'page'))).status).toBe('duplicate');
    // Two pages with one id: each its own order.
    expect((await store.recordOrder(order('o-9', A, 'page'))).status).toBe('new');
    expect((await store.recordOrder(order('o-9', B, 'page'))).status).toBe('new');
    expect(store.order('o-1')).toMatchObject({ visitorId: A, source: 'backend' });
    expect(store.order('o-1', B)).toMatchObject({ visitorId: B, source: 'page' });
    expect(store.order('o-9')).toBeUndefined(); // no backend order o-9
    expect(store.order('o-9', A)).toMatchObject({ visitorId: A, source: 'page' });
    expect(store.orderCount()).toBe(4);
    const reopened = await reopen(store);
    expect(reopened.orderCount()).toBe(4);
    expect(reopened.order('o-1', B)).toMatchObject({ visitorId: B, source: 'page' });
    expect((await reopened.recordOrder(order('o-9', B, 'page'))).status).toBe('duplicate');
    await reopened.close();
  });

  it('pages claiming an id first (a forged cookie can) never block the backend: it records the id for its visitor', async () => {
    const store = await openStore();
    expect((await store.recordOrder(order('o-7', B, 'page'))).status).toBe('new');
    expect((await store.recordOrder(order('o-7', A, 'backend'))).status).toBe('new');
    expect(store.order('o-7')).toMatchObject({ visitorId: A, source: 'backend' });
    // From then on the backend's visitor holds the id in the backend's namespace.
    expect((await store.recordOrder(order('o-7', B, 'backend'))).status).toBe('conflict');
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

describe('Store: the backend’s report of an order always wins over the page’s', () => {
  it('it supersedes the page’s report of the same order: stored with the backend’s value, counted once, and it wins on replay', async () => {
    const store = await openStore();
    await store.recordExposure('hero', 'coupon', A);
    const page = await store.recordOrder(order('o-1', A, 'page', 1, 'USD'));
    expect(page).toMatchObject({ status: 'new', counted: ['hero'] });
    clock += 60_000;
    const backend = await store.recordOrder(order('o-1', A, 'backend', 49, 'EUR'));
    expect(backend).toEqual({
      status: 'new',
      counted: [], // the page's report already counted this visitor's conversion
      order: { orderId: 'o-1', visitorId: A, value: 49, currency: 'EUR', source: 'backend', at: clock, experiments: { hero: 'coupon' } },
    });
    expect(store.order('o-1', A)).toMatchObject({ value: 49, currency: 'EUR', source: 'backend' });
    expect(store.orderCount()).toBe(1);
    expect(counts(store, 'hero')).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    // Both reports are in the journal, the backend's last.
    expect((await journalLines()).filter((r) => r.t === 'order').map((r) => [r.source, r.value])).toEqual([
      ['page', 1],
      ['backend', 49],
    ]);
    // The page again, or the backend again: duplicates of the backend's order.
    expect(await store.recordOrder(order('o-1', A, 'page', 2, 'USD'))).toMatchObject({ status: 'duplicate', order: { value: 49, source: 'backend' } });
    expect(await store.recordOrder(order('o-1', A, 'backend', 50, 'EUR'))).toMatchObject({ status: 'duplicate', order: { value: 49 } });

    const reopened = await reopen(store);
    expect(reopened.order('o-1', A)).toMatchObject({ value: 49, currency: 'EUR', source: 'backend' });
    expect(reopened.orderCount()).toBe(1);
    expect(counts(reopened, 'hero')).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    expect((await reopened.recordOrder(order('o-1', A, 'page'))).status).toBe('duplicate');
    await reopened.close();
  });

  it('superseding keeps the arms of the page’s report: an exposure between the purchase and a late webhook is not the order’s', async () => {
    const store = await openStore();
    await store.recordExposure('hero', 'coupon', A);
    await store.recordOrder(order('o-1', A, 'page'));
    await store.recordExposure('pricing', 'control', A);
    expect(await store.recordOrder(order('o-1', A, 'backend'))).toMatchObject({ status: 'new', counted: [], order: { experiments: { hero: 'coupon' } } });
    expect(counts(store, 'pricing')).toEqual({ control: { exposures: 1, conversions: 0 } });
    await store.close();
  });

  it('only the same visitor’s page report is superseded; other visitors’ page reports of the id stay theirs', async () => {
    const store = await openStore();
    await store.recordOrder(order('o-1', B, 'page', 5, 'EUR'));
    await store.recordOrder(order('o-1', A, 'backend'));
    expect(store.order('o-1', B)).toMatchObject({ source: 'page', value: 5 });
    expect(store.orderCount()).toBe(2);
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
    expect(store.order('o-1', A)).toEqual({ orderId: 'o-1', visitorId: A, value: 12.5, currency: 'EUR', source: 'page', at: 1_700_000_000_000, experiments: { hero: 'coupon' } });
    expect(counts(store, 'hero')).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    expect((await store.recordOrder(order('o-1', A, 'page'))).status).toBe('duplicate');
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

  it('a backend report that would supersede a page’s and failed to be written leaves the page’s in place, and can be sent again', async () => {
    const store = await openStore();
    await store.recordOrder(order('o-1', A, 'page', 1, 'USD'));
    await failNextSync();
    await expect(store.recordOrder(order('o-1', A, 'backend'))).rejects.toThrow(/EIO/);
    expect(store.order('o-1')).toBeUndefined();
    expect(store.order('o-1', A)).toMatchObject({ source: 'page', value: 1 });
    expect((await store.recordOrder(order('o-1', A, 'backend'))).status).toBe('new');
    expect(store.order('o-1', A)).toMatchObject({ source: 'backend', value: 49 });
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
