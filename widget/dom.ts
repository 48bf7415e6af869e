// Builds an offer's DOM with plain DOM calls, and keeps the few parts that change once it is shown
// (the countdown, the copy button's label, the lead form's state, the live line) up to date.
// Not a template library: lit-html alone was 2.9 KB gzip of the widget's 10 KB budget, and an
// offer's DOM is built once per display with a handful of bindings. Text is set as text and
// attributes with setAttribute: nothing is ever parsed as HTML (no innerHTML, CSP- and
// Trusted-Types-safe). Updates are synchronous (no timer: a page's paused clock cannot hold them).

type Value = string | number | boolean | null | undefined;
/** A child: a node, text, or nothing (null, undefined, false). */
export type Child = Node | string | number | false | null | undefined;
/**
 * Attributes by name: a value (null or undefined: absent; anything else as its string, so `false`
 * reads "false" as aria-* attributes want), or a function re-read on every update. A name starting
 * with `@` is an event listener instead (`'@click': handler`).
 */
export type Attrs = Record<string, Value | ((e: Event) => unknown)>;

export interface Builder {
  /** An HTML element; a function child is re-read on every update (a changed one replaces the node standing for it). */
  h(tag: string, attrs?: Attrs | null, ...children: (Child | (() => Child))[]): HTMLElement;
  /** An SVG element, as h(). */
  s(tag: string, attrs?: Attrs | null, ...children: Child[]): Element;
  /** Re-reads every bound attribute and child. */
  update(): void;
}

const set = (el: Element, name: string, v: Value): void => (v == null ? el.removeAttribute(name) : el.setAttribute(name, String(v)));

const toNode = (c: Child): Node => (c instanceof Node ? c : c == null || c === false ? new Comment() : new Text(String(c)));

/** A builder whose update() refreshes what its h() and s() bound. */
export function builder(): Builder {
  const bindings: (() => void)[] = [];
  const bind = (fn: () => void): void => (fn(), void bindings.push(fn));

  /** A child re-read on every update; the node now standing for it. */
  const slot = (read: () => Child): Node => {
    let now = toNode(read());
    bindings.push(() => {
      const c = read();
      // Changed text is a new text node: Chromium counts text changed in place, where it moves
      // (centred in a button), as a layout shift; a new node is not one.
      const same = c instanceof Node ? c === now : c == null || c === false ? now instanceof Comment : now instanceof Text && now.data === String(c);
      if (!same) {
        const next = toNode(c);
        now.parentNode?.replaceChild(next, now);
        now = next;
      }
    });
    return now;
  };

  const fill = <E extends Element>(el: E, attrs: Attrs | null | undefined, children: (Child | (() => Child))[]): E => {
    for (const [name, v] of Object.entries(attrs ?? {})) {
      if (name[0] === '@') el.addEventListener(name.slice(1), v as (e: Event) => unknown);
      else if (typeof v === 'function') bind(() => set(el, name, (v as () => Value)()));
      else set(el, name, v);
    }
    el.append(...children.map((c) => (typeof c === 'function' ? slot(c) : toNode(c))));
    return el;
  };

  return {
    h: (tag, attrs, ...children) => fill(document.createElement(tag), attrs, children),
    s: (tag, attrs, ...children) => fill(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, children),
    update: () => bindings.forEach((fn) => fn()),
  };
}
