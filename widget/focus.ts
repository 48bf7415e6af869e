// Focus across shadow roots: where it was before an offer opened, and Tab kept inside the modal.

/** The focused element, looking through open shadow roots. */
export function deepActive(): HTMLElement | null {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a instanceof HTMLElement ? a : null;
}

/** Keeps Tab inside `root` (the modal): from its last control to its first, and back with Shift. */
export function cycleTab(root: ShadowRoot, e: KeyboardEvent): void {
  const all = [...root.querySelectorAll<HTMLElement>('a[href],button,input')];
  const [first, last] = e.shiftKey ? [all.at(-1), all[0]] : [all[0], all.at(-1)];
  if (root.activeElement === last) {
    e.preventDefault();
    first?.focus();
  }
}
