// The persona switcher: a fixed "Demo" pill at the bottom left (clear of the widget's top bar and
// bottom-right slide-in) that opens upwards into the list of visitors. Choosing one goes through
// /demo/persona/<name>?next=<this page>, which sets the datafast_visitor_id cookie and comes back.
// The one-line "why" under it is filled by /demo/site.js from its own GET /visitor-offers/offer.
import { personas, type PersonaName } from '../personas';
import { esc } from './html';
import { DASHBOARD_PATH } from './paths';

/** The switcher's entries, in the order a newcomer should try them; `none` clears the cookie. */
export const PANEL_PERSONAS: ReadonlyArray<{ name: PersonaName | 'none'; label: string; hint: string }> = [
  { name: 'low', label: 'Low-score browser', hint: 'Score 22 · first visit, from a Facebook ad' },
  { name: 'average', label: 'Average visitor', hint: 'Score 50 · second visit, from Google' },
  { name: 'high', label: 'High-intent returning visitor', hint: 'Score 84 · sixth visit, viewed pricing' },
  { name: 'customer', label: 'Customer', hint: 'Paying since last week' },
  { name: 'lowConfidence', label: 'Low-confidence newcomer', hint: 'Score 30, confidence only 0.31' },
  { name: 'experiment', label: 'Visitor in an A/B test', hint: 'Score 55 · third visit · trial-length experiment' },
  { name: 'bot', label: 'Bot', hint: 'DataFast flags it (answers 400)' },
  { name: 'none', label: 'No cookie', hint: 'Not tracked by DataFast yet' },
];

export interface PanelInput {
  /** The datafast_visitor_id cookie of this request, if any. */
  visitorId: string | undefined;
  /** The page to come back to (path and query). */
  returnTo: string;
  live: boolean;
}

/** Which panel entry the cookie belongs to: a persona name, 'none', or null for a cookie of its own. */
export function currentPersona(visitorId: string | undefined): PersonaName | 'none' | null {
  if (visitorId === undefined || visitorId === '') return 'none';
  const id = visitorId.toLowerCase();
  const found = (Object.keys(personas) as PersonaName[]).find((n) => personas[n].visitorId === id);
  return found ?? null;
}

export function renderPanel({ visitorId, returnTo, live }: PanelInput): string {
  const current = currentPersona(visitorId);
  const currentLabel =
    PANEL_PERSONAS.find((p) => p.name === current)?.label ?? (current ? personas[current as PersonaName].label : 'Your own cookie');
  const next = encodeURIComponent(returnTo);
  const items = PANEL_PERSONAS.map(({ name, label, hint }) => {
    const active = name === current ? ' aria-current="true"' : '';
    return `<li><a href="/demo/persona/${name}?next=${next}" data-persona="${name}"${active}><strong>${esc(label)}</strong><span>${esc(hint)}</span></a></li>`;
  }).join('\n');
  const note = live
    ? '<p class="demo-note">Live DataFast: these made-up visitors are unknown to it, so they get no offer (reason <code>unknown-visitor</code>).</p>'
    : '<p class="demo-note">Each sets the <code>datafast_visitor_id</code> cookie to a visitor the simulated DataFast knows.</p>';
  return `<aside class="demo-panel" aria-label="Demo controls" data-demo-panel>
<details class="demo-menu">
<summary><span class="demo-badge">Demo</span><span class="demo-who">Visiting as <strong data-current-persona="${esc(current ?? 'own')}">${esc(currentLabel)}</strong></span><span class="demo-caret" aria-hidden="true"></span></summary>
<div class="demo-sheet">
<p class="demo-sheet-title">Switch visitor</p>
${note}
<ul class="demo-personas">
${items}
</ul>
<p class="demo-note">The “why” line below is this panel's own <code>GET /visitor-offers/offer</code> for the page: one extra request, for the demo only.</p>
<p class="demo-links"><a href="${DASHBOARD_PATH}">Open the dashboard</a><a href="/demo">Raw decisions</a><button type="button" data-forget>Forget closed offers</button></p>
</div>
</details>
<p class="demo-why" data-why aria-live="polite" title="From one extra GET /visitor-offers/offer made by this panel for this page: the decision the widget received too."><span class="demo-why-label">Why</span> <span data-why-text>asking the proxy…</span></p>
</aside>`;
}
