// "Skip to offer": a bar or slide-in is rendered at the end of the page (the drop-in appends it to
// <body>), so Tab would reach it only after every link of the page. While one is shown, a skip link
// is the page's first Tab stop: visually hidden until focused, then a small fixed label at the top
// left (no layout shift either way); Enter moves focus into the offer. Its styles are set through
// CSSOM, which a strict CSP (style-src 'self') allows, unlike a style attribute or <style>.
import type { Cancel } from './types';

const AT = 'position:fixed;left:8px;top:8px;z-index:2147483001;';
const HIDDEN = `${AT}width:1px;height:1px;overflow:hidden;clip-path:inset(50%)`;
const SHOWN = `${AT}padding:8px 14px;background:#111827;color:#fff;font:600 15px system-ui`;

/**
 * Adds the skip link as the first element of <body>; `go` is called with the element focused
 * before it (null: none) when it is followed. The returned function removes it.
 */
export function addSkipLink(label: string, go: (from: Element | null) => void): Cancel {
  const a = document.createElement('a');
  a.href = '#';
  a.textContent = label;
  a.setAttribute('data-visitor-offer-skip', '');
  let from: Element | null = null;
  a.style.cssText = HIDDEN;
  a.onfocus = (e) => {
    from = e.relatedTarget instanceof Element ? e.relatedTarget : null;
    a.style.cssText = SHOWN;
  };
  a.onblur = () => (a.style.cssText = HIDDEN);
  a.onclick = (e) => {
    e.preventDefault();
    go(from);
  };
  document.body.prepend(a);
  return () => a.remove();
}
