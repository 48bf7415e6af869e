// Focus across shadow roots, to give it back where it was after an offer closes.

/** The focused element, looking through open shadow roots. */
export function deepActive(): HTMLElement | null {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a instanceof HTMLElement ? a : null;
}
