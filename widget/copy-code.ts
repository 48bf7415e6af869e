// The coupon's "Copy code" button: the clipboard, or selecting the code to copy by hand.

/**
 * Pins the button's current width as its minimum. The button only ever grows, and each label is
 * a new text node: the label going back to "Copy code" later, with no input near, would otherwise
 * move it and what is around it (a layout shift). CSSOM styles pass a strict CSP.
 */
export const pinWidth = (button: HTMLElement): string => (button.style.minWidth = `${button.getBoundingClientRect().width}px`);

/** Copies `text`; true when it is on the clipboard (the button pinned first), else selects `shown`. */
export async function copyCode(text: string, button: HTMLElement, shown: Element | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    pinWidth(button);
    return true;
  } catch {
    // No clipboard (insecure context, denied): select the code so it can be copied by hand.
    if (shown) getSelection()?.selectAllChildren(shown);
    return false;
  }
}
