// Host pages for the browser suite: the page markup the harness serves (with the widget's script
// tag, or without for a twin), the host's own stylesheet with the inline offer's reserved space,
// filler paragraphs and the <visitor-offer> tag.
import { MOUNT_PATH } from '../../server/app';
import type { Harness } from './harness';

export const WIDGET_SCRIPT = `<script type="module" src="${MOUNT_PATH}/widget.js"></script>`;
/** A strict policy: no inline script or style anywhere, everything from the page's own origin. */
export const STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; object-src 'none'";

export interface HostPageOptions {
  /** Extra markup in <head> (after the widget script). */
  head?: string;
  /** The <body> content; default: a heading and a few paragraphs. */
  body?: string;
  /** A Content-Security-Policy header for the page. */
  csp?: string;
  /** The widget's script tag; default WIDGET_SCRIPT in <head>; false for none. */
  script?: string | false;
  /** Title, also the default heading. */
  title?: string;
}

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function defaultBody(title: string): string {
  const para = (n: number): string =>
    `<p>Paragraph ${n}. Launch pages that convert: templates, experiments and analytics in one place. Everything here is filler text long enough to wrap over several lines, as real copy would.</p>`;
  return `<main><h1>${esc(title)}</h1>${Array.from({ length: 6 }, (_, i) => para(i + 1)).join('\n')}</main>`;
}

export function renderHostPage(options: HostPageOptions = {}): string {
  const title = options.title ?? 'visitor-offers test page';
  const script = options.script === false ? '' : (options.script ?? WIDGET_SCRIPT);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
${script}
${options.head ?? ''}
</head>
<body>
${options.body ?? defaultBody(title)}
</body>
</html>`;
}

/** The host page's own stylesheet (a file, so it also works under a strict CSP). */
export const RESERVE_CSS_PATH = '/assets/host.css';
export const RESERVE_HEIGHT = 360;
export const HOST_CSS = `body { margin: 0 auto; max-width: 760px; padding: 0 24px; font: 16px/1.6 Georgia, serif; color: #222 }
visitor-offer[placement=inline] { display: block; min-height: ${RESERVE_HEIGHT}px; margin: 24px 0 }
.tall { height: 3000px }
.spacer { height: 1200px }`;
export const HOST_CSS_LINK = `<link rel="stylesheet" href="${RESERVE_CSS_PATH}">`;

/** Serves the host pages' stylesheet and a page-inserting script (for the late-loader tests). */
export function serveAssets(h: Harness): void {
  h.routes.get(RESERVE_CSS_PATH, (_req, res) => void res.type('css').set('cache-control', 'no-store').send(HOST_CSS));
}

export const para = (n: number): string =>
  `<p id="p${n}">Paragraph ${n}. Launch pages that convert: templates, experiments and analytics in one place. Filler long enough to wrap over a few lines, as real copy would.</p>`;
export const paras = (from: number, count: number): string => Array.from({ length: count }, (_, i) => para(from + i)).join('\n');

/** `<visitor-offer …>` with the given attributes (null/undefined left out). */
export function offerTag(attrs: Record<string, string | number | boolean | null | undefined> = {}): string {
  const list = Object.entries(attrs)
    .filter(([, v]) => v !== null && v !== undefined && v !== false)
    .map(([k, v]) => (v === true ? k : `${k}="${String(v)}"`));
  return `<visitor-offer${list.map((a) => ` ${a}`).join('')}></visitor-offer>`;
}
