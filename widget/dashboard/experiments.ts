// The dashboard's experiments section: one table per experiment (a bandit's: bandit.ts; and one for the global holdout)
// with exposures, conversions, rate, revenue per visitor and order value per arm; the sequential,
// always-valid lift intervals and decision first (the dashboard refreshes every 5 s: this is the
// reading that stays valid); the fixed-horizon p-value and the Bayesian chance beside them, labelled.
import { html, nothing, type TemplateResult } from 'lit';
import { banditTable } from './bandit';
import { money, pct, pValue, signedPct } from './format';
import type { DashboardSnapshot, ExperimentResult, HoldoutResult, MetricComparison, VariantResult } from './types';

const int = new Intl.NumberFormat('en');

const DECISIONS: Record<MetricComparison['decision'], string> = { 'treatment-wins': 'wins', 'control-wins': 'loses', 'keep-running': 'keep running' };

type Unit = { kind: 'points' } | { kind: 'money'; currency: string | null };

/** A signed difference: percentage points of a rate, or money per visitor. */
function amount(x: number, unit: Unit): string {
  const sign = x >= 0 ? '+' : '−';
  return unit.kind === 'points' ? `${sign}${Math.abs(x * 100).toFixed(2)} pts` : `${sign}${money(Math.abs(x), unit.currency)}`;
}

/**
 * The difference against control with its always-valid interval (what the decision reads, so the
 * two always agree), and the relative lift beside it; or why there is none.
 */
function liftCell(c: MetricComparison | null | undefined, unit: Unit): TemplateResult {
  if (c === undefined) return html`<span class="muted">—</span>`;
  if (c === null) return html`<span class="muted">too few data</span>`;
  const direction = c.decision === 'treatment-wins' ? 'up' : c.decision === 'control-wins' ? 'down' : '';
  const i = c.differenceInterval;
  return html`<span class=${direction}>${amount(c.difference, unit)}</span
    ><span class="sub nowrap">[${amount(i.lower, unit)}, ${amount(i.upper, unit)}]${c.lift === null ? '' : ` · ${signedPct(c.lift)}`}</span>`;
}

function decisionCell(v: VariantResult): TemplateResult {
  const rate = v.vsControl?.conversionRate;
  const revenue = v.vsControl?.revenuePerVisitor;
  if (v.isControl || v.vsControl === null) return html`<span class="muted">—</span>`;
  return html`<span class="decision">${rate ? DECISIONS[rate.decision] : '—'}</span><span class="sub nowrap">revenue: ${revenue ? DECISIONS[revenue.decision] : '—'}</span>`;
}

function variantRow(v: VariantResult, r: ExperimentResult): TemplateResult {
  const rate = v.vsControl?.conversionRate;
  const decided = rate !== undefined && rate !== null && rate.decision !== 'keep-running';
  return html`
    <tr class=${decided ? 'significant' : ''}>
      <th scope="row">${v.id}${v.isControl && v.id !== 'control' ? html` <span class="muted">(control)</span>` : nothing}</th>
      <td>${v.offer === null ? html`<span class="muted">none</span>` : html`<span class="offer-id">${v.offer}</span>`}</td>
      <td class="num">${pct(v.expectedShare, 0)}</td>
      <td class="num">${int.format(v.exposures)}</td>
      <td class="num">${int.format(v.conversions)}</td>
      <td class="num">${pct(v.conversionRate, 2)}</td>
      <td class="num">${v.isControl ? html`<span class="muted">—</span>` : liftCell(rate, { kind: 'points' })}</td>
      <td class="num">${money(v.revenuePerVisitor, r.currency)}</td>
      <td class="num">${v.isControl ? html`<span class="muted">—</span>` : liftCell(v.vsControl?.revenuePerVisitor, { kind: 'money', currency: r.currency })}</td>
      <td class="num">${money(v.averageOrderValue, r.currency)}</td>
      <td>
        ${decisionCell(v)}${decided
          ? html` <span class="star" aria-hidden="true">★</span><span class="sr-only"> significant</span>`
          : nothing}
      </td>
      <td class="num">${pValue(rate?.fixedHorizon?.pValue)}</td>
      <td class="num">${pct(v.vsControl?.chanceToBeatControl, 1)}</td>
    </tr>
  `;
}

function resultTable(r: ExperimentResult, title: TemplateResult, note: TemplateResult | typeof nothing = nothing): TemplateResult {
  const srm = r.sampleRatioMismatch;
  const captionId = `experiment-${r.id}`;
  const others = r.otherCurrencies.map((o) => `${int.format(o.orders)} in ${o.currency}`).join(', ');
  return html`
    <div class="experiment">
      ${srm?.mismatch
        ? html`<div class="warning" role="note">
            <strong><span aria-hidden="true">⚠</span> Sample ratio mismatch in ${r.id}.</strong>
            Exposures do not follow the weights (χ² ${srm.chiSquare.toFixed(2)}, p ${srm.pValue.toExponential(2)}): assignment or
            tracking is broken. Do not trust these results until the cause is found.
          </div>`
        : nothing}
      <div class="scroll" role="region" aria-labelledby=${captionId} tabindex="0">
        <table class="results">
          <caption id=${captionId}>
            <div class="caption">
              ${title}
              <span class="muted">
                coverage ${pct(r.coverage, 0)} · ${int.format(r.variants.reduce((n, v) => n + v.exposures, 0))} exposures · attribution
                ${r.attributionDays} days${r.currency === null ? '' : ` · revenue in ${r.currency}`}${others === '' ? '' : ` (not counted: ${others})`}
              </span>
            </div>
          </caption>
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Offer</th>
              <th scope="col" class="num">Share</th>
              <th scope="col" class="num">Exposures</th>
              <th scope="col" class="num">Conversions</th>
              <th scope="col" class="num">Rate</th>
              <th scope="col" class="num">Rate vs control (95% CI)</th>
              <th scope="col" class="num">Revenue / visitor</th>
              <th scope="col" class="num">Revenue / visitor vs control</th>
              <th scope="col" class="num">Avg order</th>
              <th scope="col">Decision</th>
              <th scope="col" class="num">p, z-test (fixed)</th>
              <th scope="col" class="num">P(beat control)</th>
            </tr>
          </thead>
          <tbody>
            ${r.variants.map((v) => variantRow(v, r))}
          </tbody>
        </table>
      </div>
      ${note}
    </div>
  `;
}

function experimentBlock(r: ExperimentResult): TemplateResult {
  if (r.allocation === 'thompson') return banditTable(r);
  return resultTable(
    r,
    html`<span class="exp-id">${r.id}</span><span class="pill status-${r.status}">${r.status}</span>`,
  );
}

function holdoutBlock(h: HoldoutResult): TemplateResult {
  const added = h.incremental;
  const note = added
    ? html`<p class="note">
        The offers added about <strong>${int.format(Math.round(added.conversions))}</strong> conversions${added.revenue === null
          ? nothing
          : html` and <strong>${money(added.revenue, h.result.currency)}</strong> of revenue`}
        (offers' rate − the holdout's, times the visitors who could see offers).
      </p>`
    : nothing;
  return resultTable(h.result, html`<span class="exp-id">Global holdout</span><span class="muted">${pct(h.share, 1)} of visitors see no offer</span>`, note);
}

export function experimentsSection(d: DashboardSnapshot): TemplateResult {
  return html`
    <section class="panel" aria-labelledby="experiments-title">
      <h2 id="experiments-title">Experiments</h2>
      ${d.experiments.length === 0 && d.holdout === null ? html`<p class="empty">No experiments are configured.</p>` : d.experiments.map(experimentBlock)}
      ${d.holdout === null ? nothing : holdoutBlock(d.holdout)}
      <p class="note">
        Differences against control, their intervals and the decisions are <strong>sequential</strong> (always valid at
        ${pct(1 - d.alpha, 0)}): they stay right however often this page refreshes (rates in percentage points, with the relative
        lift after them). <span aria-hidden="true">★</span> a decision: the interval left 0. “p, z-test (fixed)” is valid only read
        once at a sample size set in advance; P(beat control) is the Bayesian chance that the rate is higher. Conversions and revenue
        count within the attribution window after each visitor's exposure.
      </p>
    </section>
  `;
}
