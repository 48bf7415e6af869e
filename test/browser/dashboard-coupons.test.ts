// The operator dashboard's single-use codes section in real headless Chromium: each pooled coupon
// with its codes left, held and claimed and its level, as visitors hold and see codes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personas } from '../../demo/personas';
import { internalsOf } from '../../server/router-internals';
import { DASHBOARD_PATH } from './dashboard-fixtures';
import { startHarness, type Harness } from './harness';

describe('operator dashboard: single-use codes (headless Chromium)', () => {
  let h: Harness;

  beforeAll(async () => {
    const pool = join(mkdtempSync(join(tmpdir(), 'vo-dashboard-pool-')), 'codes.txt');
    writeFileSync(pool, 'SPRING-1\nSPRING-2\nSPRING-3\nSPRING-4\n');
    h = await startHarness({
      decisions: {
        offers: [{ id: 'spring-pool', kind: 'coupon', placement: 'slide-in', trigger: { type: 'immediate' }, headline: 'Spring', body: 'A code of your own.', discountLabel: '15% off', code: null, codePool: pool, expiresInMinutes: null }],
        rules: [{ id: 'low-get-codes', when: { segment: ['low'] }, then: { offer: 'spring-pool' } }],
      },
      router: { dashboard: 'open', codes: { lowStockWarning: 3 } },
    });
    const store = await internalsOf(h.router).store.ready;
    await store.loadCouponPool('spring-pool', ['SPRING-1', 'SPRING-2', 'SPRING-3', 'SPRING-4']);
    await store.holdCouponCode('spring-pool', personas.low.visitorId, 3_600_000);
    await store.claimHeldCouponCode('spring-pool', personas.low.visitorId);
    await store.holdCouponCode('spring-pool', personas.average.visitorId, 3_600_000);
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('lists each pooled coupon with its codes left, held, claimed and in the file, marked running low', async () => {
    const v = await h.visit(DASHBOARD_PATH);
    const row = v.page.locator('visitor-offers-dashboard table.coupons tbody tr');
    await row.first().waitFor({ timeout: 10_000 });
    expect(await row.count()).toBe(1);
    expect((await row.locator('th, td').allTextContents()).map((t) => t.trim())).toEqual(['spring-pool', 'running low', '2', '1', '1', '4']);
    expect(await v.page.locator('visitor-offers-dashboard h2#coupons-title').textContent()).toBe('Single-use codes');
    expect(v.consoleErrors).toEqual([]);
  });
});
