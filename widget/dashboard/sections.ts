// The dashboard's sections as small render functions of the snapshot: summary, active visitors,
// recent activity (experiments: experiments.ts). No state here; the element (dashboard.ts) owns it.
import { html, nothing, type TemplateResult } from 'lit';
import { confidence, countryName, flagEmoji, kindLabel, minutesAgo, money, pct, score } from './format';
import type { DashboardSnapshot, DashboardVisitor, Segment } from './types';

const SEGMENTS: readonly Segment[] = ['high', 'average', 'low', 'unknown', 'customer'];
const int = new Intl.NumberFormat('en');

/** A flag (decorative) and the code, named in a tooltip. */
function country(code: string | null): TemplateResult {
  if (code === null) return html`<span class="muted">—</span>`;
  return html`<span class="country"><span class="flag" aria-hidden="true">${flagEmoji(code)}</span><abbr title=${countryName(code)}>${code}</abbr></span>`;
}

function segmentPill(segment: Segment): TemplateResult {
  return html`<span class="pill seg-${segment}">${segment}</span>`;
}

/** The offer (kind and id) or the experiment variant this visitor would get. */
function decisionCell(v: DashboardVisitor): TemplateResult {
  const offer = v.offer
    ? html`<span class="pill kind-${v.offer.kind}">${kindLabel(v.offer.kind)}</span><span class="offer-id">${v.offer.id}</span>`
    : html`<span class="muted">${v.experiment ? 'control: no offer' : 'no offer'}</span>`;
  const experiment = v.experiment
    ? html`<span class="sub wrap">A/B <strong>${v.experiment.id}</strong> → <strong>${v.experiment.variant}</strong></span>`
    : nothing;
  return html`${offer}${experiment}`;
}

export function summarySection(d: DashboardSnapshot): TemplateResult {
  const counts = new Map<Segment, number>();
  for (const v of d.visitors) counts.set(v.segment, (counts.get(v.segment) ?? 0) + 1);
  const withOffer = d.visitors.filter((v) => v.offer !== null).length;
  const inExperiment = d.visitors.filter((v) => v.experiment !== null).length;
  const last = d.recentPayments[0];
  return html`
    <section class="cards" aria-label="Summary">
      <div class="card">
        <p class="card-label">Active visitors</p>
        <p class="card-value">${d.activeVisitors === null ? '—' : int.format(d.activeVisitors)}</p>
        <p class="card-sub">${d.activeVisitors === null ? 'realtime map unavailable' : 'on the site now (DataFast)'}</p>
      </div>
      <div class="card">
        <p class="card-label">Would see an offer</p>
        <p class="card-value">${int.format(withOffer)}<span class="card-of"> / ${int.format(d.visitors.length)}</span></p>
        <p class="card-sub">${inExperiment === 0 ? 'none in an experiment' : `${int.format(inExperiment)} in an experiment`}</p>
      </div>
      <div class="card">
        <p class="card-label">Segments</p>
        <ul class="segments">
          ${SEGMENTS.map((s) => html`<li>${segmentPill(s)}<span class="seg-count">${int.format(counts.get(s) ?? 0)}</span></li>`)}
        </ul>
      </div>
      <div class="card">
        <p class="card-label">Latest payment</p>
        <p class="card-value">${last ? money(last.amount, last.currency) : '—'}</p>
        <p class="card-sub">${last ? `${minutesAgo(last.minutesAgo)}${last.countryCode ? ` · ${countryName(last.countryCode)}` : ''}` : 'none recently'}</p>
      </div>
    </section>
  `;
}

export function visitorsSection(d: DashboardSnapshot): TemplateResult {
  const t = d.thresholds;
  const rows = d.visitors;
  return html`
    <section class="panel" aria-labelledby="visitors-title">
      <div class="panel-head">
        <h2 id="visitors-title">Active visitors</h2>
        <span class="badge">${rows.length}${d.visitorsTruncated ? '+' : ''}</span>
      </div>
      <p class="note">
        What each visitor would get right now, decided by the live rules from their row in DataFast's realtime map: score
        below ${t.low} is <em>low</em>, above ${t.high} <em>high</em>, confidence under ${t.minConfidence} counts as no prediction.
        Completed goals and first-session UTM parameters are not in the realtime map, so a rule on those may decide differently
        on the visitor's own page view.
      </p>
      ${rows.length === 0
        ? html`<p class="empty">${d.activeVisitors === null ? 'The realtime map is unavailable.' : 'Nobody is on the site right now.'}</p>`
        : html`
            <div class="scroll" role="region" aria-labelledby="visitors-title" tabindex="0">
              <table class="visitors">
                <caption class="sr-only">Active visitors and the offer each would get</caption>
                <thead>
                  <tr>
                    <th scope="col">Visitor</th>
                    <th scope="col">Country</th>
                    <th scope="col">Device</th>
                    <th scope="col">Page</th>
                    <th scope="col" class="num">Visits</th>
                    <th scope="col" class="num">Score</th>
                    <th scope="col" class="num"><span aria-hidden="true">Conf.</span><span class="sr-only">Confidence</span></th>
                    <th scope="col">Segment</th>
                    <th scope="col">Would get</th>
                    <th scope="col">Rule</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows.map((v) => visitorRow(v, t.minConfidence))}
                </tbody>
              </table>
            </div>
          `}
      ${d.visitorsTruncated ? html`<p class="note">Showing the first ${rows.length} of ${d.activeVisitors ?? 'more'} active visitors.</p>` : nothing}
    </section>
  `;
}

function visitorRow(v: DashboardVisitor, minConfidence: number): TemplateResult {
  const system = [v.browser, v.os].filter((x): x is string => !!x).join(' · ');
  const weak = v.confidence !== null && v.confidence < minConfidence;
  // Each cell's content sits in one .v box: on narrow screens the row becomes a card of
  // "label | value" lines (styles.ts), the label coming from data-label.
  return html`
    <tr>
      <th scope="row" data-label="Visitor"><div class="v"><code>${v.visitorId}</code></div></th>
      <td data-label="Country"><div class="v">${country(v.countryCode)}</div></td>
      <td data-label="Device">
        <div class="v"><span class="cap">${v.deviceType ?? '—'}</span>${system ? html`<span class="sub">${system}</span>` : nothing}</div>
      </td>
      <td data-label="Page">
        <div class="v">${v.page === null ? html`<span class="muted">—</span>` : html`<code class="page" title=${v.page}>${v.page}</code>`}</div>
      </td>
      <td data-label="Visits" class="num"><div class="v">${v.visitCount ?? '—'}</div></td>
      <td data-label="Score" class="num"><div class="v">${score(v.score)}</div></td>
      <td data-label="Confidence" class="num">
        <div class="v ${weak ? 'weak' : ''}">${confidence(v.confidence)}${weak ? html`<span class="sr-only"> (too low to act on)</span>` : nothing}</div>
      </td>
      <td data-label="Segment"><div class="v">${segmentPill(v.segment)}</div></td>
      <td data-label="Would get"><div class="v">${decisionCell(v)}</div></td>
      <td data-label="Rule"><div class="v"><code class="rule">${v.reason}</code></div></td>
    </tr>
  `;
}

export function activitySection(d: DashboardSnapshot): TemplateResult {
  return html`
    <div class="columns">
      <section class="panel" aria-labelledby="events-title">
        <h2 id="events-title">Recent events</h2>
        ${d.recentEvents.length === 0
          ? html`<p class="empty">No recent events.</p>`
          : html`
              <div class="scroll" role="region" aria-labelledby="events-title" tabindex="0">
                <table>
                  <caption class="sr-only">Recent events, newest first</caption>
                  <thead>
                    <tr><th scope="col">Event</th><th scope="col">Page</th><th scope="col">Country</th><th scope="col" class="num">When</th></tr>
                  </thead>
                  <tbody>
                    ${d.recentEvents.map(
                      (e) => html`<tr>
                        <td>${e.type}</td>
                        <td>${e.path === null ? html`<span class="muted">—</span>` : html`<code class="page" title=${e.path}>${e.path}</code>`}</td>
                        <td>${country(e.countryCode)}</td>
                        <td class="num nowrap">${minutesAgo(e.minutesAgo)}</td>
                      </tr>`,
                    )}
                  </tbody>
                </table>
              </div>
            `}
      </section>
      <section class="panel" aria-labelledby="payments-title">
        <h2 id="payments-title">Recent payments</h2>
        ${d.recentPayments.length === 0
          ? html`<p class="empty">No recent payments.</p>`
          : html`
              <div class="scroll" role="region" aria-labelledby="payments-title" tabindex="0">
                <table>
                  <caption class="sr-only">Recent payments, newest first</caption>
                  <thead>
                    <tr><th scope="col" class="num">Amount</th><th scope="col">Country</th><th scope="col" class="num">When</th></tr>
                  </thead>
                  <tbody>
                    ${d.recentPayments.map(
                      (p) => html`<tr>
                        <td class="num">${money(p.amount, p.currency)}</td>
                        <td>${country(p.countryCode)}</td>
                        <td class="num nowrap">${minutesAgo(p.minutesAgo)}</td>
                      </tr>`,
                    )}
                  </tbody>
                </table>
              </div>
            `}
        <p class="note">Payers' names and emails are never shown: this server drops them when it reads DataFast's map.</p>
      </section>
    </div>
  `;
}
