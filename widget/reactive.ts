// The smallest base a <visitor-offer> needs, on lit-html alone: declared properties (attributes
// converted as Lit converts them, internal state) re-render the shadow root once per microtask;
// `done_` resolves after that render; styles are adopted (CSP-safe: no <style> element). LitElement's ReactiveElement would cost ~2.8 KB gzip
// more, which does not fit the rendering chunk's budget.
import { render } from 'lit/html.js';

export interface PropertyOptions {
  /** Attribute name; default the property name. */
  attribute?: string;
  type?: NumberConstructor | BooleanConstructor;
  /** Internal state: re-renders, has no attribute. */
  state?: boolean;
}

/** Tags the element's CSS text (build.mjs minifies the text inside `css\`…\``). */
export const css = (text: TemplateStringsArray): string => text[0] as string;

const sheets = new Map<string, CSSStyleSheet>();

export class ReactiveBase extends HTMLElement {
  static styles = '';
  static properties: Record<string, PropertyOptions> = {};

  readonly root_: ShadowRoot;
  /** Resolves once the pending render (if any) is done. */
  done_: Promise<unknown> = Promise.resolve();
  private values_ = new Map<string, unknown>();
  private pending_ = false;

  /** Defines the class's properties (accessors that re-render) and registers it as `tag`. */
  static define(tag: string): void {
    for (const name of Object.keys(this.properties)) {
      Object.defineProperty(this.prototype, name, {
        get(this: ReactiveBase) {
          return this.values_.get(name);
        },
        set(this: ReactiveBase, value: unknown) {
          if (this.values_.get(name) === value && this.values_.has(name)) return;
          this.values_.set(name, value);
          this.update_();
        },
      });
    }
    customElements.define(tag, this);
  }

  static get observedAttributes(): string[] {
    return Object.entries(this.properties).flatMap(([name, o]) => (o.state ? [] : [o.attribute ?? name]));
  }

  constructor() {
    super();
    this.root_ = this.attachShadow({ mode: 'open' });
    // Constructable style sheets: Chrome 73, Firefox 101, Safari 16.4.
    const text = (this.constructor as typeof ReactiveBase).styles;
    let sheet = sheets.get(text);
    if (!sheet) sheets.set(text, (sheet = new CSSStyleSheet())), sheet.replaceSync(text);
    this.root_.adoptedStyleSheets = [sheet];
  }

  connectedCallback(): void {}

  disconnectedCallback(): void {}

  attributeChangedCallback(attribute: string, _old: string | null, value: string | null): void {
    for (const [name, o] of Object.entries((this.constructor as typeof ReactiveBase).properties)) {
      if ((o.attribute ?? name) !== attribute) continue;
      // As Lit's default converter does.
      (this as unknown as Record<string, unknown>)[name] = o.type === Boolean ? value !== null : o.type === Number && value !== null ? Number(value) : value;
    }
  }

  /** Schedules one render for this microtask checkpoint. */
  update_(): void {
    if (this.pending_) return;
    this.pending_ = true;
    this.done_ = Promise.resolve().then(() => {
      this.pending_ = false;
      render(this.render(), this.root_, { host: this });
    });
  }

  /** What the shadow root shows (lit-html's render input). */
  render(): unknown {
    return null;
  }
}
