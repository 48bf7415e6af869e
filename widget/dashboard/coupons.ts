// The dashboard's single-use codes section: for each pooled coupon, the codes a new visitor can
// still get, those held for visitors who have not seen their offer yet, and those claimed. Shown
// only when some offer has a code pool.
import { html, nothing, type TemplateResult } from 'lit';
import type { CouponPoolStock, DashboardSnapshot } from './types';

const int = new Intl.NumberFormat('en');
const LEVEL_LABEL: Record<CouponPoolStock['level'], string> = { ok: 'ok', low: 'running low', empty: 'empty' };

export function couponsSection(d: DashboardSnapshot): TemplateResult | typeof nothing {
  if (d.coupons.length === 0) return nothing;
  return html`
    <section class="panel" aria-labelledby="coupons-title">
      <h2 id="coupons-title">Single-use codes</h2>
      <div class="scroll" role="region" aria-labelledby="coupons-title" tabindex="0">
        <table class="coupons">
          <caption class="sr-only">Codes left, held and claimed per pooled coupon</caption>
          <thead>
            <tr>
              <th scope="col">Offer</th>
              <th scope="col">Stock</th>
              <th scope="col" class="num">Left</th>
              <th scope="col" class="num">Held</th>
              <th scope="col" class="num">Claimed</th>
              <th scope="col" class="num">In the file</th>
            </tr>
          </thead>
          <tbody>
            ${d.coupons.map(
              (c) => html`<tr>
                <th scope="row"><span class="offer-id">${c.offerId}</span></th>
                <td><span class="pill stock-${c.level}">${LEVEL_LABEL[c.level]}</span></td>
                <td class="num">${int.format(c.left)}</td>
                <td class="num">${int.format(c.held)}</td>
                <td class="num">${int.format(c.claimed)}</td>
                <td class="num">${int.format(c.poolSize)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <p class="note">
        <em>Left</em>: codes a new visitor can get (free, or held past the hold time). <em>Held</em>: shown to a visitor whose
        offer has not been seen yet; their first exposure claims it, otherwise it goes back to the pool. <em>Claimed</em>: seen,
        and that visitor's for good. Add codes to the pool file before it runs out: an empty pool withdraws its offer.
      </p>
    </section>
  `;
}
