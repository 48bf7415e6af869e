// The element's styles (adopted stylesheets: no inline styles, works under style-src 'self').
// build.mjs minifies this css`` text with esbuild's CSS minifier, so it is written for reading
// (custom-property values excepted: esbuild keeps those verbatim, so they are written tight).
// The tints use color-mix() (Chrome 111, Firefox 113, Safari 16.2); a browser without it shows the
// code and icon boxes untinted, and in the dark scheme the accent-coloured text in the card's text colour.
//
// Default theme contrast (WCAG 2.1, from sRGB relative luminance; AA: text 4.5:1, non-text 3:1):
//   text #111827 on #ffffff ................................ 17.74:1
//   secondary text: #111827 at 80 % opacity on #fff .......... 9.45:1
//   #ffffff on the accent #4338ca (buttons, badge) ............ 7.90:1
//   accent #4338ca on #fff (code, focus ring) ................. 7.90:1; on its 8 % tint 6.94:1
//   close icon: #111827 at 75 % opacity on #fff ............... 7.83:1
//   form error text #b91c1c on #fff ........................... 6.47:1
//   live-activity dot #16a34a on #fff (decoration) ............ 3.30:1
// Themes change them through --visitor-offer-accent / -accent-fg / -bg / -fg: keep the pairs AA.
import { css } from './sheet';

export const styles = css`
:host {
  display: block;
  position: relative;
  /* inline placement: the space the page reserves, so the offer appears without moving content */
  min-height: var(--visitor-offer-inline-height,0px);
  --a:var(--visitor-offer-accent,#4338ca);
  --af:var(--visitor-offer-accent-fg,#fff);
  --b:var(--visitor-offer-bg,#fff);
  --f:var(--visitor-offer-fg,#111827);
  --r:var(--visitor-offer-radius,14px);
  --r2:calc(var(--r)*.6);
  --ok:#15803d;
  --er:#b91c1c;
  --ln:rgba(17,24,39,.4);
  font: 15px/1.45 system-ui, sans-serif;
  /* the page's own typeface unless --visitor-offer-font says otherwise */
  font-family: var(--visitor-offer-font,inherit);
  /* one alignment, whatever the page's text-align around the element */
  text-align: start;
}
:host([hidden]) { display: none }
* { box-sizing: border-box }
/* measuring: out of flow (no margin or size effect on the page), at the host's width, clipped to
   zero height and invisible; its scrollHeight is the height the offer needs */
.m { position: absolute; left: 0; right: 0; height: 0; overflow: hidden; visibility: hidden }
.c {
  position: relative;
  border: 0;
  border-radius: var(--r);
  padding: 20px 22px;
  background: var(--b);
  color: var(--f);
  box-shadow: 0 18px 40px -12px rgba(17, 24, 39, .35), 0 0 0 1px rgba(17, 24, 39, .1);
  animation: in .3s ease-out;
}
.slide-in, .bar { position: fixed; z-index: 2147483000 }
/* .c's position: relative must not undo the UA's position: fixed of a modal dialog (scrolled pages) */
dialog.c { position: fixed }
.slide-in { right: 16px; bottom: 16px; width: min(370px, calc(100vw - 32px)) }
/* the bar: at the bottom of the viewport, where it never covers the site's header and its buttons */
.bar {
  bottom: 0; left: 0; right: 0;
  display: flex; flex-wrap: wrap; align-items: center; justify-content: center; gap: 6px 16px;
  border-radius: 0;
  border-top: 3px solid var(--a);
  padding: 10px 56px 10px 20px;
  animation-name: up;
}
/* push: in the page's flow at the element's place, the element sticky at the top */
:host([push]) { position: sticky; top: 0; z-index: 2147483000 }
.bar.push { position: relative; border-top: 0; border-bottom: 3px solid var(--a); animation-name: down }
dialog { width: min(440px, calc(100vw - 32px)); padding: 28px }
dialog::backdrop { background: rgba(17, 24, 39, .55) }
h2 { margin: 0 28px 6px 0; font-size: 1.25em; line-height: 1.25 }
p { margin: 0 0 14px }
.bar h2 { margin: 0; font-size: 1em }
.bar p, .bar .row, .bar .e { margin: 0 }
/* the coupon's code and button on one line: a wrapping row is only as wide as its widest item here */
.bar .k { flex-wrap: nowrap }
.bar form { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 12px }
.bar code, .bar input { padding-block: 5px }
.bar .b { padding-block: 6px }
/* badge: discount label or asset name */
.e {
  display: inline-block;
  margin: 0 0 10px;
  border-radius: 99px;
  padding: 3px 9px;
  background: var(--a);
  color: var(--af);
  font-size: .75em; font-weight: 700; letter-spacing: .05em; text-transform: uppercase;
}
.row { display: flex; flex-wrap: wrap; gap: 8px; margin: 0 0 12px }
code {
  flex: 1 1 8em;
  border: 1.5px dashed var(--al,var(--a));
  border-radius: var(--r2);
  padding: 9px 12px;
  background: color-mix(in srgb, var(--a) 8%, var(--b));
  color: var(--al,var(--a));
  font: 700 1.05em/1.4 ui-monospace, monospace; letter-spacing: .1em; text-align: center;
}
button, input { font: inherit }
.b {
  border: 0;
  border-radius: var(--r2);
  padding: 9px 16px;
  background: var(--a);
  color: var(--af);
  font-weight: 600;
  white-space: nowrap;
  cursor: pointer;
}
.b:hover { filter: brightness(1.15) }
/* the call to action: a link that looks like the button */
.cta { display: inline-block; margin: 0 0 12px; text-decoration: none }
.bar .cta { margin: 0 }
.b[aria-disabled=true] { opacity: .7; cursor: progress }
.x {
  position: absolute; top: 10px; right: 10px;
  width: 32px; height: 32px;
  border: 0; border-radius: 50%; padding: 0;
  background: none;
  color: var(--f);
  opacity: .75;
  font-size: 18px;
  cursor: pointer;
}
.bar .x { top: calc(50% - 16px) }
.x:hover { opacity: 1; background: rgba(127, 127, 127, .15) }
:focus-visible { outline: 2px solid var(--al,var(--a)); outline-offset: 2px }
/* countdown and live activity */
.t { margin: 0; font-size: .88em; opacity: .8; font-variant-numeric: tabular-nums }
.live:before {
  content: "";
  display: inline-block;
  width: 8px; height: 8px;
  margin-right: 7px;
  border-radius: 50%;
  background: #16a34a;
}
label { display: block; margin: 0 0 4px; font-size: .85em; font-weight: 600 }
input {
  flex: 1 1 11em;
  min-width: 0;
  border: 1.5px solid var(--ln);
  border-radius: var(--r2);
  padding: 8px 12px;
  background: var(--b);
  color: var(--f);
}
.err { margin: 0 0 10px; color: var(--er); font-weight: 600 }
.fine { margin: 0; font-size: .78em; opacity: .8 }
/* visually hidden, still read: the polite live region; the bar's email label */
.sr, .bar label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap }
@keyframes in { from { opacity: 0; transform: translateY(14px) } }
@keyframes down { from { transform: translateY(-100%) } }
@keyframes up { from { transform: translateY(100%) } }
@media (prefers-reduced-motion: reduce) { * { animation: none !important } }
`;
