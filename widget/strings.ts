// The widget's own words: English (ui-strings-en.ts, the table the server reads too) unless the
// offer brings others. The server sends, with an offer, only what differs for the visitor (their
// page's language, the offer's own `strings`: server/offers/ui-strings.ts), so another language
// costs English pages nothing.
import type { UiStringKey, UiStrings } from '../server/offers/ui-strings';
import { EN } from './ui-strings-en';

export type { UiStringKey, UiStrings };

/** The offer's words (English where it sends none), with `{name}` filled in from `vars`. */
export function say(own: Partial<UiStrings> | undefined, key: UiStringKey, vars: Record<string, string | number> = {}): string {
  const text = typeof own?.[key] === 'string' ? own[key] : EN[key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
