// The dashboard's table for a bandit (Thompson sampling): per arm its share of new visitors now,
// the chance that it is the best, and what it did (exposures, conversions, rate, revenue per
// visitor, order value). No lift intervals, decisions or p-values: a bandit moves traffic as it
// learns, so its arms' visitors come from different times and those tests would not hold.
import { html, type TemplateResult } from 'lit';
import { money, pct } from './format';
import type { ExperimentResult, VariantResult } from './types';

const int = new Intl.NumberFormat('en');

function armRow(v: VariantResult, r: ExperimentResult, best: number): TemplateResult {
  const leads = v.chanceToBeBest !== null && v.chanceToBeBest === best && best > 0;
  return html`
    <tr class=${leads ? 'leading' : ''}>
      <th scope="row">${v.id}</th>
      <td>${v.offer === null ? html`<span class="muted">none</span>` : html`<span class="offer-id">${v.offer}</span>`}</td>
      <td class="num">${pct(v.expectedShare, 0)}</td>
      <td class="num">${pct(v.chanceToBeBest, 1)}</td>
      <td class="num">${int.format(v.exposures)}</td>
      <td class="num">${int.format(v.conversions)}</td>
      <td class="num">${pct(v.conversionRate, 2)}</td>
      <td class="num">${money(v.revenuePerVisitor, r.currency)}</td>
      <td class="num">${money(v.averageOrderValue, r.currency)}</td>
    </tr>
  `;
}

/** One bandit's table; `captionId` labels its scroll region. */
export function banditTable(r: ExperimentResult): TemplateResult {
  const captionId = `experiment-${r.id}`;
  const best = Math.max(0, ...r.variants.map((v) => v.chanceToBeBest ?? 0));
  const metric = r.allocationMetric === 'revenue' ? 'revenue per visitor' : 'conversion rate';
  const others = r.otherCurrencies.map((o) => `${int.format(o.orders)} in ${o.currency}`).join(', ');
  return html`
    <div class="experiment bandit">
      <div class="scroll" role="region" aria-labelledby=${captionId} tabindex="0">
        <table class="results">
          <caption id=${captionId}>
            <div class="caption">
              <span class="exp-id">${r.id}</span><span class="pill status-${r.status}">${r.status}</span><span class="pill">bandit</span>
              <span class="muted">
                Thompson sampling on ${metric} · coverage ${pct(r.coverage, 0)} · ${int.format(r.variants.reduce((n, v) => n + v.exposures, 0))} exposures ·
                attribution ${r.attributionDays} days${r.currency === null ? '' : ` · revenue in ${r.currency}`}${others === '' ? '' : ` (not counted: ${others})`}
              </span>
            </div>
          </caption>
          <thead>
            <tr>
              <th scope="col">Arm</th>
              <th scope="col">Offer</th>
              <th scope="col" class="num">Share of new visitors</th>
              <th scope="col" class="num">Chance to be best</th>
              <th scope="col" class="num">Exposures</th>
              <th scope="col" class="num">Conversions</th>
              <th scope="col" class="num">Rate</th>
              <th scope="col" class="num">Revenue / visitor</th>
              <th scope="col" class="num">Avg order</th>
            </tr>
          </thead>
          <tbody>
            ${r.variants.map((v) => armRow(v, r, best))}
          </tbody>
        </table>
      </div>
      <p class="note">
        A bandit gives each arm a share of new visitors by its chance to be the best (at least 1 %, recomputed at most every
        15 minutes); visitors already in an arm stay there. No intervals, decisions or p-values: its arms' visitors come from
        different times.
      </p>
    </div>
  `;
}
