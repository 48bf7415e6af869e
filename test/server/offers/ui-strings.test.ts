// The widget's word tables: every shipped language has every key and keeps each placeholder; the
// widget's English defaults are the server's; `uiStringsFor` sends only what differs from English.
import { describe, expect, it } from 'vitest';
import { BUILT_IN_LANGS, EN, readLang, UI_STRING_KEYS, uiStringsFor } from '../../../server/offers/ui-strings';
import { EN as WIDGET_EN } from '../../../widget/strings';

const placeholders = (s: string): string[] => [...s.matchAll(/\{\w+\}/g)].map((m) => m[0]).sort();

describe('UI strings', () => {
  it('the widget carries exactly the server’s English table', () => {
    expect(WIDGET_EN).toEqual(EN);
  });

  for (const [lang, table] of Object.entries(BUILT_IN_LANGS)) {
    it(`${lang}: every key, non-empty, with the same placeholders as English`, () => {
      expect(Object.keys(table).sort()).toEqual([...UI_STRING_KEYS].sort());
      for (const key of UI_STRING_KEYS) {
        expect(table[key].trim(), key).not.toBe('');
        expect(placeholders(table[key]), key).toEqual(placeholders(EN[key]));
      }
    });
  }

  it('ships English and at least one other language', () => {
    expect(Object.keys(BUILT_IN_LANGS).length).toBeGreaterThanOrEqual(2);
  });

  it('reads a BCP 47-looking tag and nothing else', () => {
    expect(readLang('fr-CA')).toBe('fr-ca');
    expect(readLang('EN')).toBe('en');
    for (const bad of [undefined, '', 'f', 'fr_CA', 'fr;', ['fr'], 'x'.repeat(36)]) expect(readLang(bad), String(bad)).toBeNull();
  });

  it('sends only what differs from English', () => {
    expect(uiStringsFor(null, undefined)).toBeUndefined();
    expect(uiStringsFor('en', { close: 'Close' })).toBeUndefined();
    expect(uiStringsFor('fr-be', undefined)?.close).toBe('Fermer');
    expect(uiStringsFor('de', { close: 'Schließen' })).toEqual({ close: 'Schließen' });
  });
});
