// The dashboard bundle's entry (dist/widget/dashboard.js, loaded by the page GET /dashboard
// serves): defines <visitor-offers-dashboard> (and its Preview section) once and gives the page
// itself a plain background.
import { VisitorOffersDashboard } from './dashboard';
import { VisitorOffersPreview } from './preview';

const TAG = 'visitor-offers-dashboard';
const PREVIEW_TAG = 'visitor-offers-preview';

if (!customElements.get(TAG)) customElements.define(TAG, VisitorOffersDashboard);
if (!customElements.get(PREVIEW_TAG)) customElements.define(PREVIEW_TAG, VisitorOffersPreview);

// The shell page has no stylesheet of its own (its CSP allows no inline style): a constructed one.
try {
  const page = new CSSStyleSheet();
  page.replaceSync('html, body { margin: 0; padding: 0; background: #f5f6f8; } @media (prefers-color-scheme: dark) { html, body { background: #0f131a; } }');
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, page];
} catch {
  // an older browser: the default 8px body margin stays
}

declare global {
  interface HTMLElementTagNameMap {
    [TAG]: VisitorOffersDashboard;
    [PREVIEW_TAG]: VisitorOffersPreview;
  }
}
