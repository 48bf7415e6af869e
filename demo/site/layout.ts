// The page shell every Launchkit page shares: head (styles, the widget's script tag, the demo
// panel's script), header with navigation, the page's <main>, footer, and the persona switcher.
import { esc } from './html';
import { SITE_PATHS } from './paths';

export interface LayoutInput {
  title: string;
  description: string;
  /** This page's path, to mark the current navigation link. */
  path: string;
  main: string;
  /** The persona switcher's markup (panel.ts). */
  panel: string;
}

/** The drop-in snippet from the README, as a site owner would paste it. */
export const WIDGET_SNIPPET = '<script type="module" src="/visitor-offers/widget.js"></script>';

const NAV: ReadonlyArray<[string, string]> = [
  ['Product', '/#features'],
  ['Customers', '/#customers'],
  ['Pricing', SITE_PATHS.pricing],
  ['Blog', SITE_PATHS.blogPost],
];

export const LOGO = `<svg class="logo-mark" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true"><rect width="32" height="32" rx="8" fill="currentColor"/><path d="M9 22V14M16 22V9M23 22v-5" stroke="#fff" stroke-width="3.2" stroke-linecap="round"/></svg>`;

export function renderLayout({ title, description, path, main, panel }: LayoutInput): string {
  const nav = NAV.map(([label, href]) => `<a href="${href}"${href === path ? ' aria-current="page"' : ''}>${label}</a>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<meta name="description" content="${esc(description)}">
<link rel="icon" href="/demo/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/demo/site.css">
${WIDGET_SNIPPET}
<script type="module" src="/demo/site.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site-header">
<div class="wrap header-row">
<a class="brand" href="/">${LOGO}<span>Launchkit</span></a>
<nav class="site-nav" aria-label="Main">${nav}</nav>
<div class="header-cta"><a class="link-quiet" href="${SITE_PATHS.pricing}">Sign in</a><a class="btn btn-primary btn-sm" href="${SITE_PATHS.pricing}">Start free trial</a></div>
</div>
</header>
<main id="main">
${main}
</main>
<footer class="site-footer">
<div class="wrap footer-row">
<div class="footer-brand"><a class="brand brand-light" href="/">${LOGO}<span>Launchkit</span></a><p>Analytics dashboards for small SaaS teams.</p></div>
<nav class="footer-nav" aria-label="Footer"><a href="/#features">Product</a><a href="${SITE_PATHS.pricing}">Pricing</a><a href="${SITE_PATHS.blogPost}">Blog</a><a href="/#customers">Customers</a></nav>
</div>
<p class="wrap footer-fine">© Launchkit, Inc. — a made-up product: this site is the <strong>visitor-offers</strong> demo.</p>
</footer>
${panel}
</body>
</html>`;
}
