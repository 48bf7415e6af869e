// The element's look on top of styles.ts: dark-scheme defaults, the picture
// beside the headline, the lead's success state, and small-screen layouts. build.mjs minifies this
// css`` text like styles.ts's.
//
// Dark defaults (prefers-color-scheme: dark, unless theme="light"), contrast from sRGB relative
// luminance:
//   text #f9fafb on #1f2937 ...................................... 14.05:1
//   buttons and badge: the accent as in light (#fff on #4338ca) ..... 7.90:1
//   the accent as text on the dark card (code, icons, focus ring) is mixed 45 % with white, so a
//   site's accent chosen for a white card still reads: #4338ca → #aaa5e7 6.46:1, a teal #0f766e →
//   #93c1be 7.42:1, even #111827 → #94979e 5.02:1 (6.25, 6.96, 5.08 on the code's tint)
//   form error #fca5a5 on #1f2937 ................................ 7.73:1
// A site's own --visitor-offer-bg / -fg / -accent / -accent-fg win in both schemes.
import { css } from './sheet';

export const themeStyles = css`
@media (prefers-color-scheme: dark) {
  :host(:not([theme=light])) {
    --b:var(--visitor-offer-bg,#1f2937);
    --f:var(--visitor-offer-fg,#f9fafb);
    --al:color-mix(in srgb,var(--a) 45%,#fff);
    --ok:#4ade80;
    --er:#fca5a5;
    --ln:rgba(249,250,251,.5);
  }
  :host(:not([theme=light])) .c { box-shadow: 0 18px 40px -12px rgba(0, 0, 0, .6), 0 0 0 1px rgba(249, 250, 251, .16) }
}
/* headline row: the picture, then badge and headline; the right padding keeps clear of the close
   button, so a long badge never runs under it */
.hd { display: flex; align-items: flex-start; gap: 12px; margin: 0 0 10px; padding-right: 30px }
.hd > div { min-width: 0 }
.hd h2 { margin: 0 }
.hd .e { margin: 2px 0 6px }
.v {
  position: relative;
  flex: none;
  display: grid; place-items: center;
  width: 44px; height: 44px;
  border-radius: 12px;
  overflow: hidden;
  background: color-mix(in srgb, var(--a) 16%, var(--b));
  color: var(--al,var(--a));
}
/* the image covers the icon, which shows again if the image fails (it is removed) */
.v img { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: cover }
/* the coupon's icon is round, the others' square */
.coupon .v { border-radius: 50% }
/* the lead's success state: a check, the thanks, what happens next */
.ok { display: flex; gap: 12px; align-items: flex-start; margin: 4px 0 0 }
.ok .v { width: 36px; height: 36px; border-radius: 50%; background: var(--ok); color: var(--b) }
.ok p { margin: 0 }
.ok strong { display: block; font-size: 1.1em }
.bar .hd { margin: 0; padding: 0; align-items: center }
.bar .v { width: 30px; height: 30px }
.bar .hd .e { margin: 0 }
/* phones: compact, one left alignment, a slide-in never taller than 35 % of the screen */
@media (max-width: 480px) {
  .c { padding: 14px 16px }
  h2 { font-size: 1.1em }
  p, .row { margin-bottom: 8px }
  .v { width: 36px; height: 36px }
  .slide-in { left: 8px; right: 8px; bottom: 8px; width: auto; max-height: 35vh; overflow-y: auto }
  .bar { flex-direction: column; flex-wrap: nowrap; align-items: flex-start; text-align: left; padding: 8px 48px 8px 12px; gap: 6px }
  .bar .v, .bar [part=body] { display: none }
  .bar form { align-self: stretch }
  .bar .row { flex: 1 1 100%; flex-wrap: nowrap }
  .bar input { width: 0 }
  .bar .fine { font-size: .7em }
}
`;
