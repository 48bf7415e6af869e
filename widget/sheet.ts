// The element's styles as a constructable style sheet, adopted by its shadow root: no <style>
// element and no style attribute, so a strict CSP (style-src 'self') allows them.
// Constructable style sheets: Chrome 73, Firefox 101, Safari 16.4.

/** Tags the element's CSS text (build.mjs minifies the text inside `css\`…\``). */
export const css = (text: TemplateStringsArray): string => text[0] as string;

let sheet: CSSStyleSheet | undefined;

/** Adopts `text` into `root`, one sheet shared by every element. */
export function adopt(root: ShadowRoot, text: string): void {
  if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(text);
  root.adoptedStyleSheets = [sheet];
}
