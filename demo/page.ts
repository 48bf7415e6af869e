// The demo's raw decision view at /demo: every persona, the decision the proxy makes for it as JSON,
// and the real widget (the drop-in script tag) showing it. Server-rendered list, with a small script that
// fetches /offer to show the decision as JSON.
import type { Persona, PersonaName } from './personas';

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export interface DemoPageInput {
  personas: Record<PersonaName, Persona>;
  current: string | undefined;
  mode: string;
}

export function renderDemoPage({ personas, current, mode }: DemoPageInput): string {
  const rows = (Object.entries(personas) as Array<[PersonaName, Persona]>)
    .map(([name, p]) => {
      const active = p.visitorId === current ? ' aria-current="true"' : '';
      return `<li><a href="/demo/persona/${esc(name)}?next=/demo"${active}><strong>${esc(p.label)}</strong><span>${esc(p.description)}</span></a></li>`;
    })
    .join('\n');
  const noCookie = current === undefined ? ' aria-current="true"' : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>visitor-offers demo</title>
<link rel="stylesheet" href="/demo/demo.css">
<script type="module" src="/demo/demo.js"></script>
<script type="module" src="/visitor-offers/widget.js"></script>
</head>
<body>
<header><h1>visitor-offers demo: raw decisions</h1><p class="mode">${esc(mode)} · <a href="/">back to the Launchkit site</a></p></header>
<main>
<section aria-labelledby="who">
<h2 id="who">Be a visitor</h2>
<p>Each persona sets the <code>datafast_visitor_id</code> cookie to a visitor the simulated DataFast knows.</p>
<ul class="personas">
${rows}
<li><a href="/demo/persona/none?next=/demo"${noCookie}><strong>No cookie</strong><span>A visitor DataFast has not tracked yet.</span></a></li>
</ul>
</section>
<section aria-labelledby="decision-title">
<h2 id="decision-title">What the proxy decided</h2>
<p>Page path: <select id="path"><option>/</option><option>/pricing</option><option>/blog/saas-metrics-that-matter</option></select></p>
<div id="offer" class="offer" hidden></div>
<pre id="decision">loading…</pre>
<p class="hint">This is <code>GET /visitor-offers/offer</code>, exactly as the widget receives it: the decision only, never the visitor record.</p>
<p class="hint">The widget shows the offer when its trigger fires (the coupon after 8 s, the guide after 40 % scrolled, or 5 s on a page too short to scroll). A closed offer stays closed for 7 days: <button type="button" id="forget">forget closed offers</button></p>
<h3>Inline offers appear here</h3>
<visitor-offer id="inline-slot"></visitor-offer>
<p class="hint">The page reserves this space (<code>visitor-offer { display: block; min-height: … }</code>), so an inline offer appears without moving anything; bars, slide-ins and modals overlay the page.</p>
</section>
</main>
</body>
</html>`;
}
