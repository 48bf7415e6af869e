// The demo's one page: a persona switcher and the decision the proxy makes for that persona.
// Server-rendered list, with a small script that fetches /offer like the widget will.
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
      return `<li><a href="/demo/persona/${esc(name)}"${active}><strong>${esc(p.label)}</strong><span>${esc(p.description)}</span></a></li>`;
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
</head>
<body>
<header><h1>visitor-offers demo</h1><p class="mode">${esc(mode)}</p></header>
<main>
<section aria-labelledby="who">
<h2 id="who">Be a visitor</h2>
<p>Each persona sets the <code>datafast_visitor_id</code> cookie to a visitor the simulated DataFast knows.</p>
<ul class="personas">
${rows}
<li><a href="/demo/persona/none"${noCookie}><strong>No cookie</strong><span>A visitor DataFast has not tracked yet.</span></a></li>
</ul>
</section>
<section aria-labelledby="decision-title">
<h2 id="decision-title">What the proxy decided</h2>
<p>Page path: <select id="path"><option>/</option><option>/pricing</option><option>/blog/launch-checklist</option></select></p>
<div id="offer" class="offer" hidden></div>
<pre id="decision">loading…</pre>
<p class="hint">This is <code>GET /visitor-offers/offer</code>, exactly as the widget receives it: the decision only, never the visitor record.</p>
</section>
</main>
</body>
</html>`;
}
