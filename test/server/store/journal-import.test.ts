// An old data directory: the JSON-lines journal the store kept before SQL (fixtures/old-journal.jsonl
// was written by that store: leads and deliveries, first exposures, exposures and a conversion,
// pool codes, a page order superseded by the backend's, a record type from the future and a torn
// last line). The first start imports it once, in one transaction, renames it and logs the counts;
// the next start finds nothing to import.
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JOURNAL_FILE } from '../../../server/store/journal';
import { openStore } from '../../../server/store/open-store';
import { captureLog } from '../../support/log-capture';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'old-journal.jsonl');
const A = '0b7e2a4c-1d2f-4a3b-8c4d-5e6f7a8b9c0d';
const B = '1c8f3b5d-2e3a-4b4c-9d5e-6f7a8b9c0d1e';
const LEADS = { ann: '56aae921-3d13-4eff-9f72-75a855c0b388', bob: '838d1494-de32-4a2c-b2a6-df311bb05562', cat: '857a78dc-84e6-45fc-9031-30ceec27c005' };

const base = mkdtempSync(join(tmpdir(), 'vo-import-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function oldDataDir(): string {
  const dir = mkdtempSync(join(base, 'data-'));
  copyFileSync(FIXTURE, join(dir, JOURNAL_FILE));
  return dir;
}

describe('importing the old journal on first start', () => {
  it('imports every fact once, renames the journal and logs the counts', async () => {
    const dataDir = oldDataDir();
    const log = captureLog();
    const store = await openStore({ dataDir, retentionDays: null, logger: log.logger, now: () => Date.UTC(2026, 10, 30, 8, 0, 0) });
    try {
      expect(await store.leadCount()).toBe(3);
      expect(await store.lead(LEADS.ann)).toEqual({ id: LEADS.ann, email: 'ann@example.com', offerId: 'starter-guide', visitorId: A, at: 1736942400000, delivered: { datafast: true, webhook: true } });
      expect((await store.pendingLeads(['datafast', 'webhook'])).map((l) => [l.id, l.delivered])).toEqual([
        [LEADS.bob, { datafast: false, webhook: false }],
        [LEADS.cat, { datafast: true, webhook: false }],
      ]);
      expect(await store.firstExposure('welcome-coupon', A)).toBe(1736942403000);
      expect(await store.firstExposure('countdown', A)).toBe(1736942463000);
      // Exposures as recorded; conversions from the conversion record and from both visitors' orders.
      expect(Object.fromEntries(await store.experimentCounts('hero'))).toEqual({ coupon: { exposures: 2, conversions: 2 }, control: { exposures: 1, conversions: 1 } });
      expect(Object.fromEntries(await store.experimentCounts('pricing'))).toEqual({ control: { exposures: 1, conversions: 1 } });
      // The backend's o-1 superseded A's page report; B has a page order and a backend order.
      expect(await store.orderCount()).toBe(3);
      expect(await store.order('o-1', A)).toEqual({ orderId: 'o-1', visitorId: A, value: 49, currency: 'EUR', source: 'backend', at: 1736942584000, experiments: { hero: 'coupon', pricing: 'control' } });
      expect(await store.order('o-2', B)).toMatchObject({ source: 'page', value: null, currency: null });
      expect(await store.recordOrder({ orderId: 'o-3', visitorId: A, value: 1, currency: 'EUR', source: 'backend' })).toEqual({ status: 'conflict' });
      // Codes handed out keep their visitors once the pool file is loaded, and are not handed out again.
      await store.loadCouponPool('pooled', ['CODE-000', 'CODE-001', 'CODE-002']);
      expect(await store.holdCouponCode('pooled', A, 60_000)).toBe('CODE-000');
      expect(await store.holdCouponCode('pooled', B, 60_000)).toBe('CODE-001');
      expect(await store.holdCouponCode('pooled', 'someone-new', 60_000)).toBe('CODE-002');
      // Imported codes were claimed: they never lapse back into the pool.
      expect(await store.couponStock('pooled')).toEqual({ left: 0, held: 1, claimed: 2 });

      expect(readdirSync(dataDir).filter((f) => f.includes('jsonl'))).toEqual(['visitor-offers.jsonl.imported-2026-11-30T08-00-00-000Z']);
      const line = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'store: imported the old journal into the database');
      expect(line).toMatchObject({ leads: 3, delivered: 3, firstExposures: 3, exposures: 4, conversions: 4, coupons: 2, orders: 4, ignored: 1, tornBytes: 22 });
      expect(log.text()).not.toContain('ann@example.com');
    } finally {
      await store.close();
    }

    const again = captureLog();
    const reopened = await openStore({ dataDir, retentionDays: null, logger: again.logger });
    expect(await reopened.leadCount()).toBe(3);
    expect(again.text()).not.toContain('imported');
    await reopened.close();
  });

  it('a journal with a damaged line is not imported at all: the start fails naming the line, nothing is half-imported', async () => {
    const dataDir = mkdtempSync(join(base, 'data-'));
    writeFileSync(join(dataDir, JOURNAL_FILE), '{"t":"lead","id":"L1","email":"a@example.com","offerId":"o","visitorId":null,"at":3}\n{"t":"coupon","offerId":"o"}\n{"t":"lead","id":"L2","email":"b@example.com","offerId":"o","visitorId":null,"at":4}\n');
    await expect(openStore({ dataDir, retentionDays: null })).rejects.toThrow(`${join(dataDir, JOURNAL_FILE)}:2: malformed "coupon" record: bad or missing field "visitorId"`);
    expect(readdirSync(dataDir)).toContain(JOURNAL_FILE);
    // Fixed by hand, it imports on the next start.
    writeFileSync(join(dataDir, JOURNAL_FILE), '{"t":"lead","id":"L1","email":"a@example.com","offerId":"o","visitorId":null,"at":3}\n');
    const store = await openStore({ dataDir, retentionDays: null });
    expect(await store.leadCount()).toBe(1);
    await store.close();
  });
});
